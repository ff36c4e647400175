import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FEE_POLICY, FeePolicy, feeFor, loadFeePolicy } from '@app/domain';
import { caughtDataError, caughtRuleError } from './testing/errors';

const SHANGHAI = '310101';
const JIAXING = '330402';
const NINGBO = '330203';
const HEFEI = '340102';
const GUANGZHOU = '440106';
const CHANGSHA = '430102';

// The brief's policy without the nationwide 2018 exemption, to test the pilot rule on its own.
const briefOnly: FeePolicy = {
  ...DEFAULT_FEE_POLICY,
  rules: DEFAULT_FEE_POLICY.rules.filter((r) => r.id !== 'first-application-free-2018'),
};

describe('feeFor with the bundled policy', () => {
  it('first applications inside the 长三角 are free under the pilot rule from 2021-10-20', () => {
    for (const [res, huk] of [
      [SHANGHAI, JIAXING],
      [JIAXING, SHANGHAI],
      [NINGBO, HEFEI],
    ]) {
      expect(feeFor(res, huk, '2021-10-20')).toMatchObject({
        amountYuan: 0,
        rule: 'yrd-pilot-first-free',
      });
    }
    expect(feeFor(SHANGHAI, JIAXING, '2021-10-20').reason).toBe(
      'No fee: first applications in the 长三角 cross-province pilot are free (residence 上海市, hukou 浙江省; in force since 2021-10-20, rule yrd-pilot-first-free).',
    );
  });

  it('elsewhere, and in the 长三角 before the pilot, the national schedule of 20 yuan applies', () => {
    expect(feeFor(GUANGZHOU, CHANGSHA, '2024-06-01')).toMatchObject({
      amountYuan: 20,
      rule: 'national-schedule',
    });
    expect(feeFor(SHANGHAI, JIAXING, '2021-10-19')).toMatchObject({
      amountYuan: 20,
      rule: 'national-schedule',
    });
  });

  it('falls back to the 20 yuan national schedule before 2018-04-01', () => {
    const fee = feeFor(GUANGZHOU, CHANGSHA, '2018-03-31');
    expect(fee).toEqual({
      amountYuan: 20,
      rule: 'national-schedule',
      reason: expect.stringMatching(/^20 yuan: national fee schedule/),
    });
  });
});

describe('feeFor with the brief-only policy (default 20 yuan)', () => {
  it('charges 20 yuan outside the pilot and before it started', () => {
    expect(feeFor(GUANGZHOU, CHANGSHA, '2024-06-01', briefOnly)).toMatchObject({
      amountYuan: 20,
      rule: 'national-schedule',
    });
    expect(feeFor(SHANGHAI, JIAXING, '2021-10-19', briefOnly).amountYuan).toBe(20);
    expect(feeFor(SHANGHAI, GUANGZHOU, '2024-06-01', briefOnly).amountYuan).toBe(20); // hukou outside
    expect(feeFor(SHANGHAI, JIAXING, '2021-10-20', briefOnly).amountYuan).toBe(0);
  });

  it('applies a per-province rule, first match wins', () => {
    const policy: FeePolicy = {
      ...briefOnly,
      rules: [
        { id: 'gd-15', amountYuan: 15, residenceProvinces: ['44'], description: 'test' },
        ...briefOnly.rules,
      ],
    };
    expect(feeFor(GUANGZHOU, CHANGSHA, '2024-06-01', policy)).toMatchObject({
      amountYuan: 15,
      rule: 'gd-15',
    });
    expect(feeFor(CHANGSHA, GUANGZHOU, '2024-06-01', policy).rule).toBe('national-schedule');
  });

  it('respects effectiveUntil', () => {
    const policy: FeePolicy = {
      ...briefOnly,
      rules: [{ id: 'promo', amountYuan: 0, effectiveUntil: '2022-12-31', description: 'test' }],
    };
    expect(feeFor(GUANGZHOU, CHANGSHA, '2022-12-31', policy).rule).toBe('promo');
    expect(feeFor(GUANGZHOU, CHANGSHA, '2023-01-01', policy).rule).toBe('national-schedule');
  });
});

describe('feeFor input validation', () => {
  it.each([
    ['000000', JIAXING, '2024-06-01', 'residence'],
    [SHANGHAI, '33040', '2024-06-01', 'hukou'],
    [SHANGHAI, JIAXING, '2024-06-31', 'date'],
  ])('%s → %s on %s: %s', (res, huk, date, field) => {
    expect(caughtRuleError(() => feeFor(res, huk, date)).field).toBe(field);
  });
});

describe('loadFeePolicy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fee-policy-'));
  const write = (value: unknown) => {
    const path = join(dir, `p${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const base = {
    revision: 't',
    default: { id: 'd', amountYuan: 20, description: 'd' },
    rules: [] as unknown[],
  };

  it('returns the bundled policy without a path, and loads a replacement', () => {
    expect(loadFeePolicy()).toBe(DEFAULT_FEE_POLICY);
    const policy = loadFeePolicy(
      write({ ...base, rules: [{ id: 'r', amountYuan: 5, description: 'x' }] }),
    );
    expect(feeFor(GUANGZHOU, CHANGSHA, '2024-06-01', policy)).toMatchObject({
      amountYuan: 5,
      rule: 'r',
    });
  });

  it.each([
    [
      'a negative amount',
      { ...base, rules: [{ id: 'r', amountYuan: -1, description: 'x' }] },
      'rules[0] (r).amountYuan',
    ],
    [
      'an unknown province',
      {
        ...base,
        rules: [{ id: 'r', amountYuan: 0, residenceProvinces: ['99'], description: 'x' }],
      },
      'rules[0] (r).residenceProvinces[0]',
    ],
    [
      'a bad date',
      {
        ...base,
        rules: [{ id: 'r', amountYuan: 0, effectiveFrom: '2021-13-01', description: 'x' }],
      },
      'rules[0] (r).effectiveFrom',
    ],
    ['no default', { ...base, default: undefined }, 'default: must be an object'],
    [
      'a duplicate id',
      {
        ...base,
        rules: [
          { id: 'r', amountYuan: 0, description: 'x' },
          { id: 'r', amountYuan: 0, description: 'x' },
        ],
      },
      'rules[1] (r): duplicate',
    ],
  ])('names the bad entry: %s', (_label, content, expected) => {
    expect(caughtDataError(() => loadFeePolicy(write(content))).message).toContain(expected);
  });
});
