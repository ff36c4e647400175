import { maskCitizenId } from '@app/domain';
import { CASE_STATUSES, STATUS_INFO } from '@app/workflow';
import { RESEND_AFTER_MS, writeDataset } from './support/dataset';
import { CaseFactory, WrittenCase } from './support/fixtures';
import {
  breaches,
  completedStays,
  countBy,
  daily,
  inProvince,
  percentileCont,
  reached,
  regionOf,
  SEED_REGIONS,
} from './support/oracle';
import { AUDITOR, call, OpsSystem, startOpsSystem } from './support/ops-system';
import { EXACT_STAY_LIMIT, StatsService } from '../../apps/ops/src/stats/stats.service';
import { opsReadBudget } from '../../apps/ops/src/common/read-only';

type Json = Record<string, unknown>;
interface StatusStats {
  asOf: string;
  total: number;
  open: number;
  statuses: { status: string; zh: string; count: number; reached: number }[];
  services: { service: string; total: number }[];
  funnel: { status: string; reached: number }[];
}

/** The ops figures over a known set of intake cases (real PostgreSQL, written with SQL). */
describe('ops stats API (e2e)', () => {
  let ops: OpsSystem;
  let factory: CaseFactory;
  let cases: WrittenCase[];
  let now: number;

  beforeAll(async () => {
    ops = await startOpsSystem({ RESEND_AFTER_MS: String(RESEND_AFTER_MS) });
    factory = new CaseFactory(ops.dataSource);
    ({ cases, now } = await writeDataset(factory));
  });
  afterAll(async () => {
    await ops?.close();
  });

  const get = <T = Json>(path: string) => call<T>(ops.url, 'GET', path);

  it('counts cases by current status and how many reached each status (the funnel)', async () => {
    const { status, body } = await get<StatusStats>('/api/v1/ops/stats/statuses');
    expect(status).toBe(200);
    const now = countBy(cases, (c) => c.status);
    const ever = reached(cases);
    expect(body.total).toBe(cases.length);
    expect(body.open).toBe(
      cases.filter((c) => !['DELIVERED', 'REFUSED', 'CANCELLED'].includes(c.status)).length,
    );
    // The ID card's statuses, then those only the newborn machine has.
    expect(body.statuses.map((s) => s.status)).toEqual([...CASE_STATUSES, 'REGISTERED']);
    for (const s of body.statuses) {
      expect(s.count).toBe(now.get(s.status) ?? 0);
      expect(s.reached).toBe(ever.get(s.status) ?? 0);
      expect(s.zh).toBe(
        s.status === 'REGISTERED' ? '已落户' : STATUS_INFO[s.status as keyof typeof STATUS_INFO].zh,
      );
    }
    // Both services the engine runs are shown; this dataset holds ID cards only.
    expect(body.services.map((v) => [v.service, v.total])).toEqual([
      ['idcard', cases.length],
      ['newborn', 0],
    ]);
    expect(body.funnel.map((f) => f.status)).toEqual([
      'ACCEPTED',
      'UNDER_REVIEW',
      'APPROVED',
      'IN_PRODUCTION',
      'PRODUCED',
      'DISPATCHED',
      'DELIVERED',
    ]);
    for (const f of body.funnel) expect(f.reached).toBe(ever.get(f.status) ?? 0);
    // Every case was accepted; the funnel never widens along the main path.
    expect(body.funnel[0].reached).toBe(cases.length);
  });

  it('counts cases per residence → hukou pair, with province names and region', async () => {
    const { body } = await get<{ pairs: Json[] }>('/api/v1/ops/stats/province-pairs');
    const expected = countBy(cases, (c) => `${c.residence}>${c.hukou}`);
    expect(body.pairs).toHaveLength(expected.size);
    for (const p of body.pairs) {
      const key = `${p.residenceProvince}>${p.hukouProvince}`;
      const mine = cases.filter((c) => `${c.residence}>${c.hukou}` === key);
      expect(p.total).toBe(expected.get(key));
      expect(p.delivered).toBe(mine.filter((c) => c.status === 'DELIVERED').length);
      expect(p.refused).toBe(mine.filter((c) => c.status === 'REFUSED').length);
      expect(p.region).toBe(regionOf(String(p.residenceProvince), String(p.hukouProvince)));
    }
    // Largest pair first: 上海 → 安徽 (three closed cases and one open).
    expect(body.pairs[0]).toMatchObject({
      residenceProvince: '31',
      residenceProvinceName: '上海市',
      hukouProvince: '34',
      hukouProvinceName: '安徽省',
      region: 'yrd',
      regionName: '长三角',
      total: 4,
      open: 1,
    });
  });

  it('groups cases by pilot region from the schedule data, then "other"', async () => {
    const { body } = await get<{ schedule: string; regions: Json[] }>('/api/v1/ops/stats/regions');
    expect(body.regions.map((r) => r.name)).toEqual([
      '京津冀',
      '长三角',
      '闽赣',
      '粤湘',
      '川渝黔',
      '其他',
    ]);
    const expected = countBy(cases, (c) => regionOf(c.residence, c.hukou));
    for (const r of body.regions) {
      expect(r.total).toBe(expected.get(String(r.region)) ?? 0);
      if (r.region !== 'other') expect(r.provinces).toEqual(SEED_REGIONS[String(r.region)]);
    }
    expect(body.regions.reduce((n, r) => n + Number(r.total), 0)).toBe(cases.length);
    expect(body.schedule).toMatch(/seeds/);
  });

  it('reports intake per day with the cumulative total "截至 2022-07-31"', async () => {
    const { status, body } = await get<{
      before: number;
      cumulativeTotal: number;
      days: { date: string; intake: number; cumulative: number; delivered: number }[];
    }>('/api/v1/ops/stats/daily?from=2022-07-01&to=2022-07-31');
    expect(status).toBe(200);
    const expected = daily(cases, '2022-07-01', '2022-07-31');
    expect(body.days).toHaveLength(31);
    expect(body.before).toBe(expected.before);
    expect(body.cumulativeTotal).toBe(expected.cumulativeTotal);
    expect(body.days.map(({ date, intake, cumulative }) => ({ date, intake, cumulative }))).toEqual(
      expected.days,
    );
    // The known figures: 2 cases before July, 10 in July, one on August 1st.
    expect(body.before).toBe(2);
    expect(body.cumulativeTotal).toBe(12);
    expect(body.days.find((d) => d.date === '2022-07-15')).toMatchObject({
      intake: 4,
      cumulative: 10,
    });
    // Cards handed over per day (China date of the DELIVERED step).
    const deliveredIn = (date: string) =>
      cases.filter((c) => {
        const last = c.path[c.path.length - 1];
        return last.status === 'DELIVERED' && chinaDate(last.at) === date;
      }).length;
    for (const d of body.days) expect(d.delivered).toBe(deliveredIn(d.date));
    expect(body.days.reduce((n, d) => n + d.delivered, 0)).toBeGreaterThan(0);
  });

  it('defaults the daily range to the last 30 days, whose cumulative total is every case', async () => {
    const { body } = await get<{
      from: string;
      to: string;
      days: unknown[];
      cumulativeTotal: number;
    }>('/api/v1/ops/stats/daily');
    expect(body.days).toHaveLength(30);
    expect(body.to).toBe(chinaDate(new Date()));
    expect(body.cumulativeTotal).toBe(cases.length);
  });

  it('refuses a bad daily range with a 400 naming the field', async () => {
    const reversed = await get('/api/v1/ops/stats/daily?from=2022-08-01&to=2022-07-01');
    expect(reversed.status).toBe(400);
    expect(reversed.body).toMatchObject({ details: [{ field: 'from', rule: 'date.range' }] });
    const tooLong = await get('/api/v1/ops/stats/daily?from=2019-01-01&to=2022-07-01');
    expect(tooLong.status).toBe(400);
    const notADate = await get('/api/v1/ops/stats/daily?from=2022-02-30');
    expect(notADate.status).toBe(400);
    const unknown = await get('/api/v1/ops/stats/daily?colour=red');
    expect(unknown.status).toBe(400);
  });

  it('reports time in each stage: median and p90 of completed stays (self-loops ignored)', async () => {
    const { body } = await get<{ stages: Json[] }>('/api/v1/ops/stats/stage-times');
    const stays = completedStays(cases);
    expect(body.stages.map((s) => s.status)).toEqual(
      CASE_STATUSES.filter((s) => !['REFUSED', 'DELIVERED', 'CANCELLED'].includes(s)),
    );
    for (const stage of body.stages) {
      const values = stays.get(String(stage.status)) ?? [];
      expect(stage.completed).toBe(values.length);
      const median = percentileCont(values, 0.5);
      const p90 = percentileCont(values, 0.9);
      if (median === null) expect(stage.medianSeconds).toBeNull();
      else expect(stage.medianSeconds).toBeCloseTo(median, 2);
      if (p90 === null) expect(stage.p90Seconds).toBeNull();
      else expect(stage.p90Seconds).toBeCloseTo(p90, 2);
      expect(stage.current).toBe(cases.filter((c) => c.status === stage.status).length);
    }
    const review = body.stages.find((s) => s.status === 'UNDER_REVIEW')!;
    // 13 historical reviews + one second round + the open cases that left review.
    expect(review.completed).toBe((stays.get('UNDER_REVIEW') ?? []).length);
    expect(Number(review.p90Seconds)).toBeGreaterThan(Number(review.medianSeconds));
    // ACCEPTED → UNDER_REVIEW happens in the intake transaction: 0 s.
    expect(body.stages.find((s) => s.status === 'ACCEPTED')).toMatchObject({
      medianSeconds: 0,
      p90Seconds: 0,
    });
  });

  it('reads stage-time percentiles from the 1 % histogram beyond the exact limit (within 0.5 %)', async () => {
    const service = ops.sys.node.app.get(StatsService);
    service.exactStayLimit = 0;
    try {
      const { body } = await get<{ percentiles: string; stages: Json[] }>(
        '/api/v1/ops/stats/stage-times',
      );
      expect(body.percentiles).toBe('histogram');
      const stays = completedStays(cases);
      for (const stage of body.stages) {
        const values = stays.get(String(stage.status)) ?? [];
        expect(stage.completed).toBe(values.length);
        for (const [p, field] of [
          [0.5, 'medianSeconds'],
          [0.9, 'p90Seconds'],
        ] as const) {
          const exact = percentileCont(values, p);
          if (exact === null) expect(stage[field]).toBeNull();
          else
            expect(Math.abs(Number(stage[field]) - exact)).toBeLessThanOrEqual(
              exact * 0.005 + 0.001,
            );
        }
      }
    } finally {
      service.exactStayLimit = EXACT_STAY_LIMIT;
    }
  });

  it('keeps the rollups equal to a rebuild from the records (triggers agree with the bulk path)', async () => {
    const paths = [
      '/api/v1/ops/stats/statuses',
      '/api/v1/ops/stats/province-pairs',
      '/api/v1/ops/stats/daily?from=2022-06-01&to=2022-08-31',
      '/api/v1/ops/stats/stage-times?province=31',
    ];
    const strip = (b: Json) => ({ ...b, asOf: undefined, stages: undefined });
    const before = await Promise.all(paths.map(async (p) => strip((await get(p)).body)));
    const tables = [
      'stats_counts',
      'stats_intake_daily',
      'stats_entered_daily',
      'stats_daily',
      'stats_stay_histogram',
      'stats_open_stays',
    ];
    const dump = async () =>
      Promise.all(
        tables.map(async (t) =>
          (await ops.dataSource.query(`SELECT * FROM intake.${t}`))
            .map((r: Json) => JSON.stringify(r))
            .sort(),
        ),
      );
    const byTrigger = await dump();
    await ops.dataSource.query('SELECT intake.stats_rebuild()');
    expect(await dump()).toEqual(byTrigger);
    const after = await Promise.all(paths.map(async (p) => strip((await get(p)).body)));
    expect(after).toEqual(before);
  });

  it('keeps the counters by scope equal to a rebuild and to direct counts as cases move', async () => {
    // Moves, a newborn case and a deletion inside one transaction (rolled back at the end): the
    // triggers' update and delete paths, the kind, the per-point counters of the clerk lists.
    const runner = ops.dataSource.createQueryRunner();
    await runner.connect();
    const q = (text: string, params: unknown[] = []) => runner.query(text, params);
    try {
      await q('BEGIN');
      const open: { id: string; status: string }[] = await q(
        `SELECT id, status FROM intake.cases WHERE status = 'UNDER_REVIEW' ORDER BY id LIMIT 3`,
      );
      expect(open.length).toBeGreaterThanOrEqual(2);
      await q(`UPDATE intake.cases SET status = 'APPROVED' WHERE id = $1`, [open[0].id]);
      await q(`UPDATE intake.cases SET status = 'REFUSED' WHERE id = $1`, [open[1].id]);
      await q(
        `UPDATE intake.cases SET kind = 'newborn', photo_id = NULL, fingerprints = NULL,
                newborn = '{}'::jsonb, status = 'REGISTERED' WHERE id = $1`,
        [open[open.length - 1].id],
      );
      // Two copies of a delivered case at another point (no timeline), one of them deleted.
      await q(
        `CREATE TEMP TABLE copies ON COMMIT DROP AS
           SELECT * FROM intake.cases WHERE status = 'DELIVERED' ORDER BY id LIMIT 1`,
      );
      for (const n of [1, 2])
        await q(
          `INSERT INTO intake.cases
             SELECT (jsonb_populate_record(c, jsonb_build_object(
                       'id', gen_random_uuid(), 'receipt_number', c.receipt_number || '-' || $1::text,
                       'acceptance_point', '330402-0' || $1::text))).*
               FROM copies c`,
          [n],
        );
      await q(`DELETE FROM intake.cases WHERE acceptance_point = '330402-01'`);
      // A review timer flags a case, a statutory flag is cleared (the flag trigger both ways).
      await q(`UPDATE intake.cases SET review_overdue = true WHERE id = $1`, [open[0].id]);
      await q(
        `UPDATE intake.cases SET statutory_overdue = false
          WHERE id = (SELECT id FROM intake.cases WHERE statutory_overdue ORDER BY id LIMIT 1)`,
      );
      // The rollup triggers are deferred to COMMIT: this transaction never commits, so it fires
      // them now (what its COMMIT would do first).
      await q('SET CONSTRAINTS ALL IMMEDIATE');
      const counters = async () =>
        (
          await q(
            `SELECT scope, kind, status, sum(cases)::int AS n FROM intake.stats_counts
              WHERE measure = 'now' GROUP BY 1, 2, 3 HAVING sum(cases) <> 0 ORDER BY 1, 2, 3`,
          )
        ).map(
          (r: Json) => `${String(r.scope)}|${String(r.kind)}|${String(r.status)}=${String(r.n)}`,
        );
      const direct = (
        await q(
          `SELECT x.scope, c.kind, c.status, count(*)::int AS n FROM intake.cases c
            CROSS JOIN LATERAL (VALUES (''), ('R' || c.residence_province), ('H' || c.hukou_province),
                                       ('P' || c.residence_province || '-' || c.hukou_province),
                                       ('A' || c.acceptance_point)) AS x (scope)
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        )
      ).map((r: Json) => `${String(r.scope)}|${String(r.kind)}|${String(r.status)}=${String(r.n)}`);
      const flags = async () =>
        (
          await q(
            `SELECT scope, kind, status, sum(cases)::int AS n FROM intake.stats_counts
              WHERE measure = 'flagged' GROUP BY 1, 2, 3 HAVING sum(cases) <> 0 ORDER BY 1, 2, 3`,
          )
        ).map(
          (r: Json) => `${String(r.scope)}|${String(r.kind)}|${String(r.status)}=${String(r.n)}`,
        );
      const directFlags = (
        await q(
          `SELECT x.scope, c.kind, f.flag AS status, count(*)::int AS n FROM intake.cases c
            CROSS JOIN LATERAL (VALUES ('review', c.review_overdue), ('statutory', c.statutory_overdue))
                  AS f (flag, set)
            CROSS JOIN LATERAL (VALUES (''), ('R' || c.residence_province), ('H' || c.hukou_province))
                  AS x (scope)
            WHERE f.set GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        )
      ).map((r: Json) => `${String(r.scope)}|${String(r.kind)}|${String(r.status)}=${String(r.n)}`);
      expect(directFlags.some((r: string) => r.startsWith('|idcard|review='))).toBe(true);
      expect(directFlags.some((r: string) => r.startsWith('|idcard|statutory='))).toBe(true);
      expect(await flags()).toEqual(directFlags);
      const byTrigger = await counters();
      expect(byTrigger).toEqual(direct);
      expect(byTrigger.some((r: string) => r.includes('|newborn|REGISTERED=1'))).toBe(true);
      await q('SELECT intake.stats_rebuild()');
      expect(await counters()).toEqual(direct);
      expect(await flags()).toEqual(directFlags);
    } finally {
      await q('ROLLBACK');
      await runner.release();
    }
  });

  it('counts deadline breaches: 5-day review, 20-working-day promise, 60-day limit', async () => {
    const { body } = await get<{
      deadlines: {
        deadline: string;
        count: number;
        open: number;
        flagged: number;
        cases: Json[];
      }[];
    }>('/api/v1/ops/stats/breaches');
    const expected = breaches(cases, now);
    const by = Object.fromEntries(body.deadlines.map((d) => [d.deadline, d]));
    for (const key of ['review', 'promise', 'statutory'] as const) {
      expect(by[key].count).toBe(expected[key].count.length);
      expect(by[key].open).toBe(expected[key].open.length);
      expect(by[key].flagged).toBe(expected[key].flagged.length);
      expect(by[key].cases.map((c) => c.caseId).sort()).toEqual([...expected[key].open].sort());
    }
    // The dataset's answer in numbers: 2 waiting on review (+1 flagged), 3 past the promise,
    // 1 open past the statutory limit (+1 delivered late).
    expect([by.review.count, by.review.open, by.promise.count, by.statutory.count]).toEqual([
      3, 2, 3, 2,
    ]);
    const listed = by.review.cases[0];
    const written = cases.find((c) => c.id === listed.caseId)!;
    expect(listed.maskedIdNumber).toBe(maskCitizenId(written.idNumber));
  });

  it("narrows every figure to one province with ?province=, or the caller's with ?province=mine", async () => {
    const mine = await get<StatusStats>('/api/v1/ops/stats/statuses?province=mine');
    const sh = await get<StatusStats>('/api/v1/ops/stats/statuses?province=31');
    expect(mine.body).toEqual({ ...sh.body, asOf: mine.body.asOf });
    expect(sh.body.total).toBe(inProvince(cases, '31').length);
    const overview = await get<{
      province: string;
      daily: { cumulativeTotal: number };
      pairs: { pairs: Json[] };
      breaches: { deadlines: { count: number }[] };
    }>('/api/v1/ops/stats/overview?province=35&from=2022-07-01&to=2022-07-31');
    expect(overview.status).toBe(200);
    expect(overview.body.province).toBe('35');
    const fj = inProvince(cases, '35');
    expect(overview.body.daily.cumulativeTotal).toBe(
      fj.filter((c) => c.intakeDate <= '2022-07-31').length,
    );
    for (const p of overview.body.pairs.pairs)
      expect([p.residenceProvince, p.hukouProvince]).toContain('35');
    const bad = await get('/api/v1/ops/stats/statuses?province=99');
    expect(bad.status).toBe(400);
    expect((await get('/api/v1/ops/stats/statuses?province=shanghai')).status).toBe(400);
  });

  it('answers the overview from one snapshot, with every figure agreeing', async () => {
    const { status, body } = await get<{
      asOf: string;
      statuses: StatusStats & { asOf: string };
      regions: { regions: { total: number }[]; asOf: string };
      daily: { asOf: string };
    }>('/api/v1/ops/stats/overview?from=2022-07-01&to=2022-07-31');
    expect(status).toBe(200);
    expect(body.statuses.asOf).toBe(body.asOf);
    expect(body.daily.asOf).toBe(body.asOf);
    expect(body.regions.regions.reduce((n, r) => n + r.total, 0)).toBe(body.statuses.total);
  });

  it('never returns names, ID numbers or addresses', async () => {
    const texts = await Promise.all(
      [
        '/api/v1/ops/stats/overview?from=2022-07-01&to=2022-07-31&limit=200',
        '/api/v1/ops/stats/breaches?limit=200',
        '/api/v1/ops/cases/stuck',
      ].map(async (p) => (await get(p)).text),
    );
    for (const text of texts)
      for (const personal of factory.personalStrings()) expect(text).not.toContain(personal);
  });

  it('answers 503 with a clear message when a figure runs past the ops read budget', async () => {
    const budget = opsReadBudget.statementTimeoutMs;
    opsReadBudget.statementTimeoutMs = 300;
    // Another transaction holds the rollup table exclusively: the ops read waits on it and its
    // statement timeout fires.
    const blocker = ops.dataSource.createQueryRunner();
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE intake.stats_counts IN ACCESS EXCLUSIVE MODE');
      const { status, body } = await get<{ statusCode: number; error: string; message: string }>(
        '/api/v1/ops/stats/statuses',
      );
      expect(status).toBe(503);
      expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(body.message).toMatch(/time budget .*300 ms statement timeout/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.release();
      opsReadBudget.statementTimeoutMs = budget;
    }
    expect((await get('/api/v1/ops/stats/statuses')).status).toBe(200);
  });

  it('lets an auditor read, and refuses other roles and anonymous callers', async () => {
    expect((await call(ops.url, 'GET', '/api/v1/ops/stats/statuses', AUDITOR)).status).toBe(200);
    const clerk = await call(ops.url, 'GET', '/api/v1/ops/stats/statuses', {
      role: 'clerk',
      point: '310101-01',
    });
    expect(clerk.status).toBe(403);
    expect(clerk.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect((await call(ops.url, 'GET', '/api/v1/ops/stats/statuses', null)).status).toBe(401);
    const forged = await call(ops.url, 'GET', '/api/v1/ops/stats/statuses', null, undefined, {
      authorization: 'Bearer not.a.token',
    });
    expect(forged.status).toBe(401);
  });
});

function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}
