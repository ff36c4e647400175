import { DataSource } from 'typeorm';
import { addDays, todayInChina } from '@app/domain';
import { ANY_CASE_STATUSES } from '@app/workflow';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { opsFeature } from '../../apps/ops/src/ops.feature';
import { seedHistory } from '../../scripts/seed-history';
import type { TestCaller } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';
import { call, OPS } from './support/ops-system';

type Json = Record<string, unknown>;

/**
 * A seeded history (the bulk seeder, rollups rebuilt at the end) read back through the ops API and
 * compared with direct counts over intake's records; its timelines verify at the auditor endpoint;
 * clerk keyset pages walk the busiest point exactly once, newest first.
 */
describe('seeded history: ops read models against direct counts (e2e)', () => {
  let system: TestSystem;
  const sql = <T = Json>(text: string, params: unknown[] = []) =>
    system.node.app.get(DataSource).query(text, params) as Promise<T[]>;
  const get = <T = Json>(path: string, caller: TestCaller = OPS) =>
    call<T>(system.url, 'GET', path, caller);

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature, opsFeature], { RECONCILE_INTERVAL_MS: '0' });
    await seedHistory(system.databaseUrl, {
      cases: 600,
      years: 3,
      seed: 7,
      countiesPerProvince: 1,
    });
  }, 180_000);
  afterAll(async () => {
    await system?.close();
  });

  it('reports the same statuses, reached counts and pairs as a direct count', async () => {
    const { body } = await get<{
      total: number;
      statuses: { status: string; count: number; reached: number }[];
    }>('/api/v1/ops/stats/statuses');
    const now = await sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM intake.cases GROUP BY status`,
    );
    const ever = await sql<{ status: string; n: number }>(
      `SELECT to_status AS status, count(DISTINCT case_id)::int AS n FROM intake.case_timeline GROUP BY 1`,
    );
    expect(body.total).toBe(600);
    const nowBy = new Map(now.map((r) => [r.status, r.n]));
    const everBy = new Map(ever.map((r) => [r.status, r.n]));
    for (const s of body.statuses) {
      expect(s.count).toBe(nowBy.get(s.status) ?? 0);
      expect(s.reached).toBe(everBy.get(s.status) ?? 0);
    }
    // Every end state and some open ones.
    for (const s of ['DELIVERED', 'REFUSED', 'CANCELLED']) expect(nowBy.get(s)).toBeGreaterThan(0);
    expect(
      now.filter((r) => !['DELIVERED', 'REFUSED', 'CANCELLED'].includes(r.status)).length,
    ).toBeGreaterThan(0);
    expect(ANY_CASE_STATUSES).toEqual(body.statuses.map((s) => s.status));

    const pairs = await get<{
      pairs: { residenceProvince: string; hukouProvince: string; total: number }[];
    }>('/api/v1/ops/stats/province-pairs?province=31');
    const direct = await sql<{ r: string; h: string; n: number }>(
      `SELECT residence_province AS r, hukou_province AS h, count(*)::int AS n FROM intake.cases
        WHERE residence_province = '31' OR hukou_province = '31' GROUP BY 1, 2`,
    );
    expect(
      pairs.body.pairs.map((p) => `${p.residenceProvince}>${p.hukouProvince}=${p.total}`).sort(),
    ).toEqual(direct.map((d) => `${d.r}>${d.h}=${d.n}`).sort());
  });

  it('reports per-province statuses, services and clerk list totals as a direct count', async () => {
    const { body } = await get<{
      total: number;
      open: number;
      statuses: { status: string; count: number; reached: number }[];
      services: { service: string; total: number; open: number; delivered: number }[];
    }>('/api/v1/ops/stats/statuses?province=31');
    const now = await sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM intake.cases
        WHERE residence_province = '31' OR hukou_province = '31' GROUP BY status`,
    );
    const ever = await sql<{ status: string; n: number }>(
      `SELECT t.to_status AS status, count(DISTINCT t.case_id)::int AS n
         FROM intake.case_timeline t JOIN intake.cases c ON c.id = t.case_id
        WHERE c.residence_province = '31' OR c.hukou_province = '31' GROUP BY 1`,
    );
    const nowBy = new Map(now.map((r) => [r.status, r.n]));
    const everBy = new Map(ever.map((r) => [r.status, r.n]));
    expect(body.total).toBe(now.reduce((n, r) => n + r.n, 0));
    expect(body.total).toBeGreaterThan(0);
    for (const s of body.statuses) {
      expect(s.count).toBe(nowBy.get(s.status) ?? 0);
      expect(s.reached).toBe(everBy.get(s.status) ?? 0);
    }
    const idcard = body.services.find((v) => v.service === 'idcard')!;
    expect([idcard.total, idcard.open, idcard.delivered]).toEqual([
      body.total,
      body.open,
      nowBy.get('DELIVERED') ?? 0,
    ]);

    // The clerk list's total: the point's cases, and its cases in one status.
    const clerk: TestCaller = { role: 'clerk', province: '31', point: '310101-01' };
    const atPoint = await sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM intake.cases
        WHERE acceptance_point = '310101-01' AND kind = 'idcard' GROUP BY status`,
    );
    const list = await get<{ total: number }>('/api/v1/applications?pageSize=1', clerk);
    expect(list.body.total).toBe(atPoint.reduce((n, r) => n + r.n, 0));
    for (const { status, n } of atPoint) {
      const one = await get<{ total: number }>(
        `/api/v1/applications?pageSize=1&status=${status}`,
        clerk,
      );
      expect(one.body.total).toBe(n);
    }
  });

  it('counts deadline breaches (passed or flagged) as a direct count, nationally and per province', async () => {
    for (const province of [null, '31']) {
      const where = province ? `AND (residence_province = '31' OR hukou_province = '31')` : '';
      const [d] = await sql<Record<string, number>>(
        `SELECT
           count(*) FILTER (WHERE (status IN ('UNDER_REVIEW', 'SUPPLEMENT_REQUIRED')
                                   AND now() > review_due_at) OR review_overdue)::int AS review,
           count(*) FILTER (WHERE review_overdue)::int AS review_flagged,
           count(*) FILTER (WHERE (status NOT IN ('REFUSED', 'DELIVERED', 'CANCELLED')
                                   AND now() > statutory_due_at) OR statutory_overdue)::int AS statutory,
           count(*) FILTER (WHERE statutory_overdue)::int AS statutory_flagged,
           count(*) FILTER (WHERE status NOT IN ('REFUSED', 'DELIVERED', 'CANCELLED')
                                  AND now() > promise_due_at)::int AS promise
         FROM intake.cases WHERE TRUE ${where}`,
      );
      const { body } = await get<{
        deadlines: { deadline: string; count: number; flagged: number }[];
      }>(`/api/v1/ops/stats/breaches${province ? `?province=${province}` : ''}`);
      const by = Object.fromEntries(body.deadlines.map((x) => [x.deadline, x]));
      expect([by.review.count, by.review.flagged]).toEqual([d.review, d.review_flagged]);
      expect([by.statutory.count, by.statutory.flagged]).toEqual([
        d.statutory,
        d.statutory_flagged,
      ]);
      expect(by.promise.count).toBe(d.promise);
      expect(d.review_flagged + d.statutory_flagged).toBeGreaterThan(0);
    }
  });

  it('reports the same days (intake, cumulative, delivered) as a direct count over 1000 days', async () => {
    const to = todayInChina();
    const from = addDays(to, -999);
    const { body } = await get<{
      before: number;
      days: { date: string; intake: number; delivered: number }[];
    }>(`/api/v1/ops/stats/daily?from=${from}&to=${to}&province=33`);
    const intake = await sql<{ d: string; n: number }>(
      `SELECT to_char(intake_date, 'YYYY-MM-DD') AS d, count(*)::int AS n FROM intake.cases
        WHERE intake_date >= $1 AND (residence_province = '33' OR hukou_province = '33') GROUP BY 1`,
      [from],
    );
    const delivered = await sql<{ d: string; n: number }>(
      `SELECT to_char((t.at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS d,
              count(DISTINCT t.case_id)::int AS n
         FROM intake.case_timeline t JOIN intake.cases c ON c.id = t.case_id
        WHERE t.to_status = 'DELIVERED' AND (c.residence_province = '33' OR c.hukou_province = '33')
        GROUP BY 1`,
    );
    const [{ before }] = await sql<{ before: number }>(
      `SELECT count(*)::int AS before FROM intake.cases
        WHERE intake_date < $1 AND (residence_province = '33' OR hukou_province = '33')`,
      [from],
    );
    expect(body.before).toBe(before);
    const intakeBy = new Map(intake.map((r) => [r.d, r.n]));
    const deliveredBy = new Map(delivered.map((r) => [r.d, r.n]));
    for (const d of body.days) {
      expect(d.intake).toBe(intakeBy.get(d.date) ?? 0);
      expect(d.delivered).toBe(deliveredBy.get(d.date) ?? 0);
    }
  });

  it('counts completed stays per status as the timeline does', async () => {
    const { body } = await get<{
      stages: { status: string; completed: number; current: number }[];
    }>('/api/v1/ops/stats/stage-times');
    const stays = await sql<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM intake_stats.completed_stays GROUP BY status`,
    );
    const byStatus = new Map(stays.map((r) => [r.status, r.n]));
    for (const s of body.stages) expect(s.completed).toBe(byStatus.get(s.status) ?? 0);
  });

  it('writes timelines whose hash chains verify at the auditor endpoint', async () => {
    const picks = await sql<{ id: string }>(
      `(SELECT id FROM intake.cases WHERE status = 'DELIVERED' LIMIT 2)
       UNION ALL (SELECT id FROM intake.cases WHERE status = 'UNDER_REVIEW' LIMIT 1)
       UNION ALL (SELECT id FROM intake.cases WHERE review_overdue LIMIT 1)`,
    );
    expect(picks.length).toBeGreaterThanOrEqual(3);
    for (const { id } of picks) {
      const res = await get<{ verified: boolean; brokenAt: string | null }>(
        `/api/v1/audit/cases/${id}/timeline`,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ verified: true, brokenAt: null });
    }
  });

  it('walks the busiest point with keyset pages: every case once, newest first', async () => {
    const clerk: TestCaller = { role: 'clerk', province: '31', point: '310101-01' };
    const expected = await sql<{ id: string }>(
      `SELECT id FROM intake.cases WHERE acceptance_point = '310101-01'
        ORDER BY created_at DESC, id DESC`,
    );
    expect(expected.length).toBeGreaterThan(10);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await get(
        `/api/v1/applications?pageSize=7${cursor ? `&cursor=${cursor}` : ''}`,
        clerk,
      );
      seen.push(...res.body.items.map((i) => i.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(expected.map((e) => e.id));
  });
});
