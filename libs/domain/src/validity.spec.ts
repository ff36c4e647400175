import * as fc from 'fast-check';
import { ageOn, validityFor } from '@app/domain';
import { caughtRuleError } from './testing/errors';

describe('validityFor (Resident Identity Card Law art. 5)', () => {
  it.each([
    // birth date, issue date, age, years, valid until
    ['2024-01-01', '2024-01-01', 0, 5, '2029-01-01'],
    ['2008-05-10', '2024-05-09', 15, 5, '2029-05-09'], // day before the 16th birthday
    ['2008-05-10', '2024-05-10', 16, 10, '2034-05-10'], // on the 16th birthday
    ['1998-05-10', '2024-05-09', 25, 10, '2034-05-09'], // day before the 26th
    ['1998-05-10', '2024-05-10', 26, 20, '2044-05-10'], // on the 26th
    ['1978-05-10', '2024-05-09', 45, 20, '2044-05-09'], // day before the 46th
    ['1978-05-10', '2024-05-10', 46, null, null], // on the 46th: long-term
    ['1930-01-01', '2024-05-10', 94, null, null],
  ])('born %s, issued %s → age %i, %p years, until %p', (birth, issue, age, years, until) => {
    expect(validityFor(birth, issue)).toEqual({
      ageAtIssue: age,
      years,
      longTerm: years === null,
      validFrom: issue,
      validUntil: until,
    });
  });

  it('handles Feb 29 births: the birthday is Feb 28 in common years', () => {
    // 16th birthday falls in a leap year
    expect(validityFor('2008-02-29', '2024-02-28')).toMatchObject({ ageAtIssue: 15, years: 5 });
    expect(validityFor('2008-02-29', '2024-02-29')).toMatchObject({ ageAtIssue: 16, years: 10 });
    // 26th and 46th birthdays fall in 2026, a common year
    expect(validityFor('2000-02-29', '2026-02-27')).toMatchObject({ ageAtIssue: 25, years: 10 });
    expect(validityFor('2000-02-29', '2026-02-28')).toMatchObject({ ageAtIssue: 26, years: 20 });
    expect(validityFor('1980-02-29', '2026-02-27')).toMatchObject({ ageAtIssue: 45, years: 20 });
    expect(validityFor('1980-02-29', '2026-02-28')).toMatchObject({
      ageAtIssue: 46,
      longTerm: true,
    });
  });

  it('expires on Feb 28 when issued on Feb 29 and the expiry year has none', () => {
    expect(validityFor('2020-01-01', '2024-02-29').validUntil).toBe('2029-02-28');
    expect(validityFor('2000-01-01', '2024-02-29').validUntil).toBe('2034-02-28');
    expect(validityFor('1990-01-01', '2024-02-29').validUntil).toBe('2044-02-29');
  });

  it('rejects bad input naming the field', () => {
    expect(caughtRuleError(() => validityFor('2024-05-10', '2024-05-09'))).toMatchObject({
      field: 'issueDate',
      rule: 'validity.issueBeforeBirth',
    });
    expect(caughtRuleError(() => validityFor('2023-02-29', '2024-05-09')).field).toBe('birthDate');
    expect(caughtRuleError(() => validityFor('2000-01-01', '2024-13-01')).field).toBe('issueDate');
  });

  it('matches the age bands for any birth and issue date', () => {
    const day = fc
      .integer({ min: -25_000, max: 25_000 })
      .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [birth, issue] = a <= b ? [a, b] : [b, a];
        const v = validityFor(birth, issue);
        const age = v.ageAtIssue;
        expect(age).toBe(ageOn(birth, issue));
        expect(v.years).toBe(age < 16 ? 5 : age < 26 ? 10 : age < 46 ? 20 : null);
        if (v.validUntil) expect(v.validUntil > issue).toBe(true);
      }),
    );
  });
});

describe('ageOn', () => {
  it('increments on the birthday, not before', () => {
    expect(ageOn('2000-12-31', '2016-12-30')).toBe(15);
    expect(ageOn('2000-12-31', '2016-12-31')).toBe(16);
    expect(ageOn('2000-01-01', '2000-12-31')).toBe(0);
  });
});
