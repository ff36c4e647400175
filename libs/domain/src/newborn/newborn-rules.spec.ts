import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NEWBORN_RULES, loadNewbornRules, parseNewbornRules } from '@app/domain';
import { caughtDataError } from '../testing/errors';

// A deep copy of the bundled rules as plain JSON, to spoil one entry at a time.
type Raw = {
  ageLimit: { maxAgeDays: number };
  birthCertificate: { pattern: string };
  surname: { exceptions: { code: string }[] };
  marriageEvidence: { kinds: { requiresNumber?: boolean }[] };
};
const clone = (): Raw => JSON.parse(JSON.stringify(DEFAULT_NEWBORN_RULES));

describe('newborn rules (data)', () => {
  it('bundles the defaults: one year, four art. 1015 exceptions, letter + 9 digits, two kinds of evidence', () => {
    const r = DEFAULT_NEWBORN_RULES;
    expect(r.ageLimit.maxAgeDays).toBe(365);
    expect(r.surname.exceptions.map((e) => e.code)).toEqual([
      'OTHER_LINEAL_ELDER',
      'RAISED_BY_NON_GUARDIAN',
      'OTHER_LEGITIMATE_REASON',
      'ETHNIC_TRADITION',
    ]);
    expect(new RegExp(r.birthCertificate.pattern).test('P330123456')).toBe(true);
    expect(r.marriageEvidence.kinds.map((k) => k.code)).toEqual([
      'MARRIAGE_CERTIFICATE',
      'NON_MARITAL_BIRTH_STATEMENT',
    ]);
    for (const rule of [r.ageLimit, r.surname, r.ethnicity, r.birthCertificate, r.marriageEvidence])
      expect(rule.source).toBeTruthy();
  });

  it('loads a province file replacing the defaults', () => {
    const raw = clone();
    raw.ageLimit.maxAgeDays = 180;
    raw.birthCertificate.pattern = '^[A-Z]{2}[0-9]{8}$';
    const dir = mkdtempSync(join(tmpdir(), 'newborn-rules-'));
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify(raw));
    const rules = loadNewbornRules(file);
    expect(rules.ageLimit.maxAgeDays).toBe(180);
    expect(rules.birthCertificate.pattern).toBe('^[A-Z]{2}[0-9]{8}$');
    expect(loadNewbornRules()).toBe(DEFAULT_NEWBORN_RULES);
  });

  it.each([
    ['ageLimit.maxAgeDays', (r: Raw) => (r.ageLimit.maxAgeDays = 0), 'whole number of days'],
    [
      'birthCertificate.pattern',
      (r: Raw) => (r.birthCertificate.pattern = '[A-Z'),
      'regular expression',
    ],
    [
      'birthCertificate.pattern',
      (r: Raw) => (r.birthCertificate.pattern = '[A-Z]\\d{9}'),
      'anchored',
    ],
    [
      'surname.exceptions[1].code',
      (r: Raw) => (r.surname.exceptions[1].code = 'OTHER_LINEAL_ELDER'),
      'duplicate',
    ],
    ['marriageEvidence.kinds', (r: Raw) => (r.marriageEvidence.kinds = []), 'must not be empty'],
    [
      'marriageEvidence.kinds[0].requiresNumber',
      (r: Raw) => delete r.marriageEvidence.kinds[0].requiresNumber,
      'true or false',
    ],
  ])('refuses a bad %s', (entry, spoil, words) => {
    const raw = clone();
    spoil(raw);
    const e = caughtDataError(() => parseNewbornRules(raw, 'rules.json'));
    expect(e.entry).toBe(entry);
    expect(e.message).toContain(words);
  });

  it('names an unreadable file', () => {
    expect(caughtDataError(() => loadNewbornRules('/nonexistent/rules.json')).entry).toBe('(file)');
  });
});
