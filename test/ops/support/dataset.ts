import { CaseStatus } from '@app/workflow';
import { CaseFactory, DAY, HOUR, pathOf, Step, WrittenCase } from './fixtures';

const S = CaseStatus;

/**
 * A known set of cases: closed ones taken in around July 2022 (the seeds' "截至2022年7月底"), with
 * varied stage durations, a supplement round, a postal delivery and timer self-loops; and open ones
 * taken in recently, each on one side of a deadline or of RESEND_AFTER_MS (15 minutes here).
 */
export const HISTORY: [string, string, string, 'DELIVERED' | 'REFUSED' | 'CANCELLED'][] = [
  ['2022-06-30', '31', '34', 'DELIVERED'],
  ['2022-06-30', '11', '13', 'DELIVERED'],
  ['2022-07-01', '31', '34', 'DELIVERED'],
  ['2022-07-01', '31', '34', 'REFUSED'],
  ['2022-07-01', '35', '36', 'DELIVERED'],
  ['2022-07-02', '44', '43', 'CANCELLED'],
  ['2022-07-15', '50', '51', 'DELIVERED'],
  ['2022-07-15', '31', '11', 'DELIVERED'],
  ['2022-07-15', '37', '41', 'DELIVERED'],
  ['2022-07-15', '33', '32', 'DELIVERED'],
  ['2022-07-31', '32', '31', 'DELIVERED'],
  ['2022-07-31', '12', '11', 'REFUSED'],
  ['2022-08-01', '34', '33', 'DELIVERED'],
];

export const RESEND_AFTER_MS = 15 * 60_000;

function historicalPath(i: number, start: Date, outcome: string): Step[] {
  const review = (1 + (i % 4)) * DAY + i * HOUR;
  if (outcome === 'REFUSED')
    return pathOf(start, [S.ACCEPTED, S.UNDER_REVIEW, S.REFUSED], [0, review]);
  if (outcome === 'CANCELLED')
    return pathOf(start, [S.ACCEPTED, S.UNDER_REVIEW, S.CANCELLED], [0, review]);
  const supplement = i === 4;
  const postal = i === 6;
  const statuses = [
    S.ACCEPTED,
    S.UNDER_REVIEW,
    ...(supplement ? [S.SUPPLEMENT_REQUIRED, S.UNDER_REVIEW] : []),
    S.APPROVED,
    S.IN_PRODUCTION,
    S.PRODUCED,
    S.DISPATCHED,
    ...(postal ? [] : [S.READY_FOR_PICKUP]),
    S.DELIVERED,
  ];
  const gaps = [
    0,
    review,
    ...(supplement ? [2 * DAY + 5 * HOUR, 7 * HOUR] : []),
    ((i % 3) + 1) * HOUR,
    (2 + (i % 5)) * DAY,
    (i + 1) * 30 * 60_000,
    (1 + (i % 2)) * DAY,
    ...(postal ? [] : [(3 + i) * HOUR]),
  ];
  return pathOf(start, statuses, gaps);
}

export async function writeHistory(f: CaseFactory): Promise<WrittenCase[]> {
  const out: WrittenCase[] = [];
  for (const [i, [date, residence, hukou, outcome]] of HISTORY.entries()) {
    const start = new Date(`${date}T10:00:00+08:00`);
    const path = historicalPath(i, start, outcome);
    const at = (k: number, ms: number) => new Date(path[k].at.getTime() + ms);
    const selfLoops: Step[] = [];
    // A review timer that fired mid-review, and a failed quality check (remake): neither ends a stay.
    if (i === 0) selfLoops.push({ status: S.UNDER_REVIEW, at: at(1, HOUR) });
    if (i === 2) selfLoops.push({ status: S.IN_PRODUCTION, at: at(3, 3 * HOUR) });
    out.push(await f.write({ residence, hukou, path, selfLoops }));
  }
  return out;
}

export async function writeCurrent(f: CaseFactory, now: number): Promise<WrittenCase[]> {
  const ago = (ms: number) => new Date(now - ms);
  const ahead = (ms: number) => new Date(now + ms);
  const future = { promiseDueAt: ahead(20 * DAY), statutoryDueAt: ahead(50 * DAY) };
  return [
    // 0: waiting on the hukou review past its 5 days, request unanswered for 2 hours
    await f.write({
      residence: '31',
      hukou: '34',
      path: pathOf(ago(6 * DAY), [S.ACCEPTED, S.UNDER_REVIEW], [0]),
      reviewDueAt: ago(DAY),
      ...future,
      pendingCommand: 'review.requested',
      lastSentAt: ago(2 * HOUR),
      resendCount: 3,
    }),
    // 1: supplement asked for, review deadline passed
    await f.write({
      residence: '11',
      hukou: '12',
      path: pathOf(ago(8 * DAY), [S.ACCEPTED, S.UNDER_REVIEW, S.SUPPLEMENT_REQUIRED], [0, DAY]),
      reviewDueAt: ago(3 * DAY),
      promiseDueAt: ahead(10 * DAY),
      statutoryDueAt: ahead(50 * DAY),
    }),
    // 2: approved late (review timer flagged it), promise passed, production order just sent
    await f.write({
      residence: '33',
      hukou: '31',
      path: pathOf(ago(30 * DAY), [S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED], [0, 10 * DAY]),
      reviewOverdue: true,
      reviewDueAt: ago(25 * DAY),
      promiseDueAt: ago(2 * DAY),
      statutoryDueAt: ahead(30 * DAY),
      pendingCommand: 'production.ordered',
      lastSentAt: ago(60_000),
    }),
    // 3: in production past the promise and the statutory limit (timer flagged it)
    await f.write({
      residence: '44',
      hukou: '43',
      path: pathOf(
        ago(70 * DAY),
        [S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED, S.IN_PRODUCTION],
        [0, 3 * DAY, HOUR],
      ),
      reviewDueAt: ago(65 * DAY),
      promiseDueAt: ago(40 * DAY),
      statutoryDueAt: ago(10 * DAY),
      statutoryOverdue: true,
    }),
    // 4: fresh, nothing late
    await f.write({
      residence: '50',
      hukou: '52',
      path: pathOf(ago(DAY), [S.ACCEPTED, S.UNDER_REVIEW], [0]),
      reviewDueAt: ahead(4 * DAY),
      ...future,
      pendingCommand: 'review.requested',
      lastSentAt: ago(60_000),
    }),
    // 5: delivered, but after the statutory limit (flagged, not open)
    await f.write({
      residence: '31',
      hukou: '33',
      path: pathOf(
        ago(65 * DAY),
        [
          S.ACCEPTED,
          S.UNDER_REVIEW,
          S.APPROVED,
          S.IN_PRODUCTION,
          S.PRODUCED,
          S.DISPATCHED,
          S.READY_FOR_PICKUP,
          S.DELIVERED,
        ],
        [0, 2 * DAY, HOUR, 50 * DAY, HOUR, DAY, 2 * DAY],
      ),
      reviewDueAt: ago(60 * DAY),
      promiseDueAt: ago(37 * DAY),
      statutoryDueAt: ago(5 * DAY),
      statutoryOverdue: true,
    }),
    // 6: produced, delivery order unanswered for 30 minutes
    await f.write({
      residence: '35',
      hukou: '36',
      path: pathOf(
        ago(5 * DAY),
        [S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED, S.IN_PRODUCTION, S.PRODUCED],
        [0, DAY, HOUR, 2 * DAY],
      ),
      reviewDueAt: ago(0.5 * DAY),
      ...future,
      pendingCommand: 'delivery.ordered',
      lastSentAt: ago(30 * 60_000),
      resendCount: 1,
    }),
    // 7: at the window, promise passed yesterday
    await f.write({
      residence: '36',
      hukou: '35',
      path: pathOf(
        ago(29 * DAY),
        [
          S.ACCEPTED,
          S.UNDER_REVIEW,
          S.APPROVED,
          S.IN_PRODUCTION,
          S.PRODUCED,
          S.DISPATCHED,
          S.READY_FOR_PICKUP,
        ],
        [0, 4 * DAY, HOUR, 5 * DAY, HOUR, DAY],
      ),
      reviewDueAt: ago(24 * DAY),
      promiseDueAt: ago(DAY),
      statutoryDueAt: ahead(31 * DAY),
    }),
  ];
}

/** The whole known dataset (past and current cases), as the stats and stuck-case specs read it. */
export async function writeDataset(
  f: CaseFactory,
  now: number = Date.now(),
): Promise<{ cases: WrittenCase[]; now: number }> {
  return { cases: [...(await writeHistory(f)), ...(await writeCurrent(f, now))], now };
}
