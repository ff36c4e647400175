import { z } from 'zod';

/**
 * The statistics snapshot a province publishes to the national operations node (`stats.published`):
 * counts of the cases it holds as the residence side (a case lives in the intake of its residence
 * province only, so the national figure is the sum of every province's snapshot, with no case
 * counted twice). Counts only: no case id, receipt, name or ID number.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const isoTime = z.string().datetime({ offset: true });
const provinceCode = z.string().regex(/^\d{2}$/, 'expected a 2-digit province code');
/** A case kind (`idcard`, `newborn`, …) or a status name: short upper/lowercase words. */
const word = z.string().regex(/^[A-Za-z_]{1,40}$/, 'expected a word of letters and _');
/** A count of cases; bounded so that no province can overflow the national sums. */
const count = z.number().int().min(0).max(1_000_000_000);

/** Days of per-day counts a snapshot carries, today (China) included. */
export const STATS_WINDOW_DAYS = 35;

export const StatsCount = z.object({
  kind: word,
  /** The hukou province of the cases (the residence province is the publisher). */
  hukou: provinceCode,
  /** Current status. */
  status: word,
  cases: count,
});

export const StatsDailyCount = z.object({
  /** China day (Asia/Shanghai). */
  day: isoDate,
  kind: word,
  hukou: provinceCode,
  /** `intake`: cases taken in that day (status null); `entered`: cases that first entered `status` that day. */
  measure: z.enum(['intake', 'entered']),
  status: word.nullable(),
  cases: count,
});

export const StatsSnapshotPayload = z.object({
  /** The publishing province: the residence province of every case counted. */
  province: provinceCode,
  /**
   * Increases with every snapshot of the province (a database sequence, shared by all its intake
   * nodes): the national node keeps the snapshot with the highest one.
   */
  sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** When the counts were read (the publishing database's clock). */
  asOf: isoTime,
  /** First day of `daily` (the window is STATS_WINDOW_DAYS days up to asOf's China day). */
  windowStart: isoDate,
  /** Current cases by kind, hukou province and status (rows with 0 cases left out). */
  counts: z.array(StatsCount).max(20_000),
  /** Per-day counts of the window (rows with 0 cases left out). */
  daily: z.array(StatsDailyCount).max(200_000),
});

export type StatsSnapshot = z.infer<typeof StatsSnapshotPayload>;
export type StatsCountT = z.infer<typeof StatsCount>;
export type StatsDailyCountT = z.infer<typeof StatsDailyCount>;
