import { formatIsoDate, fromDayNumber, parseIsoDate, toDayNumber, weekdayOf } from './dates';
import { DomainRuleError } from './errors';

/**
 * Deadlines of a case, as calendar dates (YYYY-MM-DD).
 *
 * - Statutory limit (Resident Identity Card Law art. 12): the card is issued within 60 days of
 *   the application, extendable by up to 30 days in areas with poor transport.
 * - Hukou review target: 5 days. Yangtze River Delta pilot promise: 20 working days.
 *
 * Periods start the day after intake (the day of intake is not counted), so "60 days" from
 * 2024-01-01 ends on 2024-03-01. Working days are Monday–Friday only: there is NO public-holiday
 * calendar here (no 国庆/春节 closures, no make-up working weekends); a province that needs one
 * should supply deadlines from its own calendar.
 */

export interface TimeLimitPolicy {
  /** Calendar days for the hukou side to review. */
  reviewDays: number;
  /** Working days promised to the applicant. */
  promiseWorkingDays: number;
  /** Calendar days, statutory maximum. */
  statutoryDays: number;
  /** Extra calendar days allowed in remote areas. */
  remoteAreaExtraDays: number;
}

export const DEFAULT_TIME_LIMIT_POLICY: Readonly<TimeLimitPolicy> = Object.freeze({
  reviewDays: 5,
  promiseWorkingDays: 20,
  statutoryDays: 60,
  remoteAreaExtraDays: 30,
});

export interface CaseDeadlines {
  reviewDue: string;
  promiseDue: string;
  statutoryDue: string;
}

export function addDays(date: string, n: number): string {
  assertInteger(n, 'n');
  return formatIsoDate(fromDayNumber(toDayNumber(parseIsoDate(date, 'date')) + n));
}

export function isWorkingDay(date: string): boolean {
  return isWeekday(weekdayOf(date));
}

function isWeekday(weekday: number): boolean {
  return weekday !== 0 && weekday !== 6;
}

/**
 * The n-th working day (Mon–Fri) after `date` (negative n: before). The start day itself is
 * never counted, so from a Saturday, 1 working day later is the Monday. n = 0 returns `date`.
 */
export function addWorkingDays(date: string, n: number): string {
  assertInteger(n, 'n');
  let day = toDayNumber(parseIsoDate(date, 'date'));
  const step = n < 0 ? -1 : 1;
  for (let left = Math.abs(n); left > 0;) {
    day += step;
    if (isWeekday((((day + 4) % 7) + 7) % 7)) left -= 1; // day 0 (1970-01-01) was a Thursday
  }
  return formatIsoDate(fromDayNumber(day));
}

export function caseDeadlines(
  intakeDate: string,
  opts: { remoteArea?: boolean; policy?: TimeLimitPolicy } = {},
): CaseDeadlines {
  parseIsoDate(intakeDate, 'intakeDate');
  const policy = opts.policy ?? DEFAULT_TIME_LIMIT_POLICY;
  for (const key of Object.keys(DEFAULT_TIME_LIMIT_POLICY) as (keyof TimeLimitPolicy)[]) {
    assertInteger(policy[key], `policy.${key}`, 0);
  }
  const statutory = policy.statutoryDays + (opts.remoteArea ? policy.remoteAreaExtraDays : 0);
  return {
    reviewDue: addDays(intakeDate, policy.reviewDays),
    promiseDue: addWorkingDays(intakeDate, policy.promiseWorkingDays),
    statutoryDue: addDays(intakeDate, statutory),
  };
}

function assertInteger(n: unknown, field: string, min = -1_000_000): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > 1_000_000) {
    throw new DomainRuleError(
      field,
      'number.integer',
      `${field}: must be a whole number${min === 0 ? ' of at least 0' : ''}`,
    );
  }
}
