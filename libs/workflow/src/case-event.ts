/** Who may send an event. `system` is the case's own timers and the reconciler. */
export const Side = {
  RESIDENCE: 'residence',
  HUKOU: 'hukou',
  SYSTEM: 'system',
} as const;
export type Side = (typeof Side)[keyof typeof Side];

export const SIDES: readonly Side[] = Object.freeze([Side.RESIDENCE, Side.HUKOU, Side.SYSTEM]);

/** The events that move a case. Each is sent by exactly one side (see SIDE_OF_EVENT). */
export const CaseEventType = {
  REVIEW_REQUESTED: 'REVIEW_REQUESTED',
  REVIEW_APPROVED: 'REVIEW_APPROVED',
  REVIEW_REFUSED: 'REVIEW_REFUSED',
  SUPPLEMENT_REQUESTED: 'SUPPLEMENT_REQUESTED',
  SUPPLEMENT_SUBMITTED: 'SUPPLEMENT_SUBMITTED',
  PRODUCTION_STARTED: 'PRODUCTION_STARTED',
  PRODUCTION_FAILED: 'PRODUCTION_FAILED',
  PRODUCTION_COMPLETED: 'PRODUCTION_COMPLETED',
  DISPATCHED: 'DISPATCHED',
  ARRIVED_AT_POINT: 'ARRIVED_AT_POINT',
  DELIVERED_BY_POST: 'DELIVERED_BY_POST',
  POSTAL_RETURNED: 'POSTAL_RETURNED',
  COLLECTED: 'COLLECTED',
  CANCELLED: 'CANCELLED',
  REVIEW_DEADLINE_PASSED: 'REVIEW_DEADLINE_PASSED',
  STATUTORY_DEADLINE_PASSED: 'STATUTORY_DEADLINE_PASSED',
  PICKUP_REMINDER_DUE: 'PICKUP_REMINDER_DUE',
} as const;
export type CaseEventType = (typeof CaseEventType)[keyof typeof CaseEventType];

export const CASE_EVENT_TYPES: readonly CaseEventType[] = Object.freeze(
  Object.values(CaseEventType),
);

/** The one side allowed to send each event; any other sender gets WRONG_SIDE. */
export const SIDE_OF_EVENT: Readonly<Record<CaseEventType, Side>> = Object.freeze({
  REVIEW_REQUESTED: Side.RESIDENCE,
  REVIEW_APPROVED: Side.HUKOU,
  REVIEW_REFUSED: Side.HUKOU,
  SUPPLEMENT_REQUESTED: Side.HUKOU,
  SUPPLEMENT_SUBMITTED: Side.RESIDENCE,
  PRODUCTION_STARTED: Side.RESIDENCE,
  PRODUCTION_FAILED: Side.RESIDENCE,
  PRODUCTION_COMPLETED: Side.RESIDENCE,
  DISPATCHED: Side.RESIDENCE,
  ARRIVED_AT_POINT: Side.RESIDENCE,
  DELIVERED_BY_POST: Side.RESIDENCE,
  POSTAL_RETURNED: Side.RESIDENCE,
  COLLECTED: Side.RESIDENCE,
  CANCELLED: Side.RESIDENCE,
  REVIEW_DEADLINE_PASSED: Side.SYSTEM,
  STATUTORY_DEADLINE_PASSED: Side.SYSTEM,
  PICKUP_REMINDER_DUE: Side.SYSTEM,
});

export interface EventInfo {
  /** Who sends it in practice (the service or actor behind the side). */
  readonly sentBy: string;
  readonly description: string;
  /**
   * Why the event is refused in a status that has no transition for it; ends the
   * ILLEGAL_TRANSITION message ("cannot CANCELLED from IN_PRODUCTION: <this>").
   */
  readonly onlyWhen: string;
}

export const EVENT_INFO: Readonly<Record<CaseEventType, EventInfo>> = Object.freeze({
  REVIEW_REQUESTED: {
    sentBy: 'intake orchestrator, in the transaction that puts the review request in the outbox',
    description: 'The review request to the hukou province is committed for sending.',
    onlyWhen: 'a review is requested only once, right after intake',
  },
  REVIEW_APPROVED: {
    sentBy: 'verification (hukou county bureau)',
    description: 'Issue decision (签发).',
    onlyWhen: 'only a case under review can be approved',
  },
  REVIEW_REFUSED: {
    sentBy: 'verification (hukou county bureau)',
    description: 'Refusal to issue (不予签发), with reason.',
    onlyWhen: 'only a case under review can be refused',
  },
  SUPPLEMENT_REQUESTED: {
    sentBy: 'verification (hukou county bureau)',
    description: 'The reviewer asks for supplementary material.',
    onlyWhen: 'supplementary material can be requested only during review',
  },
  SUPPLEMENT_SUBMITTED: {
    sentBy: 'intake (clerk, POST /applications/:id/supplements)',
    description: 'The applicant added the requested material; the case goes back to review.',
    onlyWhen: 'material can be supplemented only after the hukou side asked for it',
  },
  PRODUCTION_STARTED: {
    sentBy: 'production centre',
    description: 'The production centre accepted the order and started the card.',
    onlyWhen: 'production starts once, after the issue decision',
  },
  PRODUCTION_FAILED: {
    sentBy: 'production centre',
    description: 'The card failed quality check; it is remade.',
    onlyWhen: 'only a card in production can fail quality check',
  },
  PRODUCTION_COMPLETED: {
    sentBy: 'production centre',
    description: 'The card passed quality check.',
    onlyWhen: 'only a card in production can be completed',
  },
  DISPATCHED: {
    sentBy: 'delivery',
    description: 'The card left the production centre (to the acceptance point or by post).',
    onlyWhen: 'only a produced card can be dispatched',
  },
  ARRIVED_AT_POINT: {
    sentBy: 'delivery (POST /deliveries/:caseId/arrived)',
    description: 'The card arrived at the acceptance point.',
    onlyWhen: 'only a dispatched card can arrive at the acceptance point',
  },
  DELIVERED_BY_POST: {
    sentBy: 'delivery (postal carrier confirmation)',
    description: 'The card was delivered to the applicant by post.',
    onlyWhen: 'only a dispatched card can be delivered by post',
  },
  POSTAL_RETURNED: {
    sentBy: 'delivery (postal carrier)',
    description:
      'Postal delivery failed; the card goes back to the acceptance point for window pickup.',
    onlyWhen: 'only a dispatched card can come back from the post',
  },
  COLLECTED: {
    sentBy: 'delivery (POST /deliveries/:caseId/collected, receipt checked)',
    description: 'The applicant or proxy collected the card at the window.',
    onlyWhen: 'a card can be collected only when it is ready for pickup',
  },
  CANCELLED: {
    sentBy: 'intake (clerk, POST /applications/:id/cancel)',
    description: 'The applicant withdrew the application.',
    onlyWhen: 'a case can be withdrawn only before production',
  },
  REVIEW_DEADLINE_PASSED: {
    sentBy: 'review-deadline timer / reconciler',
    description: 'The hukou review target (5 days) passed: flag overdue and re-send the request.',
    onlyWhen: 'the review deadline matters only while the case is under review',
  },
  STATUTORY_DEADLINE_PASSED: {
    sentBy: 'statutory-limit timer',
    description: 'The statutory time limit passed before the card was issued and delivered.',
    onlyWhen: 'the statutory limit matters only for an open case',
  },
  PICKUP_REMINDER_DUE: {
    sentBy: 'uncollected-card timer',
    description: 'The card has waited at the window: remind the applicant.',
    onlyWhen: 'a pickup reminder makes sense only while the card waits at the window',
  },
});

/**
 * An event offered to the machine. `side` is who sent it, as established by the caller
 * (signature, queue, authenticated clerk), not looked up from SIDE_OF_EVENT.
 * Other fields are carried for the caller's audit trail and ignored by the machine.
 */
export interface CaseEvent {
  readonly type: CaseEventType;
  readonly side: Side;
  /** Refusal reason, supplement request, cancellation reason... (not interpreted here). */
  readonly reason?: string;
}

const EVENT_SET: ReadonlySet<string> = new Set(CASE_EVENT_TYPES);
const SIDE_SET: ReadonlySet<string> = new Set(SIDES);

export function isCaseEventType(value: unknown): value is CaseEventType {
  return typeof value === 'string' && EVENT_SET.has(value);
}

export function isSide(value: unknown): value is Side {
  return typeof value === 'string' && SIDE_SET.has(value);
}
