import { CaseEventType, SIDE_OF_EVENT, Side } from './case-event';
import { CASE_STATUSES, CaseStatus, isTerminal } from './case-status';
import { CaseEffect } from './effects';
import {
  DELIVERY_TARGET_IS_WINDOW,
  Guard,
  POSTAL_DELIVERY_OPEN,
  PRODUCTION_ATTEMPTS_REMAINING,
} from './guards';

/** One edge of the machine. TRANSITIONS is the whole machine; nothing else decides. */
export interface CaseTransition {
  readonly from: CaseStatus;
  readonly event: CaseEventType;
  readonly to: CaseStatus;
  /** Who may send `event` (always SIDE_OF_EVENT[event]). */
  readonly side: Side;
  readonly guard?: Guard;
  readonly description: string;
  readonly effects?: readonly CaseEffect[];
}

interface EdgeSpec {
  readonly guard?: Guard;
  readonly effects?: readonly CaseEffect[];
}

function edge(
  from: CaseStatus,
  event: CaseEventType,
  to: CaseStatus,
  description: string,
  spec: EdgeSpec = {},
): CaseTransition {
  const t: CaseTransition = {
    from,
    event,
    to,
    side: SIDE_OF_EVENT[event],
    description,
    ...(spec.guard ? { guard: spec.guard } : {}),
    ...(spec.effects ? { effects: Object.freeze([...spec.effects]) } : {}),
  };
  return Object.freeze(t);
}

const S = CaseStatus;
const E = CaseEventType;

/** Statuses a case can be withdrawn from ("withdraw before production"). */
export const CANCELLABLE_STATUSES: readonly CaseStatus[] = Object.freeze([
  S.ACCEPTED,
  S.UNDER_REVIEW,
  S.SUPPLEMENT_REQUIRED,
  S.APPROVED,
]);

export const TRANSITIONS: readonly CaseTransition[] = Object.freeze([
  // Review and issue (hukou side decides; residence asks and resubmits).
  edge(
    S.ACCEPTED,
    E.REVIEW_REQUESTED,
    S.UNDER_REVIEW,
    'review request to the hukou province committed to the outbox',
  ),
  edge(S.UNDER_REVIEW, E.REVIEW_APPROVED, S.APPROVED, 'hukou county bureau issued the card (签发)'),
  edge(
    S.UNDER_REVIEW,
    E.REVIEW_REFUSED,
    S.REFUSED,
    'hukou county bureau refused to issue (不予签发); the applicant must apply at the hukou place',
  ),
  edge(
    S.UNDER_REVIEW,
    E.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENT_REQUIRED,
    'hukou reviewer asked for supplementary material',
  ),
  edge(
    S.SUPPLEMENT_REQUIRED,
    E.SUPPLEMENT_SUBMITTED,
    S.UNDER_REVIEW,
    'applicant supplied the material; the review request is sent again',
  ),
  edge(
    S.UNDER_REVIEW,
    E.REVIEW_DEADLINE_PASSED,
    S.UNDER_REVIEW,
    'review target passed: flag overdue and re-send the review request',
    { effects: [CaseEffect.FLAG_REVIEW_OVERDUE, CaseEffect.RESEND_REVIEW_REQUEST] },
  ),
  // Production (residence production centre).
  edge(
    S.APPROVED,
    E.PRODUCTION_STARTED,
    S.IN_PRODUCTION,
    'production centre started the card (attempt 1)',
    { effects: [CaseEffect.INCREMENT_PRODUCTION_ATTEMPTS] },
  ),
  edge(
    S.IN_PRODUCTION,
    E.PRODUCTION_FAILED,
    S.IN_PRODUCTION,
    'card failed quality check and is remade (next attempt)',
    { guard: PRODUCTION_ATTEMPTS_REMAINING, effects: [CaseEffect.INCREMENT_PRODUCTION_ATTEMPTS] },
  ),
  edge(S.IN_PRODUCTION, E.PRODUCTION_COMPLETED, S.PRODUCED, 'card passed quality check'),
  // Delivery and collection (residence side).
  edge(S.PRODUCED, E.DISPATCHED, S.DISPATCHED, 'card sent to the acceptance point or by post'),
  edge(
    S.DISPATCHED,
    E.ARRIVED_AT_POINT,
    S.READY_FOR_PICKUP,
    'card arrived at the acceptance point (window pickup, or a returned postal delivery)',
    { guard: DELIVERY_TARGET_IS_WINDOW },
  ),
  edge(S.DISPATCHED, E.DELIVERED_BY_POST, S.DELIVERED, 'card delivered to the applicant by post', {
    guard: POSTAL_DELIVERY_OPEN,
  }),
  edge(
    S.DISPATCHED,
    E.POSTAL_RETURNED,
    S.DISPATCHED,
    'postal delivery failed; the card goes back to the acceptance point for window pickup',
    { guard: POSTAL_DELIVERY_OPEN, effects: [CaseEffect.MARK_POSTAL_RETURNED] },
  ),
  edge(
    S.READY_FOR_PICKUP,
    E.COLLECTED,
    S.DELIVERED,
    'applicant or proxy collected the card with the receipt',
  ),
  edge(
    S.READY_FOR_PICKUP,
    E.PICKUP_REMINDER_DUE,
    S.READY_FOR_PICKUP,
    'card not yet collected: remind the applicant',
    { effects: [CaseEffect.SEND_PICKUP_REMINDER] },
  ),
  // Withdrawal, before production only.
  ...CANCELLABLE_STATUSES.map((from) =>
    edge(from, E.CANCELLED, S.CANCELLED, 'applicant withdrew the application before production'),
  ),
  // Statutory time limit: a flag on any open case, never a status change.
  ...CASE_STATUSES.filter((s) => !isTerminal(s)).map((from) =>
    edge(
      from,
      E.STATUTORY_DEADLINE_PASSED,
      from,
      'statutory time limit passed: flag the case as overdue',
      { effects: [CaseEffect.FLAG_STATUTORY_OVERDUE] },
    ),
  ),
]);
