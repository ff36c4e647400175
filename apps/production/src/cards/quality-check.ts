/**
 * The quality check (质检) after each production attempt. The real check is a machine at the
 * production centre; here it is a configurable simulation: a failure probability per attempt, plus
 * a deterministic hook that fails the first N attempts of every card (tests, demos).
 */
export interface QualityCheckSettings {
  /** Probability (0..1) that an attempt fails (PRODUCTION_QC_FAILURE_RATE). */
  failureRate: number;
  /** The first N attempts of every card fail (PRODUCTION_QC_FAIL_FIRST_N). */
  failFirstN: number;
}

export type QualityCheckResult = { passed: true } | { passed: false; reason: string };

/** Defects the simulated check reports, in the words of a production log. */
export const QC_DEFECTS: readonly string[] = Object.freeze([
  'chip personalisation failed',
  'print misregistration on the photo side',
  'laminate bubble over the portrait',
  'optically variable ink out of tolerance',
]);

/** Inspects attempt `attempt` (1-based) of a card. `random` returns a number in [0, 1). */
export function inspectAttempt(
  attempt: number,
  settings: QualityCheckSettings,
  random: () => number = Math.random,
): QualityCheckResult {
  if (attempt <= settings.failFirstN)
    return { passed: false, reason: 'quality check failed: forced by PRODUCTION_QC_FAIL_FIRST_N' };
  if (settings.failureRate > 0 && random() < settings.failureRate) {
    const defect = QC_DEFECTS[Math.floor(random() * QC_DEFECTS.length) % QC_DEFECTS.length];
    return { passed: false, reason: `quality check failed: ${defect}` };
  }
  return { passed: true };
}
