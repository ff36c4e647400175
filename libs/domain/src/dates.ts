import { DomainRuleError } from './errors';

/**
 * Calendar dates as ISO `YYYY-MM-DD` strings. All arithmetic is on day numbers computed from
 * the proleptic Gregorian calendar (no `Date`, no time zones), so a server in any zone gets the
 * same answer. Valid ISO dates compare correctly as strings.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// China Standard Time has been UTC+8 without daylight saving since 1991.
const CHINA_OFFSET_MS = 8 * 3_600_000;

export interface CalendarDate {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export function isRealDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    year >= 1 &&
    year <= 9999 &&
    Number.isInteger(month) &&
    month >= 1 &&
    month <= 12 &&
    Number.isInteger(day) &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/** True for a string `YYYY-MM-DD` naming a real calendar date (no Feb 30). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Parses `YYYY-MM-DD`, throwing a DomainRuleError naming `field` if it is not a real date. */
export function parseIsoDate(value: unknown, field = 'date'): CalendarDate {
  const m = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!m) {
    throw new DomainRuleError(field, 'date.format', `${field}: must be a date as YYYY-MM-DD`);
  }
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (!isRealDate(date.year, date.month, date.day)) {
    throw new DomainRuleError(
      field,
      'date.calendar',
      `${field}: ${String(value)} is not a real calendar date`,
    );
  }
  return date;
}

/** Throws like parseIsoDate; returns the string unchanged for chaining. */
export function assertIsoDate(value: unknown, field = 'date'): string {
  parseIsoDate(value, field);
  return value as string;
}

export function formatIsoDate({ year, month, day }: CalendarDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// Days since 1970-01-01 (H. Hinnant's days_from_civil).
export function toDayNumber({ year, month, day }: CalendarDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function fromDayNumber(days: number): CalendarDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: string, field = 'date'): number {
  const n = toDayNumber(parseIsoDate(date, field));
  return (((n + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** Whole days from `from` to `to` (negative if `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(parseIsoDate(to, 'to')) - toDayNumber(parseIsoDate(from, 'from'));
}

/**
 * Same month and day `years` later. Feb 29 in a year without one becomes Feb 28: the date
 * never spills into March. Used both for card expiry and for birthdays (see validity.ts).
 */
export function addYearsClamped(date: string, years: number, field = 'date'): string {
  const d = parseIsoDate(date, field);
  const year = d.year + years;
  return formatIsoDate({ year, month: d.month, day: Math.min(d.day, daysInMonth(year, d.month)) });
}

/** Today's calendar date in China (UTC+8), the date a clerk's counter would show. */
export function todayInChina(now: Date = new Date()): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}
