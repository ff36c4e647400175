import * as fc from 'fast-check';
import {
  assignCitizenId,
  checkNewbornApplication,
  DEFAULT_NEWBORN_RULES,
  followsSurname,
  NewbornApplicationInput,
  parseCitizenId,
  SEQUENCE_CAPACITY,
  sequenceForOrdinal,
  surnameOf,
} from '@app/domain';
import { newCitizenId } from '../testing/citizen-ids';
import { caughtRuleError } from '../testing/errors';

const TODAY = '2026-11-20';
const father = newCitizenId({ sex: 'M', birthDate: '1992-03-04', addressCode: '340104' });
const mother = newCitizenId({ sex: 'F', birthDate: '1994-07-08', addressCode: '330402' });

function application(overrides: Partial<NewbornApplicationInput> = {}): NewbornApplicationInput {
  return {
    child: {
      name: '王小明',
      sex: 'M',
      birthDate: '2026-11-01',
      ethnicity: '汉族',
      birthPlaceCode: '330402',
    },
    birthCertificateNumber: 'P330123456',
    parent: { relation: 'FATHER', name: '王建国', ethnicity: '汉族', idNumber: father },
    otherParent: { relation: 'MOTHER', name: '李丽', ethnicity: '回族', idNumber: mother },
    marriage: { kind: 'MARRIAGE_CERTIFICATE', number: 'J340104-2020-000123' },
    ...overrides,
  };
}

const child = (patch: Partial<NewbornApplicationInput['child']>) => ({
  ...application().child,
  ...patch,
});

describe('surnames', () => {
  it('takes a compound surname when the name starts with one, else the first character', () => {
    expect(surnameOf('欧阳修')).toBe('欧阳');
    expect(surnameOf('王建国')).toBe('王');
    expect(surnameOf('艾力·买买提')).toBeNull();
    expect(followsSurname('欧阳小华', '欧阳修')).toBe(true);
    expect(followsSurname('阳小华', '欧阳修')).toBe(false);
    expect(followsSurname('王', '王建国')).toBe(false); // a surname alone is not a name
  });
});

describe('checkNewbornApplication', () => {
  it('accepts a child with the father’s surname and the mother’s ethnicity', () => {
    const r = checkNewbornApplication(application({ child: child({ ethnicity: '回族' }) }), TODAY);
    expect(r).toMatchObject({
      ageDays: 19,
      surname: { follows: 'FATHER' },
      ethnicityFollows: 'MOTHER',
    });
  });

  it('accepts the mother’s surname, and a non-marital birth statement with the mother alone', () => {
    const r = checkNewbornApplication(
      application({
        child: child({ name: '李小红', sex: 'F' }),
        parent: { relation: 'MOTHER', name: '李丽', ethnicity: '汉族', idNumber: mother },
        otherParent: null,
        marriage: { kind: 'NON_MARITAL_BIRTH_STATEMENT' },
      }),
      TODAY,
    );
    expect(r.surname).toEqual({ follows: 'MOTHER' });
    expect(r.father).toBeNull();
  });

  it('accepts another surname with a Civil Code art. 1015 reason', () => {
    const r = checkNewbornApplication(
      application({ child: child({ name: '张小明', surnameReason: 'OTHER_LINEAL_ELDER' }) }),
      TODAY,
    );
    expect(r.surname).toEqual({ exception: 'OTHER_LINEAL_ELDER' });
  });

  it.each<[string, Partial<NewbornApplicationInput>, string, string]>([
    [
      'a surname of neither parent, no reason',
      { child: child({ name: '张小明' }) },
      'child.name',
      'newborn.surname',
    ],
    [
      'an unknown surname reason',
      { child: child({ name: '张小明', surnameReason: 'LIKED_IT' }) },
      'child.surnameReason',
      'newborn.surnameReason.unknown',
    ],
    [
      'the ethnicity of neither parent',
      { child: child({ ethnicity: '藏族' }) },
      'child.ethnicity',
      'newborn.ethnicity',
    ],
    [
      'a birth date in the future',
      { child: child({ birthDate: '2026-11-21' }) },
      'child.birthDate',
      'newborn.birthDate.future',
    ],
    [
      'a child past the age limit',
      { child: child({ birthDate: '2025-11-20' }) },
      'child.birthDate',
      'newborn.birthDate.ageLimit',
    ],
    [
      'a birth date that is no date',
      { child: child({ birthDate: '2026-02-30' }) },
      'child.birthDate',
      'date.calendar',
    ],
    [
      'an unknown place of birth',
      { child: child({ birthPlaceCode: '339999' }) },
      'child.birthPlaceCode',
      'division.unknown',
    ],
    [
      'a malformed certificate number',
      { birthCertificateNumber: 'p33012345' },
      'birthCertificateNumber',
      'newborn.birthCertificate.format',
    ],
    [
      'a malformed parent ID number',
      {
        parent: {
          relation: 'FATHER',
          name: '王建国',
          ethnicity: '汉族',
          idNumber: father.slice(0, 17) + (father[17] === '0' ? '1' : '0'),
        },
      },
      'parent.idNumber',
      'citizenId.checkDigit',
    ],
    [
      'a father whose number says female',
      {
        parent: { relation: 'FATHER', name: '王建国', ethnicity: '汉族', idNumber: mother },
        otherParent: null,
        marriage: { kind: 'NON_MARITAL_BIRTH_STATEMENT' },
      },
      'parent.relation',
      'newborn.parent.sex',
    ],
    [
      'two fathers',
      { otherParent: { relation: 'FATHER', name: '李丽', ethnicity: '汉族' } },
      'otherParent.relation',
      'newborn.otherParent.relation',
    ],
    [
      'an unknown kind of marriage evidence',
      { marriage: { kind: 'PROMISE' } },
      'marriage.kind',
      'newborn.marriage.kind',
    ],
    [
      'a marriage certificate without its number',
      { marriage: { kind: 'MARRIAGE_CERTIFICATE' } },
      'marriage.number',
      'newborn.marriage.number',
    ],
    [
      'a marriage certificate naming one parent',
      { otherParent: null },
      'otherParent',
      'newborn.otherParent.required',
    ],
  ])('refuses %s, naming the field and the rule', (_what, patch, field, rule) => {
    const e = caughtRuleError(() => checkNewbornApplication(application(patch), TODAY));
    expect({ field: e.field, rule: e.rule }).toEqual({ field, rule });
    expect(e.message.startsWith(`${field}: `)).toBe(true);
    expect(e.message).not.toContain(father);
    expect(e.message).not.toContain(mother);
  });

  it('reads the age limit and the certificate pattern from the rules (a province overrides them)', () => {
    const rules = {
      ...DEFAULT_NEWBORN_RULES,
      ageLimit: { ...DEFAULT_NEWBORN_RULES.ageLimit, maxAgeDays: 10 },
      birthCertificate: { ...DEFAULT_NEWBORN_RULES.birthCertificate, pattern: '^[0-9]{10}$' },
    };
    expect(caughtRuleError(() => checkNewbornApplication(application(), TODAY, rules)).rule).toBe(
      'newborn.birthCertificate.format',
    );
    expect(
      caughtRuleError(() =>
        checkNewbornApplication(
          application({ birthCertificateNumber: '3301234567' }),
          TODAY,
          rules,
        ),
      ).rule,
    ).toBe('newborn.birthDate.ageLimit');
  });

  it('property: the surname of either parent is accepted, any other single-character surname needs a reason', () => {
    const hanzi = fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCodePoint(c));
    fc.assert(
      fc.property(
        hanzi,
        hanzi,
        hanzi,
        fc.constantFrom('明', '小红', '子涵'),
        (f, m, other, given) => {
          fc.pre(
            ![f, m].includes(other) &&
              !DEFAULT_NEWBORN_RULES.surname.compoundSurnames.some(
                (s) => s.startsWith(other) || s.startsWith(f) || s.startsWith(m),
              ),
          );
          const base = application({
            parent: { relation: 'FATHER', name: `${f}建国`, ethnicity: '汉族', idNumber: father },
            otherParent: {
              relation: 'MOTHER',
              name: `${m}丽`,
              ethnicity: '汉族',
              idNumber: mother,
            },
          });
          for (const s of [f, m]) {
            expect(() =>
              checkNewbornApplication(
                { ...base, child: { ...base.child, name: s + given } },
                TODAY,
              ),
            ).not.toThrow();
          }
          const e = caughtRuleError(() =>
            checkNewbornApplication(
              { ...base, child: { ...base.child, name: other + given } },
              TODAY,
            ),
          );
          expect(e.rule).toBe('newborn.surname');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: any birth date from today back to the limit is accepted, the day of the limit is not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), (daysOld) => {
        const birth = new Date(Date.parse(`${TODAY}T00:00:00Z`) - daysOld * 86_400_000)
          .toISOString()
          .slice(0, 10);
        const run = () =>
          checkNewbornApplication(application({ child: child({ birthDate: birth }) }), TODAY);
        if (daysOld < 365) expect(run().ageDays).toBe(daysOld);
        else expect(caughtRuleError(run).rule).toBe('newborn.birthDate.ageLimit');
      }),
    );
  });
});

describe('assigning a citizen ID number at birth (GB 11643)', () => {
  it('gives men odd and women even sequence codes, never 000', () => {
    expect([1, 2, 3].map((n) => sequenceForOrdinal(n, 'M'))).toEqual([1, 3, 5]);
    expect([1, 2, 3].map((n) => sequenceForOrdinal(n, 'F'))).toEqual([2, 4, 6]);
    expect(sequenceForOrdinal(SEQUENCE_CAPACITY.M, 'M')).toBe(999);
    expect(sequenceForOrdinal(SEQUENCE_CAPACITY.F, 'F')).toBe(998);
    expect(caughtRuleError(() => sequenceForOrdinal(500, 'F')).rule).toBe(
      'citizenId.sequenceExhausted',
    );
    expect(caughtRuleError(() => sequenceForOrdinal(0, 'M')).rule).toBe(
      'citizenId.sequenceExhausted',
    );
  });

  it('property: the number parses back to the address code, birth date and sex; ordinals give distinct numbers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('340104', '330402', '110101', '650102'),
        fc.integer({ min: 0, max: 365 * 3 }),
        fc.constantFrom<'M' | 'F'>('M', 'F'),
        fc.uniqueArray(fc.integer({ min: 1, max: 499 }), { minLength: 2, maxLength: 10 }),
        (addressCode, offset, sex, ordinals) => {
          const birthDate = new Date(Date.UTC(2024, 0, 1) + offset * 86_400_000)
            .toISOString()
            .slice(0, 10);
          const numbers = ordinals.map((ordinal) =>
            assignCitizenId({ addressCode, birthDate, sex, ordinal }),
          );
          expect(new Set(numbers).size).toBe(ordinals.length);
          for (const n of numbers) {
            const id = parseCitizenId(n, { today: '2030-01-01' });
            expect({ addressCode: id.addressCode, birthDate: id.birthDate, sex: id.sex }).toEqual({
              addressCode,
              birthDate,
              sex,
            });
          }
        },
      ),
    );
  });
});
