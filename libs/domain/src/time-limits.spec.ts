import * as fc from 'fast-check';
import {
  addDays,
  addWorkingDays,
  caseDeadlines,
  DEFAULT_TIME_LIMIT_POLICY,
  isWorkingDay,
  weekdayOf,
} from '@app/domain';
import { caughtRuleError } from './testing/errors';

const isoDay = fc
  .integer({ min: 0, max: 40_000 })
  .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10));

describe('addDays', () => {
  it('crosses month, leap-day and year boundaries', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-05-27', 0)).toBe('2024-05-27');
  });

  it('is undone by the opposite shift', () => {
    fc.assert(
      fc.property(isoDay, fc.integer({ min: -5000, max: 5000 }), (d, n) => {
        expect(addDays(addDays(d, n), -n)).toBe(d);
      }),
    );
  });

  it('rejects bad input', () => {
    expect(caughtRuleError(() => addDays('2024-02-30', 1)).field).toBe('date');
    expect(caughtRuleError(() => addDays('2024-02-01', 1.5)).rule).toBe('number.integer');
  });
});

describe('addWorkingDays (Mon-Fri, no holiday calendar)', () => {
  it('counts Monday to Friday as working days', () => {
    const week = ['2024-06-01', '2024-06-02', '2024-06-03', '2024-06-04', '2024-06-07'];
    expect(week.map(isWorkingDay)).toEqual([false, false, true, true, true]);
    expect(isWorkingDay('2024-10-01')).toBe(true); // 国庆 is not known here
  });

  it.each([
    ['2024-05-27', 5, '2024-06-03'], // Monday + 5 → next Monday
    ['2024-05-31', 1, '2024-06-03'], // Friday + 1 → Monday
    ['2024-06-01', 1, '2024-06-03'], // Saturday + 1 → Monday
    ['2024-06-02', 5, '2024-06-07'], // Sunday + 5 → Friday
    ['2024-05-27', 0, '2024-05-27'],
    ['2024-06-03', -1, '2024-05-31'], // Monday - 1 → Friday
    ['2024-09-30', 20, '2024-10-28'], // no 国庆 holiday: documented limitation
  ])('%s + %i working days = %s', (date, n, expected) => {
    expect(addWorkingDays(date, n)).toBe(expected);
  });

  it('lands on a working day with exactly n working days in between', () => {
    fc.assert(
      fc.property(isoDay, fc.integer({ min: 1, max: 60 }), (d, n) => {
        const end = addWorkingDays(d, n);
        expect(isWorkingDay(end)).toBe(true);
        let count = 0;
        for (let day = addDays(d, 1); day <= end; day = addDays(day, 1)) {
          if (weekdayOf(day) % 6 !== 0) count += 1;
        }
        expect(count).toBe(n);
      }),
    );
  });
});

describe('caseDeadlines', () => {
  it('uses 5 days review, 20 working days promise, 60 days statutory by default', () => {
    // 2024-01-01 is a Monday; 2024 is a leap year
    expect(caseDeadlines('2024-01-01')).toEqual({
      reviewDue: '2024-01-06',
      promiseDue: '2024-01-29',
      statutoryDue: '2024-03-01',
    });
    expect(caseDeadlines('2023-01-01').statutoryDue).toBe('2023-03-02');
  });

  it('adds 30 days for remote areas', () => {
    expect(caseDeadlines('2024-01-01', { remoteArea: true }).statutoryDue).toBe('2024-03-31');
  });

  it('takes a province policy', () => {
    const policy = { ...DEFAULT_TIME_LIMIT_POLICY, reviewDays: 3, promiseWorkingDays: 10 };
    expect(caseDeadlines('2024-05-27', { policy })).toEqual({
      reviewDue: '2024-05-30',
      promiseDue: '2024-06-10',
      statutoryDue: '2024-07-26',
    });
  });

  it('rejects a bad intake date or policy', () => {
    expect(caughtRuleError(() => caseDeadlines('2024-13-01')).field).toBe('intakeDate');
    const policy = { ...DEFAULT_TIME_LIMIT_POLICY, statutoryDays: -1 };
    expect(caughtRuleError(() => caseDeadlines('2024-05-27', { policy })).field).toBe(
      'policy.statutoryDays',
    );
  });
});
