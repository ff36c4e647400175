import { isIsoDate } from './dates';
import { lookupDivision, PROVINCE_CODES } from './divisions';
import { DomainDataError } from './errors';

/**
 * Structural checks for the data files (pilot schedule, fee policy), with messages that point
 * at the bad entry, e.g. `rules[3] (yrd-pilot-units).units[2]: 3399 is not a known division code`.
 */

export type Json = Record<string, unknown>;

export class DataValidator {
  constructor(private readonly source: string) {}

  fail(entry: string, message: string): never {
    throw new DomainDataError(this.source, entry, message);
  }

  object(value: unknown, at: string): Json {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      this.fail(at, 'must be an object');
    return value as Json;
  }

  array(value: unknown, at: string): unknown[] {
    if (!Array.isArray(value)) this.fail(at, 'must be an array');
    return value;
  }

  nonEmptyArray(value: unknown, at: string): unknown[] {
    const list = this.array(value, at);
    if (list.length === 0) this.fail(at, 'must not be empty');
    return list;
  }

  string(value: unknown, at: string): string {
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(at, 'must be a non-empty string');
    return value;
  }

  date(value: unknown, at: string): string {
    if (!isIsoDate(value))
      this.fail(at, `must be a real date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalDate(value: unknown, at: string): string | undefined {
    return value === undefined ? undefined : this.date(value, at);
  }

  dateRange(o: Json, at: string): { effectiveFrom: string; effectiveUntil?: string } {
    const effectiveFrom = this.date(o.effectiveFrom, `${at}.effectiveFrom`);
    const effectiveUntil = this.optionalDate(o.effectiveUntil, `${at}.effectiveUntil`);
    if (effectiveUntil === undefined) return { effectiveFrom };
    if (effectiveUntil < effectiveFrom)
      this.fail(`${at}.effectiveUntil`, 'is before effectiveFrom');
    return { effectiveFrom, effectiveUntil };
  }

  province(value: unknown, at: string): string {
    if (typeof value !== 'string' || !PROVINCE_CODES.includes(value)) {
      this.fail(at, `${JSON.stringify(value)} is not one of the 31 mainland province codes`);
    }
    return value;
  }

  /** A known division code; returned in canonical form (2, 4 or 6 digits) for prefix matching. */
  prefix(value: unknown, at: string): string {
    const division = typeof value === 'string' ? lookupDivision(value) : undefined;
    if (!division) this.fail(at, `${JSON.stringify(value)} is not a known division code`);
    return division.code;
  }

  region<R>(value: unknown, at: string, regions: Map<string, R>): R {
    const region = typeof value === 'string' ? regions.get(value) : undefined;
    if (!region) this.fail(at, `${JSON.stringify(value)} is not a region id declared in "regions"`);
    return region;
  }
}
