import * as fc from 'fast-check';
import {
  addYearsClamped,
  daysBetween,
  formatIsoDate,
  fromDayNumber,
  isIsoDate,
  parseIsoDate,
  toDayNumber,
  todayInChina,
  weekdayOf,
} from '@app/domain';
import { caughtRuleError } from './testing/errors';

describe('ISO dates', () => {
  it('accepts only real YYYY-MM-DD dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('1900-02-29')).toBe(false);
    expect(isIsoDate('2000-02-29')).toBe(true);
    expect(isIsoDate('2024-4-01')).toBe(false);
    expect(isIsoDate('2024-04-31')).toBe(false);
    expect(isIsoDate('2024-04-01T00:00:00Z')).toBe(false);
    expect(isIsoDate(20240401)).toBe(false);
  });

  it('names the field in errors', () => {
    expect(caughtRuleError(() => parseIsoDate('2024-02-30', 'issueDate'))).toMatchObject({
      field: 'issueDate',
      rule: 'date.calendar',
      message: 'issueDate: 2024-02-30 is not a real calendar date',
    });
    expect(caughtRuleError(() => parseIsoDate('30/02/2024'))).toMatchObject({
      field: 'date',
      rule: 'date.format',
    });
  });

  it('day numbers agree with the JavaScript UTC calendar', () => {
    // every day from 0001-01-01 to 9999-12-31
    fc.assert(
      fc.property(fc.integer({ min: -719_162, max: 2_932_896 }), (n) => {
        const iso = new Date(n * 86_400_000).toISOString().slice(0, 10);
        expect(formatIsoDate(fromDayNumber(n))).toBe(iso);
        expect(toDayNumber(parseIsoDate(iso))).toBe(n);
      }),
    );
    expect(toDayNumber(parseIsoDate('1970-01-01'))).toBe(0);
  });

  it('knows weekdays and differences', () => {
    expect(weekdayOf('2024-05-27')).toBe(1); // a Monday
    expect(weekdayOf('1970-01-01')).toBe(4);
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(daysBetween('2024-03-01', '2024-01-01')).toBe(-60);
  });

  it('adds years, turning Feb 29 into Feb 28 when needed', () => {
    expect(addYearsClamped('2024-02-29', 1)).toBe('2025-02-28');
    expect(addYearsClamped('2024-02-29', 4)).toBe('2028-02-29');
    expect(addYearsClamped('2021-10-20', 10)).toBe('2031-10-20');
  });

  it('gives today in China (UTC+8)', () => {
    expect(todayInChina(new Date('2024-05-26T16:00:00Z'))).toBe('2024-05-27');
    expect(todayInChina(new Date('2024-05-26T15:59:59Z'))).toBe('2024-05-26');
  });
});
