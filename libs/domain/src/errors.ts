/**
 * A caller's input broke a domain rule. `field` names the input (as the caller knows it),
 * `rule` is a short stable machine code (e.g. `citizenId.checkDigit`) that clients may switch on,
 * and `message` is an English sentence for people. HTTP layers map this to a 400.
 *
 * Messages never echo a full citizen ID number: they end up in logs.
 */
export class DomainRuleError extends Error {
  constructor(
    public readonly field: string,
    public readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainRuleError';
  }
}

/**
 * A data file (pilot schedule, fee policy) is malformed. This is a deployment mistake, not a
 * caller's: it should stop the process at start-up. `entry` locates the bad value, e.g.
 * `rules[3] (yrd-pilot-units).units[2]`.
 */
export class DomainDataError extends Error {
  constructor(
    public readonly source: string,
    public readonly entry: string,
    message: string,
  ) {
    super(`${source}: ${entry}: ${message}`);
    this.name = 'DomainDataError';
  }
}
