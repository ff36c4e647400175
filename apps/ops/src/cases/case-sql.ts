import { CaseStatus, STATUS_INFO, TERMINAL_STATUSES } from '@app/workflow';
import { provinceLabel } from '../common/scope';

/**
 * The deadline rules ops reports on, as SQL over `intake_stats.cases` (the case view intake
 * publishes for ops) aliased `c`, written once so the
 * figures, the stuck-case list and the metrics agree. `now()` is the start of the read-only
 * snapshot transaction, the same instant for every figure of one answer.
 */
const list = (statuses: readonly string[]) => statuses.map((s) => `'${s}'`).join(', ');
const CLOSED = list(TERMINAL_STATUSES);
const AWAITING_REVIEW = list([CaseStatus.UNDER_REVIEW, CaseStatus.SUPPLEMENT_REQUIRED]);

export const DEADLINE_SQL = {
  /** Not DELIVERED, REFUSED or CANCELLED. */
  open: `c.status NOT IN (${CLOSED})`,
  /** Still waiting on the hukou review (or the supplement it asked for) after review_due_at. */
  reviewPassed: `(c.status IN (${AWAITING_REVIEW}) AND now() > c.review_due_at)`,
  /** Either the above or the review timer recorded the breach (review_overdue), whatever happened since. */
  reviewBreached: `((c.status IN (${AWAITING_REVIEW}) AND now() > c.review_due_at) OR c.review_overdue)`,
  /** The 20-working-day promise passed and the case is not closed. */
  promisePassed: `(c.status NOT IN (${CLOSED}) AND now() > c.promise_due_at)`,
  /** The 60-day statutory limit passed and the case is not closed. */
  statutoryPassed: `(c.status NOT IN (${CLOSED}) AND now() > c.statutory_due_at)`,
  statutoryBreached: `((c.status NOT IN (${CLOSED}) AND now() > c.statutory_due_at) OR c.statutory_overdue)`,
  /**
   * A command sent to another party and unanswered for longer than RESEND_AFTER_MS (parameter
   * `$n`, milliseconds); a pending command that never got a send time counts from the last update.
   */
  commandStale: (param: string) =>
    `(c.pending_command IS NOT NULL AND coalesce(c.last_sent_at, c.updated_at) <= now() - (${param}::double precision * interval '1 millisecond'))`,
} as const;

/** The columns of a listed case; the ID number is masked as soon as it is read. */
export const CASE_ROW_COLUMNS = `
  c.id,
  c.status,
  c.residence_province,
  c.hukou_province,
  c.acceptance_point,
  to_char(c.intake_date, 'YYYY-MM-DD') AS intake_date,
  c.id_number_masked,
  c.review_due_at,
  c.promise_due_at,
  c.statutory_due_at,
  c.review_overdue,
  c.statutory_overdue,
  c.pending_command,
  c.last_sent_at,
  c.resend_count,
  c.last_moved_at`;

export interface CaseRowRaw {
  id: string;
  status: string;
  residence_province: string;
  hukou_province: string;
  acceptance_point: string;
  intake_date: string;
  /** Masked by intake's published view (intake_stats.cases): the full number never leaves it. */
  id_number_masked: string | null;
  review_due_at: Date;
  promise_due_at: Date;
  statutory_due_at: Date;
  review_overdue: boolean;
  statutory_overdue: boolean;
  pending_command: string | null;
  last_sent_at: Date | null;
  resend_count: number;
  last_moved_at: Date | null;
}

/** One case as ops lists it: where it stands and its deadlines, identity masked, no names. */
export interface CaseRow {
  caseId: string;
  status: string;
  statusZh: string | null;
  residenceProvince: string;
  residenceProvinceName: string;
  hukouProvince: string;
  hukouProvinceName: string;
  acceptancePoint: string;
  intakeDate: string;
  /** e.g. 330402********123X (maskCitizenId). */
  maskedIdNumber: string;
  reviewDueAt: string;
  promiseDueAt: string;
  statutoryDueAt: string;
  reviewOverdue: boolean;
  statutoryOverdue: boolean;
  pendingCommand: string | null;
  lastSentAt: string | null;
  resendCount: number;
  /** Last status change (timeline), null if the timeline has none. */
  lastMovedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toCaseRow(r: CaseRowRaw): CaseRow {
  return {
    caseId: r.id,
    status: r.status,
    statusZh: STATUS_INFO[r.status as CaseStatus]?.zh ?? null,
    residenceProvince: r.residence_province,
    residenceProvinceName: provinceLabel(r.residence_province),
    hukouProvince: r.hukou_province,
    hukouProvinceName: provinceLabel(r.hukou_province),
    acceptancePoint: r.acceptance_point,
    intakeDate: r.intake_date,
    maskedIdNumber: r.id_number_masked ?? '',
    reviewDueAt: iso(r.review_due_at)!,
    promiseDueAt: iso(r.promise_due_at)!,
    statutoryDueAt: iso(r.statutory_due_at)!,
    reviewOverdue: r.review_overdue,
    statutoryOverdue: r.statutory_overdue,
    pendingCommand: r.pending_command,
    lastSentAt: iso(r.last_sent_at),
    resendCount: Number(r.resend_count),
    lastMovedAt: iso(r.last_moved_at),
  };
}
