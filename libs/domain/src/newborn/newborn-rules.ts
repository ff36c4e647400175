import { readFileSync } from 'node:fs';
import { DataValidator } from '../data-validator';
import { DomainDataError } from '../errors';
import defaultNewbornRulesJson from '../data/newborn-rules.json';

/**
 * The rules of newborn hukou registration (新生儿落户) as data, so a province replaces
 * `data/newborn-rules.json` (NEWBORN_RULES_FILE) without a code change. Loaded and validated like
 * the pilot schedule and the fee policy: a bad file stops the process naming the entry.
 */

export interface SourcedRule {
  description: string;
  source?: string;
}

export interface SurnameException extends SourcedRule {
  /** Stable code a clerk app sends as `child.surnameReason`. */
  code: string;
}

export interface MarriageEvidenceKind extends SourcedRule {
  code: string;
  /** The evidence has a number as printed (a marriage certificate); a statement has none. */
  requiresNumber: boolean;
}

export interface NewbornRules {
  revision: string;
  ageLimit: SourcedRule & { maxAgeDays: number };
  surname: SourcedRule & { exceptions: SurnameException[]; compoundSurnames: string[] };
  ethnicity: SourcedRule;
  birthCertificate: SourcedRule & { pattern: string };
  marriageEvidence: SourcedRule & { kinds: MarriageEvidenceKind[] };
}

const CODE = /^[A-Z][A-Z0-9_]{0,39}$/;

export function parseNewbornRules(raw: unknown, source = 'newborn rules'): NewbornRules {
  const v = new DataValidator(source);
  const top = v.object(raw, '(top level)');
  const sourced = (o: Record<string, unknown>, at: string): SourcedRule => {
    const rule: SourcedRule = { description: v.string(o.description, `${at}.description`) };
    if (o.source !== undefined) rule.source = v.string(o.source, `${at}.source`);
    return rule;
  };
  const code = (value: unknown, at: string, seen: Set<string>): string => {
    const c = v.string(value, at);
    if (!CODE.test(c)) v.fail(at, 'must be an UPPER_SNAKE code (A-Z, 0-9, _; up to 40)');
    if (seen.has(c)) v.fail(at, `duplicate code "${c}"`);
    seen.add(c);
    return c;
  };

  const age = v.object(top.ageLimit, 'ageLimit');
  const maxAgeDays = age.maxAgeDays;
  if (typeof maxAgeDays !== 'number' || !Number.isInteger(maxAgeDays) || maxAgeDays < 1) {
    v.fail('ageLimit.maxAgeDays', 'must be a whole number of days, 1 or more');
  }

  const surname = v.object(top.surname, 'surname');
  const exceptionCodes = new Set<string>();
  const exceptions = v.array(surname.exceptions, 'surname.exceptions').map((e, i) => {
    const at = `surname.exceptions[${i}]`;
    const o = v.object(e, at);
    return { code: code(o.code, `${at}.code`, exceptionCodes), ...sourced(o, at) };
  });
  const compoundSurnames = v
    .array(surname.compoundSurnames ?? [], 'surname.compoundSurnames')
    .map((s, i) => {
      const name = v.string(s, `surname.compoundSurnames[${i}]`);
      if ([...name].length < 2)
        v.fail(`surname.compoundSurnames[${i}]`, 'has fewer than two characters');
      return name;
    });

  const certificate = v.object(top.birthCertificate, 'birthCertificate');
  const pattern = v.string(certificate.pattern, 'birthCertificate.pattern');
  try {
    new RegExp(pattern);
  } catch (e) {
    v.fail('birthCertificate.pattern', `is not a regular expression: ${(e as Error).message}`);
  }
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) {
    v.fail('birthCertificate.pattern', 'must be anchored (start with ^ and end with $)');
  }

  const marriage = v.object(top.marriageEvidence, 'marriageEvidence');
  const kindCodes = new Set<string>();
  const kinds = v.nonEmptyArray(marriage.kinds, 'marriageEvidence.kinds').map((k, i) => {
    const at = `marriageEvidence.kinds[${i}]`;
    const o = v.object(k, at);
    if (typeof o.requiresNumber !== 'boolean')
      v.fail(`${at}.requiresNumber`, 'must be true or false');
    return {
      code: code(o.code, `${at}.code`, kindCodes),
      ...sourced(o, at),
      requiresNumber: o.requiresNumber as boolean,
    };
  });

  return {
    revision: v.string(top.revision, 'revision'),
    ageLimit: { ...sourced(age, 'ageLimit'), maxAgeDays: maxAgeDays as number },
    surname: { ...sourced(surname, 'surname'), exceptions, compoundSurnames },
    ethnicity: sourced(v.object(top.ethnicity, 'ethnicity'), 'ethnicity'),
    birthCertificate: { ...sourced(certificate, 'birthCertificate'), pattern },
    marriageEvidence: { ...sourced(marriage, 'marriageEvidence'), kinds },
  };
}

/** Reads and validates a rules file; without a path, the bundled `data/newborn-rules.json`. */
export function loadNewbornRules(path?: string): NewbornRules {
  if (path === undefined) return DEFAULT_NEWBORN_RULES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DomainDataError(path, '(file)', `cannot read newborn rules: ${(e as Error).message}`);
  }
  return parseNewbornRules(raw, path);
}

export const DEFAULT_NEWBORN_RULES: NewbornRules = deepFreeze(
  parseNewbornRules(defaultNewbornRulesJson, 'data/newborn-rules.json'),
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
