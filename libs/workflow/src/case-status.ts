/**
 * The statuses of a case, as named in the public HTTP contract (DESIGN.md section 2).
 * Add, don't rename: clerk apps and the audit trail store these strings.
 */
export const CaseStatus = {
  ACCEPTED: 'ACCEPTED',
  UNDER_REVIEW: 'UNDER_REVIEW',
  SUPPLEMENT_REQUIRED: 'SUPPLEMENT_REQUIRED',
  REFUSED: 'REFUSED',
  APPROVED: 'APPROVED',
  IN_PRODUCTION: 'IN_PRODUCTION',
  PRODUCED: 'PRODUCED',
  DISPATCHED: 'DISPATCHED',
  READY_FOR_PICKUP: 'READY_FOR_PICKUP',
  DELIVERED: 'DELIVERED',
  CANCELLED: 'CANCELLED',
} as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

/** Every status, in the order of the contract (also the order used in diagrams and tables). */
export const CASE_STATUSES: readonly CaseStatus[] = Object.freeze([
  CaseStatus.ACCEPTED,
  CaseStatus.UNDER_REVIEW,
  CaseStatus.SUPPLEMENT_REQUIRED,
  CaseStatus.REFUSED,
  CaseStatus.APPROVED,
  CaseStatus.IN_PRODUCTION,
  CaseStatus.PRODUCED,
  CaseStatus.DISPATCHED,
  CaseStatus.READY_FOR_PICKUP,
  CaseStatus.DELIVERED,
  CaseStatus.CANCELLED,
]);

/** A case in one of these statuses is closed: it accepts no event. */
export const TERMINAL_STATUSES: readonly CaseStatus[] = Object.freeze([
  CaseStatus.REFUSED,
  CaseStatus.DELIVERED,
  CaseStatus.CANCELLED,
]);

const STATUS_SET: ReadonlySet<string> = new Set(CASE_STATUSES);
const TERMINAL_SET: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && STATUS_SET.has(value);
}

/** True for REFUSED, DELIVERED and CANCELLED; false for anything else (including non-statuses). */
export function isTerminal(status: CaseStatus): boolean {
  return typeof status === 'string' && TERMINAL_SET.has(status);
}

export interface StatusInfo {
  /** The Chinese term used by clerks and police notices. */
  readonly zh: string;
  readonly description: string;
}

/** Human labels for clerk apps, the ops page and docs/workflow.md. */
export const STATUS_INFO: Readonly<Record<CaseStatus, StatusInfo>> = Object.freeze({
  ACCEPTED: {
    zh: '已受理',
    description: 'Intake done at the acceptance point; the review request is about to be sent.',
  },
  UNDER_REVIEW: {
    zh: '审核中',
    description: 'Waiting for the hukou county bureau to review and decide.',
  },
  SUPPLEMENT_REQUIRED: {
    zh: '待补充材料',
    description: 'The hukou side asked for supplementary material; waiting for the applicant.',
  },
  REFUSED: {
    zh: '不予签发',
    description: 'The hukou side refused to issue; the applicant must apply at the hukou place.',
  },
  APPROVED: {
    zh: '已签发',
    description: 'The hukou side issued the card (issue decision); production not yet started.',
  },
  IN_PRODUCTION: {
    zh: '制证中',
    description: 'The residence production centre is making the card (remakes stay here).',
  },
  PRODUCED: {
    zh: '已制证',
    description: 'The card passed quality check and waits to be sent out.',
  },
  DISPATCHED: {
    zh: '已发出',
    description:
      'The card left the production centre, to the acceptance point or by post (a returned postal delivery goes back to the acceptance point).',
  },
  READY_FOR_PICKUP: {
    zh: '待领取',
    description: 'The card is at the acceptance point, waiting for the applicant or proxy.',
  },
  DELIVERED: {
    zh: '已领证',
    description: 'The card was handed over at the window or delivered by post.',
  },
  CANCELLED: {
    zh: '已撤回',
    description: 'The applicant withdrew the application before production.',
  },
});
