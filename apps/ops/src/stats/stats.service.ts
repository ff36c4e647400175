import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addDays, daysBetween, loadPilotSchedule, parseIsoDate, todayInChina } from '@app/domain';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { CASE_STATUSES, CaseStatus, STATUS_INFO, TERMINAL_STATUSES } from '@app/workflow';
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
    const params: unknown[] = [];
    const scope = provinceCondition(province, params);
    const current = await q<{ status: string; n: number }>(
      `SELECT c.status, count(*)::int AS n FROM intake.cases c WHERE ${scope} GROUP BY c.status`,
      params,
    );
    const reached = await q<{ status: string; n: number }>(
      `SELECT t.to_status AS status, count(DISTINCT t.case_id)::int AS n
         FROM intake.case_timeline t JOIN intake.cases c ON c.id = t.case_id
        WHERE ${scope}
        GROUP BY t.to_status`,
      params,
    );
    const now = new Map(current.map((r) => [r.status, r.n]));
    const ever = new Map(reached.map((r) => [r.status, r.n]));
    const total = current.reduce((sum, r) => sum + r.n, 0);
    const open = current
      .filter((r) => !TERMINAL_STATUSES.includes(r.status as CaseStatus))
      .reduce((sum, r) => sum + r.n, 0);
    return {
      asOf,
      province,
      total,
      open,
      statuses: CASE_STATUSES.map((status) => ({
        status,
        zh: STATUS_INFO[status].zh,
        count: now.get(status) ?? 0,
        reached: ever.get(status) ?? 0,
      })),
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
      `SELECT c.residence_province AS residence, c.hukou_province AS hukou,
              count(*)::int AS total,
              count(*) FILTER (WHERE c.status NOT IN (${CLOSED}))::int AS open,
              count(*) FILTER (WHERE c.status = 'DELIVERED')::int AS delivered,
              count(*) FILTER (WHERE c.status = 'REFUSED')::int AS refused,
              count(*) FILTER (WHERE c.status = 'CANCELLED')::int AS cancelled
         FROM intake.cases c
        WHERE ${scope}
        GROUP BY 1, 2
        ORDER BY total DESC, 1, 2`,
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
    const params: unknown[] = [range.from, range.to];
    const scope = provinceCondition(province, params);
    const beforeParams: unknown[] = [range.from];
    const beforeScope = provinceCondition(province, beforeParams);
    const [{ before }] = await q<{ before: number }>(
      `SELECT count(*)::int AS before FROM intake.cases c
        WHERE c.intake_date < $1::date AND ${beforeScope}`,
      beforeParams,
    );
    const intake = await q<{ day: string; n: number }>(
      `WITH days AS (
         SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS d
       ), counts AS (
         SELECT c.intake_date AS day, count(*)::int AS n
           FROM intake.cases c
          WHERE c.intake_date BETWEEN $1::date AND $2::date AND ${scope}
          GROUP BY c.intake_date
       )
       SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(counts.n, 0)::int AS n
         FROM days LEFT JOIN counts ON counts.day = days.day
        ORDER BY days.day`,
      params,
    );
    const delivered = await q<{ day: string; n: number }>(
      `SELECT to_char((t.at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD') AS day,
              count(DISTINCT t.case_id)::int AS n
         FROM intake.case_timeline t JOIN intake.cases c ON c.id = t.case_id
        WHERE t.to_status = 'DELIVERED' AND t.from_status IS DISTINCT FROM 'DELIVERED'
          AND (t.at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1::date AND $2::date
          AND ${scope}
        GROUP BY 1`,
      params,
    );
    const deliveredOn = new Map(delivered.map((r) => [r.day, r.n]));
    let running = before;
    const days = intake.map((r) => {
      running += r.n;
      return {
        date: r.day,
        intake: r.n,
        cumulative: running,
        delivered: deliveredOn.get(r.day) ?? 0,
      };
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
    // A stay in a status starts with the timeline row that entered it and ends with the next row
    // that changed the status; self-loops (timers, remakes) neither start nor end a stay.
    const rows = await q<{
      status: string;
      completed: number;
      current: number;
      median_s: number | null;
      p90_s: number | null;
      oldest_current_s: number | null;
    }>(
      `WITH moves AS (
         SELECT t.case_id, t.id, t.at, t.to_status,
                lag(t.to_status) OVER (PARTITION BY t.case_id ORDER BY t.at, t.id) AS previous
           FROM intake.case_timeline t JOIN intake.cases c ON c.id = t.case_id
          WHERE ${scope}
       ), stays AS (
         SELECT to_status AS status, at AS entered_at,
                lead(at) OVER (PARTITION BY case_id ORDER BY at, id) AS left_at
           FROM moves
          WHERE previous IS DISTINCT FROM to_status
       )
       SELECT status,
              count(left_at)::int AS completed,
              (count(*) - count(left_at))::int AS current,
              percentile_cont(0.5) WITHIN GROUP
                (ORDER BY extract(epoch FROM left_at - entered_at)::float8)
                FILTER (WHERE left_at IS NOT NULL) AS median_s,
              percentile_cont(0.9) WITHIN GROUP
                (ORDER BY extract(epoch FROM left_at - entered_at)::float8)
                FILTER (WHERE left_at IS NOT NULL) AS p90_s,
              max(extract(epoch FROM now() - entered_at)::float8)
                FILTER (WHERE left_at IS NULL) AS oldest_current_s
         FROM stays
        GROUP BY status`,
      params,
    );
    const byStatus = new Map(rows.map((r) => [r.status, r]));
    return {
      asOf,
      province,
      stages: CASE_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s)).map((status) => {
        const r = byStatus.get(status);
        return {
          status,
          zh: STATUS_INFO[status].zh,
          completed: r?.completed ?? 0,
          medianSeconds: seconds(r?.median_s),
          p90Seconds: seconds(r?.p90_s),
          current: r?.current ?? 0,
          oldestCurrentSeconds: seconds(r?.oldest_current_s),
        };
      }),
    };
  }

  private async breachesIn(
    q: Query,
    asOf: string,
    province: string | null,
    listLimit: number,
  ): Promise<BreachStats> {
    const params: unknown[] = [];
    const scope = provinceCondition(province, params);
    const [n] = await q<Record<string, number>>(
      `SELECT
         count(*) FILTER (WHERE ${DEADLINE_SQL.reviewBreached})::int AS review_count,
         count(*) FILTER (WHERE ${DEADLINE_SQL.reviewPassed})::int AS review_open,
         count(*) FILTER (WHERE c.review_overdue)::int AS review_flagged,
         count(*) FILTER (WHERE ${DEADLINE_SQL.promisePassed})::int AS promise_count,
         count(*) FILTER (WHERE ${DEADLINE_SQL.statutoryBreached})::int AS statutory_count,
         count(*) FILTER (WHERE ${DEADLINE_SQL.statutoryPassed})::int AS statutory_open,
         count(*) FILTER (WHERE c.statutory_overdue)::int AS statutory_flagged
       FROM intake.cases c WHERE ${scope}`,
      params,
    );
    const openCases = async (passed: string, due: string) =>
      listLimit === 0
        ? []
        : (
            await q<CaseRowRaw>(
              `SELECT ${CASE_ROW_COLUMNS} FROM intake.cases c
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
          { count: n.review_count, open: n.review_open, flagged: n.review_flagged },
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
          { count: n.statutory_count, open: n.statutory_open, flagged: n.statutory_flagged },
          await openCases(DEADLINE_SQL.statutoryPassed, 'c.statutory_due_at'),
        ),
      ],
    };
  }
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
