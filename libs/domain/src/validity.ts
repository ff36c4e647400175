import { addYearsClamped, parseIsoDate } from './dates';
import { DomainRuleError } from './errors';

/**
 * Card validity (Resident Identity Card Law, art. 5): under 16 → 5 years; 16–25 → 10 years;
 * 26–45 → 20 years; 46 and over → long-term (长期).
 *
 * Convention for Feb 29 (one rule for both birthdays and expiry): in a year without Feb 29 the
 * anniversary falls on Feb 28. So a person born 2008-02-29 turns 16 on 2024-02-29 but 17 on
 * 2025-02-28, and a 10-year card issued 2024-02-29 is valid until 2034-02-28.
 * `validUntil` is the same month and day N years after the issue date, as printed on cards
 * (e.g. 2021.10.20-2031.10.20).
 */

export type ValidityYears = 5 | 10 | 20;

export interface CardValidity {
  ageAtIssue: number;
  /** null = long-term */
  years: ValidityYears | null;
  longTerm: boolean;
  validFrom: string;
  /** null = 长期 (long-term) */
  validUntil: string | null;
}

/** Whole years of age on `date` (the birthday itself counts: age goes up on that day). */
export function ageOn(birthDate: string, date: string): number {
  const birth = parseIsoDate(birthDate, 'birthDate');
  const on = parseIsoDate(date, 'date');
  let age = on.year - birth.year;
  if (addYearsClamped(birthDate, age) > date) age -= 1;
  return age;
}

export function validityYearsForAge(age: number): ValidityYears | null {
  if (age < 16) return 5;
  if (age <= 25) return 10;
  if (age <= 45) return 20;
  return null;
}

export function validityFor(birthDate: string, issueDate: string): CardValidity {
  parseIsoDate(birthDate, 'birthDate');
  parseIsoDate(issueDate, 'issueDate');
  if (issueDate < birthDate) {
    throw new DomainRuleError(
      'issueDate',
      'validity.issueBeforeBirth',
      `issueDate: ${issueDate} is before the birth date`,
    );
  }
  const ageAtIssue = ageOn(birthDate, issueDate);
  const years = validityYearsForAge(ageAtIssue);
  return {
    ageAtIssue,
    years,
    longTerm: years === null,
    validFrom: issueDate,
    validUntil: years === null ? null : addYearsClamped(issueDate, years, 'issueDate'),
  };
}
