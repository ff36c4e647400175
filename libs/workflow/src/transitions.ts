import { CASE_EVENT_TYPES, CaseEventType, EVENT_INFO, SIDE_OF_EVENT } from './case-event';
import { CASE_STATUSES, CaseStatus, isTerminal, TERMINAL_STATUSES } from './case-status';
import { CaseEffect } from './effects';
import {
  DELIVERY_TARGET_IS_WINDOW,
  Guard,
  GUARDS,
  POSTAL_DELIVERY_OPEN,
  PRODUCTION_ATTEMPTS_REMAINING,
} from './guards';
import {
  DeadlineKind,
  DeclaredEffects,
  MachineTransition,
  send,
  SendEffect,
  WorkflowMachine,
} from './machine';

/** One edge of the ID-card machine. TRANSITIONS is the whole machine; nothing else decides. */
export interface CaseTransition extends MachineTransition {
  readonly from: CaseStatus;
  readonly event: CaseEventType;
  readonly to: CaseStatus;
}

interface EdgeSpec extends DeclaredEffects {
  readonly guard?: Guard;
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
    ...(spec.sends ? { sends: Object.freeze([...spec.sends]) } : {}),
    ...(spec.schedules ? { schedules: Object.freeze([...spec.schedules]) } : {}),
    ...(spec.settles ? { settles: true } : {}),
  };
  return Object.freeze(t);
}

const S = CaseStatus;
const E = CaseEventType;
const D = DeadlineKind;

/** Statuses a case can be withdrawn from ("withdraw before production"). */
export const CANCELLABLE_STATUSES: readonly CaseStatus[] = Object.freeze([
  S.ACCEPTED,
  S.UNDER_REVIEW,
  S.SUPPLEMENT_REQUIRED,
  S.APPROVED,
]);

/** The notices a withdrawal sends, by the status it leaves (nothing waits for them). */
const WITHDRAWAL_NOTICES: Partial<Record<CaseStatus, SendEffect[]>> = {
  // No review request has gone out yet: the hukou side knows nothing of the case.
  [S.ACCEPTED]: [],
  [S.UNDER_REVIEW]: [send('review.withdrawn', false)],
  [S.SUPPLEMENT_REQUIRED]: [send('review.withdrawn', false)],
  [S.APPROVED]: [send('production.cancelled', false), send('review.withdrawn', false)],
};

export const TRANSITIONS: readonly CaseTransition[] = Object.freeze([
  // Review and issue (hukou side decides; residence asks and resubmits).
  edge(
    S.ACCEPTED,
    E.REVIEW_REQUESTED,
    S.UNDER_REVIEW,
    'review request to the hukou province committed to the outbox',
    {
      sends: [send('review.requested')],
      schedules: [D.REVIEW_DEADLINE, D.STATUTORY_DEADLINE],
    },
  ),
  edge(
    S.UNDER_REVIEW,
    E.REVIEW_APPROVED,
    S.APPROVED,
    'hukou county bureau issued the card (签发)',
    { settles: true, sends: [send('production.ordered')] },
  ),
  edge(
    S.UNDER_REVIEW,
    E.REVIEW_REFUSED,
    S.REFUSED,
    'hukou county bureau refused to issue (不予签发); the applicant must apply at the hukou place',
    { settles: true },
  ),
  edge(
    S.UNDER_REVIEW,
    E.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENT_REQUIRED,
    'hukou reviewer asked for supplementary material',
    { settles: true },
  ),
  edge(
    S.SUPPLEMENT_REQUIRED,
    E.SUPPLEMENT_SUBMITTED,
    S.UNDER_REVIEW,
    'applicant supplied the material; the review request is sent again',
    { sends: [send('review.requested')], schedules: [D.REVIEW_DEADLINE] },
  ),
  edge(
    S.UNDER_REVIEW,
    E.REVIEW_DEADLINE_PASSED,
    S.UNDER_REVIEW,
    'review target passed: flag overdue and re-send the review request',
    { effects: [CaseEffect.FLAG_REVIEW_OVERDUE, CaseEffect.RESEND_REVIEW_REQUEST] },
  ),
  // Production (residence production centre). production.ordered stays awaited until produced.
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
  edge(S.IN_PRODUCTION, E.PRODUCTION_COMPLETED, S.PRODUCED, 'card passed quality check', {
    sends: [send('delivery.ordered')],
  }),
  // Delivery and collection (residence side).
  edge(S.PRODUCED, E.DISPATCHED, S.DISPATCHED, 'card sent to the acceptance point or by post', {
    settles: true,
  }),
  edge(
    S.DISPATCHED,
    E.ARRIVED_AT_POINT,
    S.READY_FOR_PICKUP,
    'card arrived at the acceptance point (window pickup, or a returned postal delivery)',
    { guard: DELIVERY_TARGET_IS_WINDOW, schedules: [D.PICKUP_REMINDER] },
  ),
  edge(S.DISPATCHED, E.DELIVERED_BY_POST, S.DELIVERED, 'card delivered to the applicant by post', {
    guard: POSTAL_DELIVERY_OPEN,
    settles: true,
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
    { settles: true },
  ),
  edge(
    S.READY_FOR_PICKUP,
    E.PICKUP_REMINDER_DUE,
    S.READY_FOR_PICKUP,
    'card not yet collected: remind the applicant',
    { effects: [CaseEffect.SEND_PICKUP_REMINDER] },
  ),
  // Withdrawal, before production only. Once a review request has gone out, the hukou side is told
  // (it releases its claim on the person); an approved case also tells production not to start.
  ...CANCELLABLE_STATUSES.map((from) =>
    edge(from, E.CANCELLED, S.CANCELLED, 'applicant withdrew the application before production', {
      settles: true,
      ...(WITHDRAWAL_NOTICES[from]?.length ? { sends: WITHDRAWAL_NOTICES[from] } : {}),
    }),
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

/** The first ID card (首次申领居民身份证) machine: the value the engine runs for `idcard` cases. */
export const ID_CARD_MACHINE: WorkflowMachine = Object.freeze({
  kind: 'idcard',
  description:
    'first resident ID card: residence intake, hukou review and issue, residence production and delivery',
  initial: S.ACCEPTED,
  opening: E.REVIEW_REQUESTED,
  statuses: CASE_STATUSES,
  terminal: TERMINAL_STATUSES,
  events: CASE_EVENT_TYPES,
  sideOfEvent: SIDE_OF_EVENT,
  onlyWhen: Object.freeze(
    Object.fromEntries(CASE_EVENT_TYPES.map((e) => [e, EVENT_INFO[e].onlyWhen])),
  ),
  transitions: TRANSITIONS,
  guards: GUARDS,
});
