import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addDays, daysBetween, loadPilotSchedule, parseIsoDate, todayInChina } from '@app/domain';
import { APP_CONFIG, AppConfig } from '@app/platform';
import {
  CASE_STATUSES,
  CaseStatus,
  MACHINES,
  NEWBORN_STATUS_INFO,
  NEWBORN_STATUSES,
  STATUS_INFO,
  TERMINAL_STATUSES,
} from '@app/workflow';
import { CASE_ROW_COLUMNS, CaseRowRaw, DEADLINE_SQL, toCaseRow } from '../cases/case-sql';
import { Query, readSnapshot } from '../common/read-only';
import { provinceCondition, provinceLabel } from '../common/scope';
import { PilotRegions } from './pilot-regions';
import type {
  BreachStats,
  DailyStats,
  DeadlineBreach,
  DeadlineKey,
  Overview,
  PairStats,
  RegionStats,
  StageTimeStats,
  StatusStats,
} from './stats.types';

/** Completed stays up to which stage-time percentiles are computed exactly. */
export const EXACT_STAY_LIMIT = 20_000;

/** Longest span of days one daily answer covers. */
export const MAX_DAILY_SPAN_DAYS = 1000;
const DEFAULT_DAILY_SPAN_DAYS = 30;

/** The main path of a case, for the funnel (a postal delivery skips READY_FOR_PICKUP). */
export const FUNNEL_STATUSES: readonly CaseStatus[] = [
  CaseStatus.ACCEPTED,
  CaseStatus.UNDER_REVIEW,
  CaseStatus.APPROVED,
  CaseStatus.IN_PRODUCTION,
  CaseStatus.PRODUCED,
  CaseStatus.DISPATCHED,
  CaseStatus.DELIVERED,
];

const CLOSED = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

interface PairRow {
  residence: string;
  hukou: string;
  total: number;
  open: number;
  delivered: number;
  refused: number;
  cancelled: number;
}

export interface DailyRange {
  from?: string;
  to?: string;
}

/**
 * The figures of the ops dashboard, read from intake's canonical case records (never from queue
 * events): PostgreSQL is the source of truth. Each method runs in one read-only snapshot.
 */
@Injectable()
export class StatsService {
  private readonly regions: PilotRegions;
  private readonly scheduleRevision: string;
  /**
   * Up to this many completed stays (in the asked scope), the stage-time percentiles are exact
   * (percentile_cont over every stay); beyond it they come from the 1 % histogram.
   */
  exactStayLimit = EXACT_STAY_LIMIT;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // The same schedule intake decides routes with (PILOT_SCHEDULE_FILE, else the bundled data).
    const schedule = loadPilotSchedule(config.PILOT_SCHEDULE_FILE);
    this.regions = new PilotRegions(schedule);
    this.scheduleRevision = schedule.revision;
  }

  overview(province: string | null, range: DailyRange, listLimit = 20): Promise<Overview> {
    const days = resolveRange(range);
    return readSnapshot(this.dataSource, async (q) => {
      const asOf = await snapshotTime(q);
      const pairRows = await this.pairRows(q, province);
      return {
        asOf,
        province,
        statuses: await this.statusesIn(q, asOf, province),
        pairs: await this.pairsIn(q, asOf, province, pairRows),
        regions: await this.regionsIn(q, asOf, province, pairRows),
        daily: await this.dailyIn(q, asOf, province, days),
        stageTimes: await this.stageTimesIn(q, asOf, province),
        breaches: await this.breachesIn(q, asOf, province, listLimit),
      };
    });
  }

  statuses(province: string | null): Promise<StatusStats> {
    return this.snapshot((q, asOf) => this.statusesIn(q, asOf, province));
  }

  pairs(province: string | null): Promise<PairStats> {
    return this.snapshot((q, asOf) => this.pairsIn(q, asOf, province));
  }

  regionStats(province: string | null): Promise<RegionStats> {
    return this.snapshot((q, asOf) => this.regionsIn(q, asOf, province));
  }

  daily(province: string | null, range: DailyRange): Promise<DailyStats> {
    const days = resolveRange(range);
    return this.snapshot((q, asOf) => this.dailyIn(q, asOf, province, days));
  }

  stageTimes(province: string | null): Promise<StageTimeStats> {
    return this.snapshot((q, asOf) => this.stageTimesIn(q, asOf, province));
  }

  breaches(province: string | null, listLimit = 20): Promise<BreachStats> {
    return this.snapshot((q, asOf) => this.breachesIn(q, asOf, province, listLimit));
  }

  private snapshot<T>(work: (q: Query, asOf: string) => Promise<T>): Promise<T> {
    return readSnapshot(this.dataSource, async (q) => work(q, await snapshotTime(q)));
  }

  private async statusesIn(q: Query, asOf: string, province: string | null): Promise<StatusStats> {
    // Counts by scope (the country, or the province as residence or hukou side: a case's two
    // provinces differ, so the two never count a case twice): a few hundred rows at any history.
    const rows = await q<{ measure: 'now' | 'reached'; kind: string; status: string; n: number }>(
      `SELECT c.measure, c.kind, c.status, sum(c.cases)::int AS n FROM intake_stats.scope_counts c
        WHERE c.scope = ANY($1) GROUP BY 1, 2, 3`,
      [scopesOf(province)],
    );
    const sum = (list: typeof rows) => {
      const out = new Map<string, number>();
      for (const r of list) out.set(r.status, (out.get(r.status) ?? 0) + r.n);
      return out;
    };
    const nowRows = rows.filter((r) => r.measure === 'now');
    const current = [...sum(nowRows)].map(([status, n]) => ({ status, n }));
    const reached = [...sum(rows.filter((r) => r.measure === 'reached'))].map(([status, n]) => ({
      status,
      n,
    }));
    const byKind = Object.values(MACHINES).map((m) => {
      const of = nowRows.filter((r) => r.kind === m.kind);
      const count = (keep: (status: string) => boolean) =>
        of.filter((r) => keep(r.status)).reduce((n, r) => n + r.n, 0);
      return {
        kind: m.kind,
        total: count(() => true),
        open: count((st) => !TERMINAL_STATUSES.includes(st as CaseStatus)),
        delivered: count((st) => st === 'DELIVERED'),
        refused: count((st) => st === 'REFUSED'),
        cancelled: count((st) => st === 'CANCELLED'),
      };
    });
    const now = new Map(current.map((r) => [r.status, r.n]));
    const ever = new Map(reached.map((r) => [r.status, r.n]));
    // Statuses only the newborn machine has (REGISTERED) follow the ID card's.
    const newbornOnly = NEWBORN_STATUSES.filter((st) => !(CASE_STATUSES as string[]).includes(st));
    const total = current.reduce((sum, r) => sum + r.n, 0);
    const open = current
      .filter((r) => !TERMINAL_STATUSES.includes(r.status as CaseStatus))
      .reduce((sum, r) => sum + r.n, 0);
    return {
      asOf,
      province,
      total,
      open,
      statuses: [
        ...CASE_STATUSES.map((status) => ({
          status: status as string,
          zh: STATUS_INFO[status].zh,
          count: now.get(status) ?? 0,
          reached: ever.get(status) ?? 0,
        })),
        ...newbornOnly.map((status) => ({
          status: status as string,
          zh: NEWBORN_STATUS_INFO[status].zh,
          count: now.get(status) ?? 0,
          reached: ever.get(status) ?? 0,
        })),
      ],
      // Every service (kind of case) the engine runs, with or without cases.
      services: Object.values(MACHINES).map((m) => {
        const row = byKind.find((r) => r.kind === m.kind);
        return {
          service: m.kind,
          description: m.description,
          total: row?.total ?? 0,
          open: row?.open ?? 0,
          delivered: row?.delivered ?? 0,
          refused: row?.refused ?? 0,
          cancelled: row?.cancelled ?? 0,
        };
      }),
      funnel: FUNNEL_STATUSES.map((status) => ({
        status,
        zh: STATUS_INFO[status].zh,
        reached: ever.get(status) ?? 0,
      })),
    };
  }

  private async pairRows(q: Query, province: string | null): Promise<PairRow[]> {
    const params: unknown[] = [];
    const scope = provinceCondition(province, params);
    return q<PairRow>(
      `SELECT * FROM (
         SELECT c.residence_province AS residence, c.hukou_province AS hukou,
                sum(c.cases)::int AS total,
                coalesce(sum(c.cases) FILTER (WHERE c.status NOT IN (${CLOSED})), 0)::int AS open,
                coalesce(sum(c.cases) FILTER (WHERE c.status = 'DELIVERED'), 0)::int AS delivered,
                coalesce(sum(c.cases) FILTER (WHERE c.status = 'REFUSED'), 0)::int AS refused,
                coalesce(sum(c.cases) FILTER (WHERE c.status = 'CANCELLED'), 0)::int AS cancelled
           FROM intake_stats.case_counts c
          WHERE ${scope}
          GROUP BY 1, 2) p
        WHERE p.total > 0
        ORDER BY p.total DESC, 1, 2`,
      params,
    );
  }

  private async pairsIn(
    q: Query,
    asOf: string,
    province: string | null,
    known?: PairRow[],
  ): Promise<PairStats> {
    const rows = known ?? (await this.pairRows(q, province));
    return {
      asOf,
      province,
      pairs: rows.map((r) => {
        const region = this.regions.regionOf(r.residence, r.hukou);
        return {
          residenceProvince: r.residence,
          residenceProvinceName: provinceLabel(r.residence),
          hukouProvince: r.hukou,
          hukouProvinceName: provinceLabel(r.hukou),
          region: region.id,
          regionName: region.name,
          total: r.total,
          open: r.open,
          delivered: r.delivered,
          refused: r.refused,
          cancelled: r.cancelled,
        };
      }),
    };
  }

  private async regionsIn(
    q: Query,
    asOf: string,
    province: string | null,
    known?: PairRow[],
  ): Promise<RegionStats> {
    const rows = known ?? (await this.pairRows(q, province));
    const counts = new Map(
      this.regions.all().map((r) => [r.id, { ...r, total: 0, open: 0, delivered: 0 }]),
    );
    for (const row of rows) {
      const entry = counts.get(this.regions.regionOf(row.residence, row.hukou).id)!;
      entry.total += row.total;
      entry.open += row.open;
      entry.delivered += row.delivered;
    }
    return {
      asOf,
      province,
      schedule: this.scheduleRevision,
      regions: [...counts.values()].map((r) => ({
        region: r.id,
        name: r.name,
        provinces: r.provinces,
        total: r.total,
        open: r.open,
        delivered: r.delivered,
      })),
    };
  }

  private async dailyIn(
    q: Query,
    asOf: string,
    province: string | null,
    range: { from: string; to: string },
  ): Promise<DailyStats> {
    // Days come from the per-day rollup of the asked scope (the country, or one province as
    // residence or hukou side: a case's two provinces differ, so the two never count a case twice).
    const scopes = scopesOf(province);
    const [{ before }] = await q<{ before: number }>(
      `SELECT coalesce(sum(d.cases), 0)::int AS before FROM intake_stats.daily d
        WHERE d.scope = ANY($1) AND d.measure = 'intake' AND d.day < $2::date`,
      [scopes, range.from],
    );
    const rows = await q<{ day: string; intake: number; delivered: number }>(
      `WITH days AS (
         SELECT d::date AS day FROM generate_series($2::date, $3::date, interval '1 day') AS d
       ), counts AS (
         SELECT d.day,
                sum(d.cases) FILTER (WHERE d.measure = 'intake') AS intake,
                sum(d.cases) FILTER (WHERE d.measure = 'DELIVERED') AS delivered
           FROM intake_stats.daily d
          WHERE d.scope = ANY($1) AND d.measure IN ('intake', 'DELIVERED')
            AND d.day BETWEEN $2::date AND $3::date
          GROUP BY d.day
       )
       SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(counts.intake, 0)::int AS intake,
              coalesce(counts.delivered, 0)::int AS delivered
         FROM days LEFT JOIN counts ON counts.day = days.day
        ORDER BY days.day`,
      [scopes, range.from, range.to],
    );
    // A delivered case entered DELIVERED once (it is final): its first entry is its hand-over.
    let running = before;
    const days = rows.map((r) => {
      running += r.intake;
      return { date: r.day, intake: r.intake, cumulative: running, delivered: r.delivered };
    });
    return {
      asOf,
      province,
      from: range.from,
      to: range.to,
      before,
      cumulativeTotal: running,
      days,
    };
  }

  private async stageTimesIn(
    q: Query,
    asOf: string,
    province: string | null,
  ): Promise<StageTimeStats> {
    const params: unknown[] = [];
    const scope = provinceCondition(province, params);
    // Completed stays by length bucket (maintained with every transition). A stay in a status
    // starts with the timeline row that entered it and ends with the next row that changed the
    // status; self-loops (timers, remakes) neither start nor end a stay.
    const histogram = await q<{ status: string; seconds: number; stays: number }>(
      `SELECT h.status, h.seconds, sum(h.stays)::int AS stays
         FROM intake_stats.stay_histogram h
        WHERE ${province === null ? `h.scope = ''` : `h.scope IN ('R' || $1, 'H' || $1)`}
        GROUP BY h.status, h.seconds
        ORDER BY h.status, h.seconds`,
      province === null ? [] : [province],
    );
    const completed = histogram.reduce((n, r) => n + r.stays, 0);
    const percentiles =
      completed <= this.exactStayLimit
        ? await this.exactPercentiles(q, province)
        : histogramPercentiles(histogram);
    const current = await q<{ status: string; current: number; oldest_current_s: number | null }>(
      `SELECT c.status, count(*)::int AS current,
              max(extract(epoch FROM now() - c.entered_at)::float8) AS oldest_current_s
         FROM intake_stats.open_stays c
        WHERE ${scope}
        GROUP BY c.status`,
      params,
    );
    const byStatus = new Map(current.map((r) => [r.status, r]));
    const completedBy = new Map<string, number>();
    for (const r of histogram)
      completedBy.set(r.status, (completedBy.get(r.status) ?? 0) + r.stays);
    return {
      asOf,
      province,
      percentiles: completed <= this.exactStayLimit ? 'exact' : 'histogram',
      stages: CASE_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s)).map((status) => {
        const r = byStatus.get(status);
        const p = percentiles.get(status);
        return {
          status,
          zh: STATUS_INFO[status].zh,
          completed: completedBy.get(status) ?? 0,
          medianSeconds: seconds(p?.median),
          p90Seconds: seconds(p?.p90),
          current: r?.current ?? 0,
          oldestCurrentSeconds: seconds(r?.oldest_current_s),
        };
      }),
    };
  }

  /** percentile_cont over every completed stay (small deployments: a few thousand stays). */
  private async exactPercentiles(q: Query, province: string | null): Promise<Percentiles> {
    const params: unknown[] = [];
    const scope = provinceCondition(province, params);
    const rows = await q<{ status: string; median_s: number | null; p90_s: number | null }>(
      `SELECT c.status,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds) AS median_s,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds) AS p90_s
         FROM intake_stats.completed_stays c
        WHERE ${scope}
        GROUP BY c.status`,
      params,
    );
    return new Map(rows.map((r) => [r.status, { median: r.median_s, p90: r.p90_s }]));
  }

  private async breachesIn(
    q: Query,
    asOf: string,
    province: string | null,
    listLimit: number,
  ): Promise<BreachStats> {
    const params: unknown[] = [];
    const scope = provinceCondition(province, params);
    // "Breached" = passed now, or flagged by the case's timer. A flag stays on a case for good, so
    // the flagged cases are counted by intake's counters (scope rows, measure 'flagged'); the
    // counts of cases past a deadline walk partial indexes of open cases, never the whole table.
    const count = async (where: string) =>
      (
        await q<{ n: number }>(
          `SELECT count(*)::int AS n FROM intake_stats.cases c WHERE ${where} AND ${scope}`,
          params,
        )
      )[0].n;
    const flags = await q<{ flag: string; n: number }>(
      `SELECT c.status AS flag, sum(c.cases)::int AS n FROM intake_stats.scope_counts c
        WHERE c.scope = ANY($1) AND c.measure = 'flagged' GROUP BY 1`,
      [scopesOf(province)],
    );
    const flagged = (flag: string) => flags.find((f) => f.flag === flag)?.n ?? 0;
    const n = {
      review_open: await count(DEADLINE_SQL.reviewPassed),
      review_open_unflagged: await count(`${DEADLINE_SQL.reviewPassed} AND NOT c.review_overdue`),
      review_flagged: flagged('review'),
      promise_count: await count(DEADLINE_SQL.promisePassed),
      statutory_open: await count(DEADLINE_SQL.statutoryPassed),
      statutory_open_unflagged: await count(
        `${DEADLINE_SQL.statutoryPassed} AND NOT c.statutory_overdue`,
      ),
      statutory_flagged: flagged('statutory'),
    };
    // Passed or flagged: the flagged ones, and those passed that are not flagged.
    const reviewCount = n.review_flagged + n.review_open_unflagged;
    const statutoryCount = n.statutory_flagged + n.statutory_open_unflagged;
    const openCases = async (passed: string, due: string) =>
      listLimit === 0
        ? []
        : (
            await q<CaseRowRaw>(
              `SELECT ${CASE_ROW_COLUMNS} FROM intake_stats.cases c
                WHERE ${passed} AND ${scope}
                ORDER BY ${due} ASC, c.id
                LIMIT ${Math.trunc(listLimit)}`,
              params,
            )
          ).map(toCaseRow);
    const deadline = (
      key: DeadlineKey,
      title: string,
      counts: { count: number; open: number; flagged: number },
      cases: DeadlineBreach['cases'],
    ): DeadlineBreach => ({ deadline: key, title, ...counts, cases });
    return {
      asOf,
      province,
      deadlines: [
        deadline(
          'review',
          '5-day hukou review (审核 5 日)',
          { count: reviewCount, open: n.review_open, flagged: n.review_flagged },
          await openCases(DEADLINE_SQL.reviewPassed, 'c.review_due_at'),
        ),
        deadline(
          'promise',
          '20-working-day promise (20 个工作日)',
          { count: n.promise_count, open: n.promise_count, flagged: 0 },
          await openCases(DEADLINE_SQL.promisePassed, 'c.promise_due_at'),
        ),
        deadline(
          'statutory',
          '60-day statutory limit (法定 60 日)',
          { count: statutoryCount, open: n.statutory_open, flagged: n.statutory_flagged },
          await openCases(DEADLINE_SQL.statutoryPassed, 'c.statutory_due_at'),
        ),
      ],
    };
  }
}

type Percentiles = Map<string, { median: number | null; p90: number | null }>;

/**
 * percentile_cont (linear interpolation between the closest ranks) read from a histogram whose
 * buckets are 1 % wide: each rank takes the middle of its bucket, so a figure is within 0.5 % of
 * the exact one. `rows` are ordered by status, then seconds.
 */
export function histogramPercentiles(
  rows: { status: string; seconds: number; stays: number }[],
): Percentiles {
  const byStatus = new Map<string, { seconds: number; stays: number }[]>();
  for (const r of rows) {
    const list = byStatus.get(r.status) ?? [];
    list.push({ seconds: Number(r.seconds), stays: Number(r.stays) });
    byStatus.set(r.status, list);
  }
  const out: Percentiles = new Map();
  for (const [status, buckets] of byStatus) {
    const total = buckets.reduce((n, b) => n + b.stays, 0);
    const valueAt = (rank: number) => {
      let seen = 0;
      for (const b of buckets) {
        seen += b.stays;
        if (rank < seen) return b.seconds;
      }
      return buckets[buckets.length - 1].seconds;
    };
    const at = (p: number) => {
      if (!total) return null;
      const pos = p * (total - 1);
      const lo = valueAt(Math.floor(pos));
      const hi = valueAt(Math.ceil(pos));
      return lo + (hi - lo) * (pos - Math.floor(pos));
    };
    out.set(status, { median: at(0.5), p90: at(0.9) });
  }
  return out;
}

/** The rollup scopes of an answer: the country (''), or a province as residence or hukou side. */
function scopesOf(province: string | null): string[] {
  return province === null ? [''] : [`R${province}`, `H${province}`];
}

async function snapshotTime(q: Query): Promise<string> {
  const [{ now }] = await q<{ now: Date }>('SELECT now() AS now');
  return new Date(now).toISOString();
}

function seconds(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return Math.round(Number(value) * 1000) / 1000;
}

/** The daily range: defaults to the 30 days up to today (Asia/Shanghai); at most 1000 days. */
export function resolveRange(range: DailyRange): { from: string; to: string } {
  const to = range.to ?? (range.from ? maxDate(range.from) : todayInChina());
  parseIsoDate(to, 'to');
  const from = range.from ?? addDays(to, -(DEFAULT_DAILY_SPAN_DAYS - 1));
  parseIsoDate(from, 'from');
  const span = daysBetween(from, to) + 1;
  if (span < 1 || span > MAX_DAILY_SPAN_DAYS) {
    const message =
      span < 1
        ? `from (${from}) must not be after to (${to})`
        : `from..to covers ${span} days; at most ${MAX_DAILY_SPAN_DAYS}`;
    throw new BadRequestException({
      error: 'Bad Request',
      message,
      details: [{ field: span < 1 ? 'from' : 'to', rule: 'date.range', message }],
    });
  }
  return { from, to };
}

/** With only `from`: up to today, or the longest span allowed if today is further away. */
function maxDate(from: string): string {
  parseIsoDate(from, 'from');
  const today = todayInChina();
  return daysBetween(from, today) + 1 > MAX_DAILY_SPAN_DAYS
    ? addDays(from, MAX_DAILY_SPAN_DAYS - 1)
    : today;
}
