import { parseCitizenId } from '../citizen-id';
import { parseIsoDate } from '../dates';
import { parseDivisionCode } from '../divisions';
import { DomainRuleError } from '../errors';
import { daysBetween } from '../dates';
import { DEFAULT_NEWBORN_RULES, NewbornRules } from './newborn-rules';

/**
 * The checks a residence acceptance point makes on a newborn registration before anything is
 * written (the hukou side checks the registry later). Pure: the rules (data) and today's date in.
 * Each failure is a DomainRuleError naming the field and a stable rule code; messages never repeat
 * an ID number.
 */

export type ParentRelation = 'FATHER' | 'MOTHER';
export const PARENT_RELATIONS: readonly ParentRelation[] = ['FATHER', 'MOTHER'];

export interface NewbornParentInput {
  relation: ParentRelation;
  name: string;
  ethnicity: string;
  /** Required for the parent whose household the child joins; optional for the other parent. */
  idNumber?: string | null;
}

export interface NewbornApplicationInput {
  child: {
    name: string;
    sex: 'M' | 'F';
    birthDate: string;
    ethnicity: string;
    /** Division code of the place of birth (出生地). */
    birthPlaceCode: string;
    /** A Civil Code art. 1015 exception code, when the surname follows neither parent. */
    surnameReason?: string | null;
  };
  birthCertificateNumber: string;
  /** The parent whose household the child joins (the applicant). */
  parent: NewbornParentInput;
  otherParent?: NewbornParentInput | null;
  marriage: { kind: string; number?: string | null };
}

export interface NewbornCheck {
  /** Age in days on the day of the application. */
  ageDays: number;
  /** Whose surname the child's name follows, or the exception code given. */
  surname: { follows: ParentRelation } | { exception: string };
  ethnicityFollows: ParentRelation;
  father: NewbornParentInput | null;
  mother: NewbornParentInput | null;
}

const fail = (field: string, rule: string, message: string): never => {
  throw new DomainRuleError(field, rule, `${field}: ${message}`);
};

/** Ethnicities compare with or without the trailing 族 (汉 = 汉族). */
export function normaliseEthnicity(ethnicity: string): string {
  return ethnicity.normalize('NFC').trim().replace(/族$/, '');
}

/**
 * The surname of a Chinese name: a compound surname of the list (欧阳, 司马 …) when the name starts
 * with one, else the first character. Null for a name written with a middle dot (艾力·买买提):
 * such names carry no surname in this sense.
 */
export function surnameOf(
  name: string,
  compoundSurnames: readonly string[] = DEFAULT_NEWBORN_RULES.surname.compoundSurnames,
): string | null {
  const n = name.normalize('NFC').trim();
  if (!n || /[·•・．]/.test(n)) return null;
  const compound = compoundSurnames.find((s) => n.startsWith(s) && [...n].length > [...s].length);
  return compound ?? [...n][0];
}

/** True when the child's name starts with the parent's surname (and has a given name after it). */
export function followsSurname(
  childName: string,
  parentName: string,
  compoundSurnames?: readonly string[],
): boolean {
  const surname = surnameOf(parentName, compoundSurnames);
  const child = childName.normalize('NFC').trim();
  return surname !== null && child.startsWith(surname) && [...child].length > [...surname].length;
}

export function checkNewbornApplication(
  input: NewbornApplicationInput,
  today: string,
  rules: NewbornRules = DEFAULT_NEWBORN_RULES,
): NewbornCheck {
  // Birth medical certificate number, as printed.
  if (
    typeof input.birthCertificateNumber !== 'string' ||
    !new RegExp(rules.birthCertificate.pattern).test(input.birthCertificateNumber)
  ) {
    fail(
      'birthCertificateNumber',
      'newborn.birthCertificate.format',
      `must be the number as printed on the birth medical certificate (出生医学证明), matching ${rules.birthCertificate.pattern}`,
    );
  }

  // Birth date: real, not in the future, within the age limit.
  const child = input.child;
  parseIsoDate(child.birthDate, 'child.birthDate');
  if (child.birthDate > today) {
    fail(
      'child.birthDate',
      'newborn.birthDate.future',
      `${child.birthDate} is after today (${today})`,
    );
  }
  const ageDays = daysBetween(child.birthDate, today);
  if (ageDays >= rules.ageLimit.maxAgeDays) {
    fail(
      'child.birthDate',
      'newborn.birthDate.ageLimit',
      `the child is ${ageDays} days old; newborn registration across provinces is for children under ${rules.ageLimit.maxAgeDays} days (${rules.ageLimit.description}); register at the hukou place`,
    );
  }
  parseDivisionCode(child.birthPlaceCode, 'child.birthPlaceCode');

  // Parents: the declaring parent by ID number; the other parent of the other relation.
  const parent = input.parent;
  const parentId = parseCitizenId(parent.idNumber ?? '', { field: 'parent.idNumber', today });
  checkRelationSex('parent', parent.relation, parentId.sex);
  if (parentId.birthDate >= child.birthDate) {
    fail('parent.idNumber', 'newborn.parent.birthDate', 'the parent is not born before the child');
  }
  const other = input.otherParent ?? null;
  if (other) {
    const expected: ParentRelation = parent.relation === 'FATHER' ? 'MOTHER' : 'FATHER';
    if (other.relation !== expected) {
      fail(
        'otherParent.relation',
        'newborn.otherParent.relation',
        `must be ${expected}: the parent declaring is the ${parent.relation.toLowerCase()}`,
      );
    }
    if (other.idNumber) {
      const otherId = parseCitizenId(other.idNumber, { field: 'otherParent.idNumber', today });
      checkRelationSex('otherParent', other.relation, otherId.sex);
      if (otherId.number === parentId.number) {
        fail('otherParent.idNumber', 'newborn.otherParent.same', 'is the same person as parent');
      }
    }
  }
  const father = parent.relation === 'FATHER' ? parent : other;
  const mother = parent.relation === 'MOTHER' ? parent : other;
  const known = [father, mother].filter((p): p is NewbornParentInput => p !== null);

  // Ethnicity: the father's or the mother's.
  const ethnicity = normaliseEthnicity(child.ethnicity);
  const ethnicityParent = known.find((p) => normaliseEthnicity(p.ethnicity) === ethnicity);
  if (!ethnicityParent) {
    fail(
      'child.ethnicity',
      'newborn.ethnicity',
      `must be the ethnicity of the father or the mother (${known.map((p) => `${p.relation.toLowerCase()}: ${p.ethnicity}`).join(', ')}); ${rules.ethnicity.description}`,
    );
  }

  // Surname: the father's or the mother's, or an exception of Civil Code art. 1015.
  const surnameParent = known.find((p) =>
    followsSurname(child.name, p.name, rules.surname.compoundSurnames),
  );
  let surname: NewbornCheck['surname'];
  if (surnameParent) {
    surname = { follows: surnameParent.relation };
  } else {
    const codes = rules.surname.exceptions.map((e) => e.code);
    const reason = child.surnameReason;
    if (reason === undefined || reason === null || reason === '') {
      return fail(
        'child.name',
        'newborn.surname',
        `the surname follows neither the father nor the mother; give child.surnameReason, one of ${codes.join(', ')} (Civil Code art. 1015)`,
      );
    }
    if (!codes.includes(reason)) {
      return fail(
        'child.surnameReason',
        'newborn.surnameReason.unknown',
        `must be one of ${codes.join(', ')} (Civil Code art. 1015)`,
      );
    }
    surname = { exception: reason };
  }

  // Marriage evidence, or a statement of non-marital birth.
  const kind = rules.marriageEvidence.kinds.find((k) => k.code === input.marriage?.kind);
  if (!kind) {
    fail(
      'marriage.kind',
      'newborn.marriage.kind',
      `must be one of ${rules.marriageEvidence.kinds.map((k) => k.code).join(', ')}`,
    );
  }
  const number = input.marriage.number?.trim();
  if (kind!.requiresNumber && !number) {
    fail('marriage.number', 'newborn.marriage.number', `required with ${kind!.code}`);
  }
  if (kind!.requiresNumber && !other) {
    fail(
      'otherParent',
      'newborn.otherParent.required',
      `required with ${kind!.code}: name both parents`,
    );
  }

  return {
    ageDays,
    surname,
    ethnicityFollows: ethnicityParent!.relation,
    father,
    mother,
  };
}

function checkRelationSex(field: string, relation: ParentRelation, sex: 'M' | 'F'): void {
  if (relation !== 'FATHER' && relation !== 'MOTHER') {
    fail(`${field}.relation`, 'newborn.parent.relation', 'must be FATHER or MOTHER');
  }
  const expected = relation === 'FATHER' ? 'M' : 'F';
  if (sex !== expected) {
    fail(
      `${field}.relation`,
      'newborn.parent.sex',
      `${relation} does not agree with the sex in ${field}.idNumber`,
    );
  }
}
