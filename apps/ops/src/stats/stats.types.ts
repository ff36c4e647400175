import type { CaseRow } from '../cases/case-sql';

/** Every answer says when it was computed and for which provinces (null = the whole country). */
export interface Scoped {
  asOf: string;
  province: string | null;
}

export interface StatusCount {
  status: string;
  zh: string;
  /** Cases now in this status. */
  count: number;
  /** Cases that ever entered this status (timeline). */
  reached: number;
}

export interface ServiceCount {
  /** The kind of case: `idcard` (first ID card) or `newborn` (newborn registration). */
  service: string;
  description: string;
  total: number;
  open: number;
  delivered: number;
  refused: number;
  cancelled: number;
}

export interface StatusStats extends Scoped {
  total: number;
  open: number;
  statuses: StatusCount[];
  /** Cases per service (kind of case): both workflows of the engine. */
  services: ServiceCount[];
  /**
   * The main path a case takes, with how many cases reached each step (timeline): the case
   * funnel. Postal deliveries skip READY_FOR_PICKUP, so that step is not part of it.
   */
  funnel: { status: string; zh: string; reached: number }[];
}

export interface PairCount {
  residenceProvince: string;
  residenceProvinceName: string;
  hukouProvince: string;
  hukouProvinceName: string;
  region: string;
  regionName: string;
  total: number;
  open: number;
  delivered: number;
  refused: number;
  cancelled: number;
}

export interface PairStats extends Scoped {
  pairs: PairCount[];
}

export interface RegionCount {
  region: string;
  name: string;
  provinces: string[];
  total: number;
  open: number;
  delivered: number;
}

export interface RegionStats extends Scoped {
  /** Revision of the pilot schedule the regions come from. */
  schedule: string;
  regions: RegionCount[];
}

export interface DayCount {
  date: string;
  /** Cases taken in on this day (intake date, Asia/Shanghai). */
  intake: number;
  /** Cases taken in up to and including this day, since the first case. */
  cumulative: number;
  /** Cards handed over on this day (timeline, DELIVERED, Asia/Shanghai). */
  delivered: number;
}

export interface DailyStats extends Scoped {
  from: string;
  to: string;
  /** Cases taken in before `from` (the cumulative series starts from it). */
  before: number;
  /** Cases taken in up to and including `to`: "截至 <to> 累计办理 N 件". */
  cumulativeTotal: number;
  days: DayCount[];
}

export interface StageTime {
  status: string;
  zh: string;
  /** Stays that ended (the case moved on), the ones the percentiles describe. */
  completed: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  /** Cases in this status now, and the longest of their stays so far. */
  current: number;
  oldestCurrentSeconds: number | null;
}

export interface StageTimeStats extends Scoped {
  /**
   * How the medians and p90s were computed: `exact` (percentile_cont over every completed stay,
   * up to 20,000 stays) or `histogram` (from 1 %-wide buckets kept with every transition: each
   * figure within 0.5 % of the exact one).
   */
  percentiles: 'exact' | 'histogram';
  stages: StageTime[];
}

export type DeadlineKey = 'review' | 'promise' | 'statutory';

export interface DeadlineBreach {
  deadline: DeadlineKey;
  title: string;
  /** Cases that breached it: still open past it, or flagged by the case's own timer. */
  count: number;
  /** Of these, cases still waiting past it now. */
  open: number;
  /** Of these, cases whose timer recorded the breach (review_overdue / statutory_overdue). */
  flagged: number;
  /** The open ones, most overdue first (at most `limit`). */
  cases: CaseRow[];
}

export interface BreachStats extends Scoped {
  deadlines: DeadlineBreach[];
}

export interface Overview extends Scoped {
  statuses: StatusStats;
  pairs: PairStats;
  regions: RegionStats;
  daily: DailyStats;
  stageTimes: StageTimeStats;
  breaches: BreachStats;
}
