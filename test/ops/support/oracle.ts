import { CaseStatus } from '@app/workflow';
import type { WrittenCase } from './fixtures';

/**
 * The figures the ops API must report, computed in plain JavaScript from the cases a test wrote:
 * an independent statement of each definition in the brief, to compare the SQL against.
 */

const CLOSED: readonly string[] = ['DELIVERED', 'REFUSED', 'CANCELLED'];
const isOpen = (c: WrittenCase) => !CLOSED.includes(c.status);

/** The pilot regions as the seeds name them (京津冀, 长三角, 闽赣, 粤湘, 川渝黔). */
export const SEED_REGIONS: Record<string, string[]> = {
  jjj: ['11', '12', '13'],
  yrd: ['31', '32', '33', '34'],
  mingan: ['35', '36'],
  yuexiang: ['44', '43'],
  chuanyuqian: ['51', '50', '52'],
};

export function regionOf(residence: string, hukou: string): string {
  for (const [id, provinces] of Object.entries(SEED_REGIONS))
    if (provinces.includes(residence) && provinces.includes(hukou)) return id;
  return 'other';
}

export function inProvince(cases: WrittenCase[], province: string | null): WrittenCase[] {
  return province ? cases.filter((c) => c.residence === province || c.hukou === province) : cases;
}

export function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const item of items) m.set(key(item), (m.get(key(item)) ?? 0) + 1);
  return m;
}

export function reached(cases: WrittenCase[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of cases)
    for (const s of new Set(c.path.map((p) => p.status))) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}

/** percentile_cont: linear interpolation between the closest ranks. */
export function percentileCont(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Completed stays per status in seconds (self-loops are not in `path`, so they never split a stay). */
export function completedStays(cases: WrittenCase[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const c of cases)
    for (let i = 0; i + 1 < c.path.length; i++) {
      const s = c.path[i].status;
      m.set(s, [...(m.get(s) ?? []), (c.path[i + 1].at.getTime() - c.path[i].at.getTime()) / 1000]);
    }
  return m;
}

export function daily(cases: WrittenCase[], from: string, to: string) {
  const before = cases.filter((c) => c.intakeDate < from).length;
  const days: { date: string; intake: number; cumulative: number }[] = [];
  let running = before;
  for (let d = new Date(`${from}T00:00:00Z`); ; d = new Date(d.getTime() + 86_400_000)) {
    const date = d.toISOString().slice(0, 10);
    if (date > to) break;
    const intake = cases.filter((c) => c.intakeDate === date).length;
    running += intake;
    days.push({ date, intake, cumulative: running });
  }
  return { before, days, cumulativeTotal: running };
}

export function breaches(cases: WrittenCase[], now: number) {
  const awaitingReview = (c: WrittenCase) =>
    (c.status === CaseStatus.UNDER_REVIEW || c.status === CaseStatus.SUPPLEMENT_REQUIRED) &&
    now > c.reviewDueAt.getTime();
  const promise = (c: WrittenCase) => isOpen(c) && now > c.promiseDueAt.getTime();
  const statutory = (c: WrittenCase) => isOpen(c) && now > c.statutoryDueAt.getTime();
  const ids = (f: (c: WrittenCase) => boolean) => cases.filter(f).map((c) => c.id);
  return {
    review: {
      count: ids((c) => awaitingReview(c) || !!c.reviewOverdue),
      open: ids(awaitingReview),
      flagged: ids((c) => !!c.reviewOverdue),
    },
    promise: { count: ids(promise), open: ids(promise), flagged: [] as string[] },
    statutory: {
      count: ids((c) => statutory(c) || !!c.statutoryOverdue),
      open: ids(statutory),
      flagged: ids((c) => !!c.statutoryOverdue),
    },
  };
}

export function stuck(cases: WrittenCase[], now: number, resendAfterMs: number) {
  const result = new Map<string, string[]>();
  for (const c of cases) {
    if (!isOpen(c)) continue;
    const reasons: string[] = [];
    const lastSent = c.lastSentAt ?? c.path[c.path.length - 1].at;
    if (c.pendingCommand && lastSent.getTime() <= now - resendAfterMs)
      reasons.push('COMMAND_UNANSWERED');
    if (
      (c.status === CaseStatus.UNDER_REVIEW || c.status === CaseStatus.SUPPLEMENT_REQUIRED) &&
      now > c.reviewDueAt.getTime()
    )
      reasons.push('REVIEW_DEADLINE_PASSED');
    if (now > c.promiseDueAt.getTime()) reasons.push('PROMISE_PASSED');
    if (now > c.statutoryDueAt.getTime()) reasons.push('STATUTORY_LIMIT_PASSED');
    if (reasons.length) result.set(c.id, reasons);
  }
  return result;
}
