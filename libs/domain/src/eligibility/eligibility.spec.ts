import {
  checkEligibility,
  DEFAULT_PILOT_SCHEDULE,
  DomainDataError,
  PilotRule,
  PilotSchedule,
} from '@app/domain';
import { caughtRuleError } from '../testing/errors';

// One county per place (any county of the place would do: rules match by code prefix).
const C = {
  shanghai: '310101', // 上海市黄浦区 (pilot: whole city)
  pudong: '310115',
  nanjing: '320102', // pilot 3201
  suzhouJs: '320505', // pilot 3205
  yancheng: '320902', // pilot 3209
  wuxi: '320213', // not a pilot city
  jiaxing: '330402', // pilot 3304
  shaoxing: '330602', // pilot 3306
  taizhouZj: '331002', // pilot 3310
  ningbo: '330203', // not a pilot city
  hefei: '340102', // pilot 3401
  suzhouAh: '341302', // pilot 3413 (宿州)
  huangshan: '341002', // pilot 3410
  wuhu: '340202', // not a pilot city
  fuzhou: '350102',
  nanchang: '360102',
  chengdu: '510104',
  chongqing: '500103',
  guiyang: '520102',
  beijing: '110101',
  tianjin: '120101',
  shijiazhuang: '130102',
  guangzhou: '440106',
  shenzhen: '440305',
  changsha: '430102',
  urumqi: '650102',
} as const;

type Case = [from: string, to: string, date: string, eligible: boolean, rule: string | null];

function expectDecision([from, to, date, eligible, rule]: Case, schedule?: PilotSchedule) {
  const d = checkEligibility(from, to, date, schedule);
  expect({ from, to, date, eligible: d.eligible, rule: d.rule?.id ?? null }).toEqual({
    from,
    to,
    date,
    eligible,
    rule,
  });
  return d;
}

describe('checkEligibility: the pilot schedule of the seeds', () => {
  describe('2021-10-20: 长三角 pilot units', () => {
    const units = [
      C.shanghai,
      C.nanjing,
      C.suzhouJs,
      C.yancheng,
      C.jiaxing,
      C.shaoxing,
      C.taizhouZj,
      C.hefei,
      C.suzhouAh,
      C.huangshan,
    ];
    const pairs = units.flatMap((a) =>
      units.filter((b) => a.slice(0, 2) !== b.slice(0, 2)).map((b) => [a, b] as const),
    );

    it('covers all 72 ordered cross-province pairs among the 10 named cities', () => {
      expect(pairs).toHaveLength(72); // 10 × 9, less 3 × (3 × 2) same-province pairs
    });

    it.each(pairs)('%s → %s: closed on 2021-10-19, open on 2021-10-20', (a, b) => {
      expectDecision([a, b, '2021-10-19', false, null]);
      expectDecision([a, b, '2021-10-20', true, 'yrd-pilot-units']);
    });

    it('the whole of 上海 is a unit (浦东 too)', () => {
      expectDecision([C.pudong, C.huangshan, '2021-10-20', true, 'yrd-pilot-units']);
    });

    it.each([
      [C.shanghai, C.ningbo],
      [C.ningbo, C.shanghai],
      [C.jiaxing, C.wuxi],
      [C.wuhu, C.nanjing],
      [C.wuxi, C.wuhu],
    ])('%s → %s (a non-pilot city) opens only region-wide on 2021-12-01', (a, b) => {
      expectDecision([a, b, '2021-10-20', false, null]);
      expectDecision([a, b, '2021-11-30', false, null]);
      expectDecision([a, b, '2021-12-01', true, 'yrd-region-wide']);
    });

    it('says when a closed route opens', () => {
      const d = checkEligibility(C.shanghai, C.jiaxing, '2021-10-19');
      expect(d.opensOn).toBe('2021-10-20');
      expect(d.reason).toBe(
        'Not eligible on 2021-10-19: no rule in the pilot schedule opens the route from residence 上海市 to hukou 浙江省 on that date (both are in the 长三角 region); it opens on 2021-10-20 (rule yrd-pilot-units).',
      );
      expect(checkEligibility(C.shanghai, C.ningbo, '2021-10-20').opensOn).toBe('2021-12-01');
    });

    it('explains a pilot-unit decision', () => {
      expect(checkEligibility(C.shanghai, C.jiaxing, '2021-10-20').reason).toBe(
        'Eligible: 上海市 and 浙江省 are both in 长三角 pilot units (上海市, 浙江省嘉兴市), serving each other since 2021-10-20 (rule yrd-pilot-units).',
      );
    });

    it('accepts a zero-padded prefecture code as the hukou address', () => {
      expectDecision([C.shanghai, '330400', '2021-10-20', true, 'yrd-pilot-units']);
      expectDecision([C.shanghai, '330200', '2021-10-20', false, null]);
    });
  });

  describe('2021-12-01: 长三角 region-wide', () => {
    it('explains the decision in one sentence', () => {
      const d = expectDecision([C.shanghai, C.ningbo, '2022-01-01', true, 'yrd-region-wide']);
      expect(d).toEqual({
        eligible: true,
        service: 'idcard',
        residenceProvince: { code: '31', name: '上海市' },
        hukouProvince: { code: '33', name: '浙江省' },
        date: '2022-01-01',
        rule: {
          id: 'yrd-region-wide',
          kind: 'region-wide',
          description: expect.stringContaining('长三角'),
        },
        reason:
          'Eligible: 上海市 and 浙江省 are both in the 长三角 region, open region-wide since 2021-12-01 (rule yrd-region-wide).',
      });
    });

    it('still reports the earlier pilot-unit rule for pilot-unit pairs', () => {
      expectDecision([C.shanghai, C.jiaxing, '2022-01-01', true, 'yrd-pilot-units']);
      expectDecision([C.shanghai, C.jiaxing, '2025-01-01', true, 'yrd-pilot-units']);
    });
  });

  describe('2022-08-01: 闽赣 and 川渝黔 region-wide', () => {
    it.each([
      [C.fuzhou, C.nanchang, 'mingan-region-wide'],
      [C.nanchang, C.fuzhou, 'mingan-region-wide'],
      [C.chengdu, C.chongqing, 'chuanyuqian-region-wide'],
      [C.chongqing, C.guiyang, 'chuanyuqian-region-wide'],
      [C.guiyang, C.chengdu, 'chuanyuqian-region-wide'],
    ])('%s → %s: closed 2022-07-31, open 2022-08-01 (%s)', (a, b, rule) => {
      expectDecision([a, b, '2021-10-20', false, null]);
      expectDecision([a, b, '2022-07-31', false, null]);
      expectDecision([a, b, '2022-08-01', true, rule]);
      expectDecision([a, b, '2024-06-01', true, rule]); // the region rule came first
    });

    it('the 长三角 stays open (since 2021-12-01)', () => {
      expectDecision([C.wuxi, C.wuhu, '2022-08-01', true, 'yrd-region-wide']);
    });
  });

  describe('京津冀 and 粤湘: pilot cities not named in the seeds, so closed until national scope', () => {
    it.each([
      [C.beijing, C.tianjin],
      [C.tianjin, C.beijing],
      [C.shijiazhuang, C.beijing],
      [C.guangzhou, C.changsha],
      [C.changsha, C.shenzhen],
    ])('%s → %s: closed through 2024-05-26, open 2024-05-27', (a, b) => {
      expectDecision([a, b, '2021-10-20', false, null]);
      expectDecision([a, b, '2022-08-01', false, null]);
      expectDecision([a, b, '2022-10-01', false, null]); // batches: none in the default data
      expectDecision([a, b, '2024-05-26', false, null]);
      expectDecision([a, b, '2024-05-27', true, 'nationwide-2024']);
    });
  });

  describe('across regions and outside them', () => {
    it('31 → 35 (长三角 → 闽赣) is closed in 2023, open from 2024-05-27', () => {
      const d = expectDecision([C.shanghai, C.fuzhou, '2023-03-01', false, null]);
      expect(d.reason).toContain('上海市 is in 长三角, 福建省 is in 闽赣');
      expect(d.opensOn).toBe('2024-05-27');
      expectDecision([C.shanghai, C.fuzhou, '2024-05-27', true, 'nationwide-2024']);
    });

    it('44 → 65 (广东 → 新疆) is closed before 2024-05-27, open that day', () => {
      const before = expectDecision([C.guangzhou, C.urumqi, '2024-05-26', false, null]);
      expect(before.reason).toContain('新疆维吾尔自治区 is in no pilot region');
      const on = expectDecision([C.guangzhou, C.urumqi, '2024-05-27', true, 'nationwide-2024']);
      expect(on.reason).toBe(
        'Eligible: 广东省 and 新疆维吾尔自治区 are both in national scope since 2024-05-27 (rule nationwide-2024).',
      );
      expectDecision([C.urumqi, C.guangzhou, '2024-05-27', true, 'nationwide-2024']);
    });

    it('a pilot unit does not serve a pilot unit of another region', () => {
      expectDecision([C.shanghai, C.chengdu, '2022-08-01', false, null]);
      expectDecision([C.fuzhou, C.jiaxing, '2023-12-31', false, null]);
    });
  });

  describe('same province', () => {
    it('is not a cross-province case, whatever the date', () => {
      for (const date of ['2021-01-01', '2021-10-20', '2024-05-27']) {
        const d = checkEligibility(C.jiaxing, C.ningbo, date);
        expect(d.eligible).toBe(false);
        expect(d.rule).toBeNull();
        expect(d.reason).toContain('not cross-province: apply under the ordinary procedure');
      }
    });
  });

  describe('input validation', () => {
    it.each([
      ['999999', C.jiaxing, '2024-05-27', 'residence', 'division.unknown'],
      ['3101', C.jiaxing, '2024-05-27', 'residence', 'division.format'],
      [C.shanghai, 'abcdef', '2024-05-27', 'hukou', 'division.format'],
      [C.shanghai, '330499', '2024-05-27', 'hukou', 'division.unknown'],
      [C.shanghai, C.jiaxing, '2024-02-30', 'date', 'date.calendar'],
      [C.shanghai, C.jiaxing, '27.05.2024', 'date', 'date.format'],
    ])('%s → %s on %s: %s %s', (from, to, date, field, rule) => {
      expect(caughtRuleError(() => checkEligibility(from, to, date))).toMatchObject({
        field,
        rule,
      });
    });
  });
});

describe('checkEligibility with a custom schedule', () => {
  const withRules = (...rules: PilotRule[]): PilotSchedule => ({
    ...DEFAULT_PILOT_SCHEDULE,
    revision: 'test',
    rules: [...DEFAULT_PILOT_SCHEDULE.rules, ...rules],
  });

  it('a one-way route opens one direction only, within its dates', () => {
    const schedule = withRules({
      id: 'gd-xj',
      kind: 'one-way',
      from: '44',
      to: '65',
      effectiveFrom: '2023-01-01',
      effectiveUntil: '2023-06-30',
      description: 'test route',
    });
    expectDecision([C.guangzhou, C.urumqi, '2022-12-31', false, null], schedule);
    const d = expectDecision([C.guangzhou, C.urumqi, '2023-01-01', true, 'gd-xj'], schedule);
    expect(d.reason).toBe(
      'Eligible: the one-way route from residence in 广东省 to hukou in 新疆维吾尔自治区 is open since 2023-01-01 (rule gd-xj).',
    );
    expectDecision([C.guangzhou, C.urumqi, '2023-06-30', true, 'gd-xj'], schedule);
    expectDecision([C.guangzhou, C.urumqi, '2023-07-01', false, null], schedule);
    expectDecision([C.urumqi, C.guangzhou, '2023-01-01', false, null], schedule);
    // later, national scope covers it
    expectDecision([C.guangzhou, C.urumqi, '2024-05-27', true, 'nationwide-2024'], schedule);
  });

  it('a one-way route can name prefectures', () => {
    const schedule = withRules({
      id: 'sz-xj',
      kind: 'one-way',
      from: '4403',
      to: '650100',
      effectiveFrom: '2023-01-01',
      description: 'test route',
    });
    expectDecision([C.shenzhen, C.urumqi, '2023-01-01', true, 'sz-xj'], schedule);
    expectDecision([C.guangzhou, C.urumqi, '2023-01-01', false, null], schedule);
    expectDecision([C.shenzhen, '650202', '2023-01-01', false, null], schedule); // 克拉玛依
  });

  it('the rule that opened the route first is reported; on a tie, the more specific', () => {
    const schedule = withRules({
      id: 'sh-zj',
      kind: 'one-way',
      from: '31',
      to: '33',
      effectiveFrom: '2021-12-01',
      description: 'same day as region-wide',
    });
    expectDecision([C.shanghai, C.ningbo, '2022-01-01', true, 'sh-zj'], schedule);
    expectDecision([C.shanghai, C.jiaxing, '2022-01-01', true, 'yrd-pilot-units'], schedule);
  });

  it('a pair exclusion closes both directions for its dates and beats every other rule', () => {
    const schedule = withRules({
      id: 'pause-sh-jx',
      kind: 'exclusion',
      pair: ['3101', '3304'],
      effectiveFrom: '2022-01-10',
      effectiveUntil: '2022-01-31',
      description: 'system migration',
    });
    expectDecision([C.shanghai, C.jiaxing, '2022-01-09', true, 'yrd-pilot-units'], schedule);
    const d = expectDecision([C.shanghai, C.jiaxing, '2022-01-10', false, 'pause-sh-jx'], schedule);
    expect(d.reason).toBe(
      'Not eligible: the route from residence 上海市 to hukou 浙江省 is closed from 2022-01-10 until 2022-01-31 by exclusion rule pause-sh-jx (system migration).',
    );
    expectDecision([C.jiaxing, C.shanghai, '2022-01-31', false, 'pause-sh-jx'], schedule);
    expectDecision([C.shanghai, C.jiaxing, '2022-02-01', true, 'yrd-pilot-units'], schedule);
    expectDecision([C.shanghai, C.ningbo, '2022-01-15', true, 'yrd-region-wide'], schedule);
  });

  it('a one-way exclusion closes one direction only', () => {
    const schedule = withRules({
      id: 'no-xj-to-gd',
      kind: 'exclusion',
      pair: ['65', '44'],
      direction: 'one-way',
      effectiveFrom: '2024-01-01',
      description: 'test',
    });
    expectDecision([C.urumqi, C.guangzhou, '2024-06-01', false, 'no-xj-to-gd'], schedule);
    expectDecision([C.guangzhou, C.urumqi, '2024-06-01', true, 'nationwide-2024'], schedule);
  });

  it('a prefix exclusion closes every route touching the place, open-ended', () => {
    const schedule = withRules({
      id: 'no-65',
      kind: 'exclusion',
      prefix: '65',
      effectiveFrom: '2024-05-27',
      description: 'test',
    });
    expectDecision([C.guangzhou, C.urumqi, '2024-05-27', false, 'no-65'], schedule);
    const d = expectDecision([C.urumqi, C.beijing, '2030-01-01', false, 'no-65'], schedule);
    expect(d.opensOn).toBeUndefined();
    expectDecision([C.guangzhou, C.beijing, '2024-05-27', true, 'nationwide-2024'], schedule);
  });

  it('an exclusion overrides a one-way rule and the route reopens the day after it ends', () => {
    const schedule = withRules(
      {
        id: 'ow',
        kind: 'one-way',
        from: '44',
        to: '65',
        effectiveFrom: '2023-01-01',
        description: 't',
      },
      {
        id: 'ex',
        kind: 'exclusion',
        prefix: '650102',
        effectiveFrom: '2023-01-01',
        effectiveUntil: '2023-03-31',
        description: 't',
      },
    );
    const d = expectDecision([C.guangzhou, C.urumqi, '2023-02-01', false, 'ex'], schedule);
    expect(d.rule?.kind).toBe('exclusion');
    expectDecision([C.guangzhou, '650103', '2023-02-01', true, 'ow'], schedule);
    expectDecision([C.guangzhou, C.urumqi, '2023-04-01', true, 'ow'], schedule);
  });

  it('national batches: a route opens when its later province joins', () => {
    const schedule = withRules({
      id: 'batches',
      kind: 'national',
      batches: [
        { effectiveFrom: '2022-10-01', provinces: ['44', '37'] },
        { effectiveFrom: '2022-11-15', provinces: ['65'] },
      ],
      description: 'test batches',
    });
    expectDecision([C.guangzhou, '370102', '2022-09-30', false, null], schedule);
    expectDecision([C.guangzhou, '370102', '2022-10-01', true, 'batches'], schedule);
    const d = expectDecision([C.guangzhou, C.urumqi, '2022-10-01', false, null], schedule);
    expect(d.opensOn).toBe('2022-11-15');
    const on = expectDecision([C.urumqi, C.guangzhou, '2022-11-15', true, 'batches'], schedule);
    expect(on.reason).toContain('national scope since 2022-11-15');
    // a batch province and a 2024 province: the later one decides
    expectDecision([C.guangzhou, C.beijing, '2024-05-27', true, 'nationwide-2024'], schedule);
    // 43 is in no batch: 44 → 43 stays closed until 2024
    expectDecision([C.guangzhou, C.changsha, '2022-10-01', false, null], schedule);
  });

  it('pilot units listed by two rules of one region serve each other from the later date', () => {
    const schedule = withRules({
      id: 'yrd-more-units',
      kind: 'pilot-units',
      region: 'yrd',
      effectiveFrom: '2021-11-01',
      units: ['3302'],
      description: 'test: 宁波 joins',
    });
    expectDecision([C.shanghai, C.ningbo, '2021-10-31', false, null], schedule);
    expectDecision([C.shanghai, C.ningbo, '2021-11-01', true, 'yrd-more-units'], schedule);
    expectDecision([C.ningbo, C.hefei, '2021-11-01', true, 'yrd-more-units'], schedule);
  });

  it('validates a custom schedule before using it', () => {
    const bad = withRules({
      id: 'broken',
      kind: 'pilot-units',
      region: 'yrd',
      effectiveFrom: '2021-11-01',
      units: ['4403'],
      description: 'unit outside the region',
    });
    expect(() => checkEligibility(C.shanghai, C.jiaxing, '2022-01-01', bad)).toThrow(
      DomainDataError,
    );
    expect(() => checkEligibility(C.shanghai, C.jiaxing, '2022-01-01', bad)).toThrow(
      'rules[6] (broken).units[0]: 4403 is outside region yrd',
    );
  });
});

describe('eligibility per service (idcard, newborn)', () => {
  it('defaults to the first ID card application', () => {
    expect(checkEligibility(C.shanghai, C.ningbo, '2022-01-01').service).toBe('idcard');
  });

  it('opens newborn registration between 长三角 pilot units from 2021-10-20 (the seeds)', () => {
    const d = checkEligibility(C.jiaxing, C.hefei, '2021-10-20', DEFAULT_PILOT_SCHEDULE, 'newborn');
    expect(d).toMatchObject({
      eligible: true,
      service: 'newborn',
      rule: { id: 'yrd-pilot-units' },
    });
    const before = checkEligibility(C.jiaxing, C.hefei, '2021-10-19', undefined, 'newborn');
    expect(before).toMatchObject({ eligible: false, opensOn: '2021-10-20' });
  });

  it('does not open newborn registration where only the ID card rules open the route', () => {
    // Region-wide (2021-12-01) and nationwide (2024-05-27) rules name only idcard in the seeds.
    expect(checkEligibility(C.shanghai, C.ningbo, '2025-01-01').eligible).toBe(true);
    const d = checkEligibility(C.shanghai, C.ningbo, '2025-01-01', undefined, 'newborn');
    expect(d.eligible).toBe(false);
    expect(d.rule).toBeNull();
    expect(d.reason).toContain('for newborn hukou registration');
  });

  it('lets a rule name its services, and an exclusion close only the services it names', () => {
    const rules: PilotRule[] = [
      {
        id: 'open-both',
        kind: 'one-way',
        from: '44',
        to: '65',
        effectiveFrom: '2023-01-01',
        description: 'both services',
        services: ['idcard', 'newborn'],
      },
      {
        id: 'close-newborn',
        kind: 'exclusion',
        prefix: '6501',
        effectiveFrom: '2023-06-01',
        description: 'newborn closed in Urumqi',
        services: ['newborn'],
      },
    ];
    const schedule: PilotSchedule = { revision: 't', regions: [], rules };
    const at = (service: 'idcard' | 'newborn') =>
      checkEligibility(C.guangzhou, C.urumqi, '2023-07-01', schedule, service);
    expect(at('idcard')).toMatchObject({ eligible: true, rule: { id: 'open-both' } });
    expect(at('newborn')).toMatchObject({ eligible: false, rule: { id: 'close-newborn' } });
  });

  it('refuses an unknown service naming the field', () => {
    const e = caughtRuleError(() =>
      checkEligibility(C.shanghai, C.ningbo, '2022-01-01', undefined, 'passport' as never),
    );
    expect(e).toMatchObject({ field: 'service', rule: 'eligibility.service' });
  });

  it('refuses a schedule naming an unknown service', () => {
    const bad = {
      revision: 't',
      regions: [],
      rules: [
        {
          id: 'x',
          kind: 'one-way',
          from: '44',
          to: '65',
          effectiveFrom: '2023-01-01',
          description: 'x',
          services: ['passport'],
        },
      ],
    } as unknown as PilotSchedule;
    expect(() => checkEligibility(C.guangzhou, C.urumqi, '2023-07-01', bad)).toThrow(
      DomainDataError,
    );
  });
});
