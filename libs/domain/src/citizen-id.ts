import { formatIsoDate, isRealDate, parseIsoDate, todayInChina } from './dates';
import { PROVINCE_CODES } from './divisions';
import { DomainRuleError } from './errors';

/**
 * Citizen identity numbers (公民身份号码, GB 11643-1999): 6-digit address code, 8-digit birth
 * date, 3-digit sequence (odd = male), check digit (ISO 7064 MOD 11-2).
 *
 * Only the province of the address code is checked: the number never changes when divisions
 * are merged or renamed, so a valid number may carry an address code that no longer exists.
 * Error messages never repeat the number: they end up in logs.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432'; // indexed by (weighted sum mod 11)
const EARLIEST_BIRTH_DATE = '1900-01-01';

export type Sex = 'M' | 'F';

export interface CitizenId {
  /** Normalised: upper-case X. */
  number: string;
  addressCode: string;
  provinceCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sequence: string;
  sex: Sex;
  checkDigit: string;
}

export interface ParseCitizenIdOptions {
  /** Name of the input in error messages; default `citizenId`. */
  field?: string;
  /** Birth dates after this day are rejected; default today in China (UTC+8). */
  today?: Date | string;
}

/** The check character for the first 17 digits. */
export function computeCheckDigit(first17: string): string {
  if (typeof first17 !== 'string' || !/^\d{17}$/.test(first17)) {
    throw new DomainRuleError(
      'citizenId',
      'citizenId.first17',
      'citizenId: a check digit is computed from exactly 17 digits',
    );
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

export function parseCitizenId(raw: string, opts: ParseCitizenIdOptions = {}): CitizenId {
  const field = opts.field ?? 'citizenId';
  const fail = (rule: string, why: string): never => {
    throw new DomainRuleError(field, `citizenId.${rule}`, `${field}: ${why}`);
  };

  if (typeof raw !== 'string') return fail('type', 'must be a string of 18 characters');
  if (raw.length !== 18) {
    return fail('length', `must be 18 characters (GB 11643), got ${raw.length}`);
  }
  const bad = /^\d{17}[\dXx]$/.test(raw) ? -1 : firstBadPosition(raw);
  if (bad >= 0) {
    return fail(
      'characters',
      `must be 17 digits followed by a digit or X; position ${bad + 1} is not allowed there`,
    );
  }
  const number = raw.toUpperCase();

  const provinceCode = number.slice(0, 2);
  if (!PROVINCE_CODES.includes(provinceCode)) {
    return fail(
      'province',
      `address code must start with a mainland province code (GB/T 2260); ${provinceCode} is not one`,
    );
  }

  const year = Number(number.slice(6, 10));
  const month = Number(number.slice(10, 12));
  const day = Number(number.slice(12, 14));
  if (!isRealDate(year, month, day)) {
    return fail('birthDate', 'birth date (digits 7-14) is not a real calendar date');
  }
  const birthDate = formatIsoDate({ year, month, day });
  if (birthDate < EARLIEST_BIRTH_DATE) {
    return fail('birthDateTooEarly', `birth date ${birthDate} is before ${EARLIEST_BIRTH_DATE}`);
  }
  const today = resolveToday(opts.today);
  if (birthDate > today) {
    return fail('birthDateFuture', `birth date ${birthDate} is after today (${today})`);
  }

  const expected = computeCheckDigit(number.slice(0, 17));
  if (number[17] !== expected) {
    return fail(
      'checkDigit',
      `check digit is ${number[17]} but ISO 7064 MOD 11-2 gives ${expected}`,
    );
  }

  const sequence = number.slice(14, 17);
  return {
    number,
    addressCode: number.slice(0, 6),
    provinceCode,
    birthDate,
    sequence,
    sex: Number(sequence) % 2 === 1 ? 'M' : 'F',
    checkDigit: expected,
  };
}

export function isValidCitizenId(raw: unknown, opts: ParseCitizenIdOptions = {}): boolean {
  try {
    parseCitizenId(raw as string, opts);
    return true;
  } catch (e) {
    if (e instanceof DomainRuleError) return false;
    throw e;
  }
}

/**
 * For logs and screens: keeps the address code and the last 4 (sequence + check digit), e.g.
 * `330402********123X`. Never throws. Anything that is not 18 characters is masked entirely,
 * because we cannot know where a birth date would sit in it.
 */
export function maskCitizenId(raw: string): string {
  if (typeof raw !== 'string') return '';
  if (raw.length !== 18) return '*'.repeat(Math.min(raw.length, 18));
  return `${raw.slice(0, 6)}********${raw.slice(14).replace(/x$/, 'X')}`;
}

export interface CitizenIdParts {
  addressCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  /** 3 digits, or 0–999; odd = male. */
  sequence: string | number;
}

/** Builds a well-formed number with the right check digit (for generators and test factories). */
export function makeCitizenId({ addressCode, birthDate, sequence }: CitizenIdParts): string {
  if (typeof addressCode !== 'string' || !/^\d{6}$/.test(addressCode)) {
    throw new DomainRuleError('addressCode', 'citizenId.make', 'addressCode: must be 6 digits');
  }
  const d = parseIsoDate(birthDate, 'birthDate');
  const seq = typeof sequence === 'number' ? String(sequence).padStart(3, '0') : sequence;
  if (typeof seq !== 'string' || !/^\d{3}$/.test(seq)) {
    throw new DomainRuleError('sequence', 'citizenId.make', 'sequence: must be 3 digits (000-999)');
  }
  const first17 = addressCode + formatIsoDate(d).replace(/-/g, '') + seq;
  return first17 + computeCheckDigit(first17);
}

function firstBadPosition(raw: string): number {
  for (let i = 0; i < 17; i++) if (raw[i] < '0' || raw[i] > '9') return i;
  return 17;
}

function resolveToday(today: Date | string | undefined): string {
  if (today === undefined) return todayInChina();
  if (typeof today === 'string') return formatIsoDate(parseIsoDate(today, 'today'));
  if (!(today instanceof Date) || Number.isNaN(today.getTime())) {
    throw new DomainRuleError('today', 'date.format', 'today: must be a valid Date or YYYY-MM-DD');
  }
  return todayInChina(today);
}

/**
 * How many numbers one address code and birth date can give each sex: the sequence (顺序码) is
 * 001–999, odd for men and even for women; 000 is not given out. So 500 men (001, 003 … 999) and
 * 499 women (002, 004 … 998).
 */
export const SEQUENCE_CAPACITY: Readonly<Record<Sex, number>> = Object.freeze({ M: 500, F: 499 });

/**
 * The sequence code of the `ordinal`-th person (1, 2, 3 …) of one sex registered for one address
 * code and birth date: men 1, 3, 5 …, women 2, 4, 6 …. The registering side keeps the ordinal
 * (one counter per code, date and sex, taken under a database lock) so no two people share a number.
 */
export function sequenceForOrdinal(ordinal: number, sex: Sex): number {
  if (sex !== 'M' && sex !== 'F') {
    throw new DomainRuleError('sex', 'citizenId.sex', 'sex: must be M or F');
  }
  if (!Number.isSafeInteger(ordinal) || ordinal < 1 || ordinal > SEQUENCE_CAPACITY[sex]) {
    throw new DomainRuleError(
      'ordinal',
      'citizenId.sequenceExhausted',
      `ordinal: must be 1..${SEQUENCE_CAPACITY[sex]} for sex ${sex} (the sequence codes of this address code and birth date are used up)`,
    );
  }
  return sex === 'M' ? 2 * ordinal - 1 : 2 * ordinal;
}

export interface AssignCitizenIdInput {
  /** The hukou county's 6-digit address code. */
  addressCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: Sex;
  /** 1-based position among people of this sex registered for this code and date. */
  ordinal: number;
}

/** A new citizen ID number (GB 11643) for a person registered at birth. */
export function assignCitizenId({ addressCode, birthDate, sex, ordinal }: AssignCitizenIdInput) {
  return makeCitizenId({ addressCode, birthDate, sequence: sequenceForOrdinal(ordinal, sex) });
}
