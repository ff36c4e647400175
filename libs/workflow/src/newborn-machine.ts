import { Side } from './case-event';
import { CaseEffect } from './effects';
import { DELIVERY_TARGET_IS_WINDOW, Guard, POSTAL_DELIVERY_OPEN } from './guards';
import { DeadlineKind, DeclaredEffects, MachineTransition, send, WorkflowMachine } from './machine';

/**
 * Newborn hukou registration (新生儿落户): a parent applies at the residence acceptance point, the
 * hukou county bureau registers the child into the parent's household (assigning the child's
 * citizen ID number) and produces the household-register page (常住人口登记卡), and the residence
 * side delivers the page by post or at the window, through the same delivery service as ID cards.
 *
 * The same engine runs it (runMachine, the case's front door, timers, reconciler, audit chain): only
 * this value differs from the ID-card machine. There is no production step: REGISTERED orders the
 * delivery at once. Events that mean the same thing in both workflows (supplements, dispatch,
 * arrival, collection, timers, withdrawal) keep the same names, so the messages of the shared
 * participants (delivery, timers) map to events without knowing the kind of case.
 */
export const NewbornStatus = {
  ACCEPTED: 'ACCEPTED',
  UNDER_REVIEW: 'UNDER_REVIEW',
  SUPPLEMENT_REQUIRED: 'SUPPLEMENT_REQUIRED',
  REFUSED: 'REFUSED',
  REGISTERED: 'REGISTERED',
  DISPATCHED: 'DISPATCHED',
  READY_FOR_PICKUP: 'READY_FOR_PICKUP',
  DELIVERED: 'DELIVERED',
  CANCELLED: 'CANCELLED',
} as const;
export type NewbornStatus = (typeof NewbornStatus)[keyof typeof NewbornStatus];

/** In the order of the public contract (DESIGN.md). */
export const NEWBORN_STATUSES: readonly NewbornStatus[] = Object.freeze(
  Object.values(NewbornStatus),
);
export const NEWBORN_TERMINAL_STATUSES: readonly NewbornStatus[] = Object.freeze([
  NewbornStatus.REFUSED,
  NewbornStatus.DELIVERED,
  NewbornStatus.CANCELLED,
]);

export const NewbornEvent = {
  REGISTRATION_REQUESTED: 'REGISTRATION_REQUESTED',
  REGISTERED: 'REGISTERED',
  REGISTRATION_REFUSED: 'REGISTRATION_REFUSED',
  SUPPLEMENT_REQUESTED: 'SUPPLEMENT_REQUESTED',
  SUPPLEMENT_SUBMITTED: 'SUPPLEMENT_SUBMITTED',
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
export type NewbornEvent = (typeof NewbornEvent)[keyof typeof NewbornEvent];
export const NEWBORN_EVENTS: readonly NewbornEvent[] = Object.freeze(Object.values(NewbornEvent));

const S = NewbornStatus;
const E = NewbornEvent;
const D = DeadlineKind;

export const NEWBORN_SIDE_OF_EVENT: Readonly<Record<NewbornEvent, Side>> = Object.freeze({
  REGISTRATION_REQUESTED: Side.RESIDENCE,
  REGISTERED: Side.HUKOU,
  REGISTRATION_REFUSED: Side.HUKOU,
  SUPPLEMENT_REQUESTED: Side.HUKOU,
  SUPPLEMENT_SUBMITTED: Side.RESIDENCE,
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

export const NEWBORN_EVENT_INFO: Readonly<
  Record<NewbornEvent, { sentBy: string; description: string; onlyWhen: string }>
> = Object.freeze({
  REGISTRATION_REQUESTED: {
    sentBy: 'intake, in the transaction that puts the registration request in the outbox',
    description: 'The registration request to the hukou province is committed for sending.',
    onlyWhen: 'a registration is requested only once, right after intake',
  },
  REGISTERED: {
    sentBy: 'verification (hukou county bureau)',
    description:
      'The child is registered in the household (户口登记) with a new citizen ID number; the household-register page is made.',
    onlyWhen: 'only a registration under review can be registered',
  },
  REGISTRATION_REFUSED: {
    sentBy: 'verification (hukou county bureau)',
    description: 'Refusal to register, with a reason in words.',
    onlyWhen: 'only a registration under review can be refused',
  },
  SUPPLEMENT_REQUESTED: {
    sentBy: 'verification (hukou county bureau)',
    description:
      'The bureau asks for material (marriage evidence, a clearer birth certificate copy).',
    onlyWhen: 'supplementary material can be requested only during review',
  },
  SUPPLEMENT_SUBMITTED: {
    sentBy: 'intake (clerk, POST /newborn-registrations/:id/supplements)',
    description: 'The parent added the requested material; the registration request is sent again.',
    onlyWhen: 'material can be supplemented only after the hukou side asked for it',
  },
  DISPATCHED: {
    sentBy: 'delivery',
    description: 'The household-register page left for the acceptance point or by post.',
    onlyWhen: 'only a registered case can be dispatched',
  },
  ARRIVED_AT_POINT: {
    sentBy: 'delivery (POST /deliveries/:caseId/arrived)',
    description: 'The page arrived at the acceptance point.',
    onlyWhen: 'only a dispatched page can arrive at the acceptance point',
  },
  DELIVERED_BY_POST: {
    sentBy: 'delivery (postal carrier confirmation)',
    description: 'The page was delivered to the parent by post.',
    onlyWhen: 'only a dispatched page can be delivered by post',
  },
  POSTAL_RETURNED: {
    sentBy: 'delivery (postal carrier)',
    description: 'Postal delivery failed; the page goes back to the acceptance point.',
    onlyWhen: 'only a dispatched page can come back from the post',
  },
  COLLECTED: {
    sentBy: 'delivery (POST /deliveries/:caseId/collected, receipt checked)',
    description: 'The parent collected the page at the window.',
    onlyWhen: 'a page can be collected only when it is ready for pickup',
  },
  CANCELLED: {
    sentBy: 'intake (clerk, POST /newborn-registrations/:id/cancel)',
    description: 'The parent withdrew the registration.',
    onlyWhen: 'a registration can be withdrawn only before the child is registered',
  },
  REVIEW_DEADLINE_PASSED: {
    sentBy: 'review-deadline timer / reconciler',
    description: 'The hukou review target passed: flag overdue and re-send the request.',
    onlyWhen: 'the review deadline matters only while the case is under review',
  },
  STATUTORY_DEADLINE_PASSED: {
    sentBy: 'statutory-limit timer',
    description: 'The time limit passed before the page was delivered.',
    onlyWhen: 'the time limit matters only for an open case',
  },
  PICKUP_REMINDER_DUE: {
    sentBy: 'uncollected-page timer',
    description: 'The page has waited at the window: remind the parent.',
    onlyWhen: 'a pickup reminder makes sense only while the page waits at the window',
  },
});

/** Statuses a newborn registration can be withdrawn from ("withdraw before registration"). */
export const NEWBORN_CANCELLABLE_STATUSES: readonly NewbornStatus[] = Object.freeze([
  S.ACCEPTED,
  S.UNDER_REVIEW,
  S.SUPPLEMENT_REQUIRED,
]);

interface EdgeSpec extends DeclaredEffects {
  readonly guard?: Guard;
}

function edge(
  from: NewbornStatus,
  event: NewbornEvent,
  to: NewbornStatus,
  description: string,
  spec: EdgeSpec = {},
): MachineTransition {
  return Object.freeze({
    from,
    event,
    to,
    side: NEWBORN_SIDE_OF_EVENT[event],
    description,
    ...(spec.guard ? { guard: spec.guard } : {}),
    ...(spec.effects ? { effects: Object.freeze([...spec.effects]) } : {}),
    ...(spec.sends ? { sends: Object.freeze([...spec.sends]) } : {}),
    ...(spec.schedules ? { schedules: Object.freeze([...spec.schedules]) } : {}),
    ...(spec.settles ? { settles: true } : {}),
  });
}

export const NEWBORN_TRANSITIONS: readonly MachineTransition[] = Object.freeze([
  // Review and registration (the hukou side decides; the residence side asks and resubmits).
  edge(
    S.ACCEPTED,
    E.REGISTRATION_REQUESTED,
    S.UNDER_REVIEW,
    'registration request to the hukou province committed to the outbox',
    {
      sends: [send('registration.requested')],
      schedules: [D.REVIEW_DEADLINE, D.STATUTORY_DEADLINE],
    },
  ),
  edge(
    S.UNDER_REVIEW,
    E.REGISTERED,
    S.REGISTERED,
    'hukou county bureau registered the child (citizen ID number assigned, household-register page made); the page is sent for delivery',
    { settles: true, sends: [send('delivery.ordered')] },
  ),
  edge(
    S.UNDER_REVIEW,
    E.REGISTRATION_REFUSED,
    S.REFUSED,
    'hukou county bureau refused to register, with a reason',
    { settles: true },
  ),
  edge(
    S.UNDER_REVIEW,
    E.SUPPLEMENT_REQUESTED,
    S.SUPPLEMENT_REQUIRED,
    'hukou county bureau asked for material (marriage evidence, a clearer certificate copy)',
    { settles: true },
  ),
  edge(
    S.SUPPLEMENT_REQUIRED,
    E.SUPPLEMENT_SUBMITTED,
    S.UNDER_REVIEW,
    'parent supplied the material; the registration request is sent again',
    { sends: [send('registration.requested')], schedules: [D.REVIEW_DEADLINE] },
  ),
  edge(
    S.UNDER_REVIEW,
    E.REVIEW_DEADLINE_PASSED,
    S.UNDER_REVIEW,
    'review target passed: flag overdue and re-send the registration request',
    { effects: [CaseEffect.FLAG_REVIEW_OVERDUE, CaseEffect.RESEND_REVIEW_REQUEST] },
  ),
  // Delivery of the household-register page (residence side, the same delivery service).
  edge(S.REGISTERED, E.DISPATCHED, S.DISPATCHED, 'page sent to the acceptance point or by post', {
    settles: true,
  }),
  edge(
    S.DISPATCHED,
    E.ARRIVED_AT_POINT,
    S.READY_FOR_PICKUP,
    'page arrived at the acceptance point (window pickup, or a returned postal delivery)',
    { guard: DELIVERY_TARGET_IS_WINDOW, schedules: [D.PICKUP_REMINDER] },
  ),
  edge(S.DISPATCHED, E.DELIVERED_BY_POST, S.DELIVERED, 'page delivered to the parent by post', {
    guard: POSTAL_DELIVERY_OPEN,
    settles: true,
  }),
  edge(
    S.DISPATCHED,
    E.POSTAL_RETURNED,
    S.DISPATCHED,
    'postal delivery failed; the page goes back to the acceptance point for window pickup',
    { guard: POSTAL_DELIVERY_OPEN, effects: [CaseEffect.MARK_POSTAL_RETURNED] },
  ),
  edge(S.READY_FOR_PICKUP, E.COLLECTED, S.DELIVERED, 'parent collected the page with the receipt', {
    settles: true,
  }),
  edge(
    S.READY_FOR_PICKUP,
    E.PICKUP_REMINDER_DUE,
    S.READY_FOR_PICKUP,
    'page not yet collected: remind the parent',
    { effects: [CaseEffect.SEND_PICKUP_REMINDER] },
  ),
  // Withdrawal, before registration only (a registered child stays registered). Once the request
  // has gone out, the hukou side is told: it registers no later round of the case.
  ...NEWBORN_CANCELLABLE_STATUSES.map((from) =>
    edge(from, E.CANCELLED, S.CANCELLED, 'parent withdrew the registration before it was made', {
      settles: true,
      ...(from === S.ACCEPTED ? {} : { sends: [send('registration.withdrawn', false)] }),
    }),
  ),
  // The time limit: a flag on any open case, never a status change.
  ...NEWBORN_STATUSES.filter((s) => !NEWBORN_TERMINAL_STATUSES.includes(s)).map((from) =>
    edge(from, E.STATUTORY_DEADLINE_PASSED, from, 'time limit passed: flag the case as overdue', {
      effects: [CaseEffect.FLAG_STATUTORY_OVERDUE],
    }),
  ),
]);

/** The newborn registration (新生儿落户) machine: the value the engine runs for `newborn` cases. */
export const NEWBORN_MACHINE: WorkflowMachine = Object.freeze({
  kind: 'newborn',
  description:
    'newborn hukou registration: residence intake, hukou registration (citizen ID number, household-register page), residence delivery',
  initial: S.ACCEPTED,
  opening: E.REGISTRATION_REQUESTED,
  statuses: NEWBORN_STATUSES,
  terminal: NEWBORN_TERMINAL_STATUSES,
  events: NEWBORN_EVENTS,
  sideOfEvent: NEWBORN_SIDE_OF_EVENT,
  onlyWhen: Object.freeze(
    Object.fromEntries(NEWBORN_EVENTS.map((e) => [e, NEWBORN_EVENT_INFO[e].onlyWhen])),
  ),
  transitions: NEWBORN_TRANSITIONS,
  guards: Object.freeze([DELIVERY_TARGET_IS_WINDOW, POSTAL_DELIVERY_OPEN]),
});

/** Human labels for clerk apps, the ops page and docs/workflow.md. */
export const NEWBORN_STATUS_INFO: Readonly<
  Record<NewbornStatus, { zh: string; description: string }>
> = Object.freeze({
  ACCEPTED: {
    zh: '已受理',
    description: 'Intake done; the registration request is about to be sent.',
  },
  UNDER_REVIEW: { zh: '审核中', description: 'Waiting for the hukou county bureau.' },
  SUPPLEMENT_REQUIRED: {
    zh: '待补充材料',
    description: 'The bureau asked for material (marriage evidence, a clearer certificate copy).',
  },
  REFUSED: { zh: '不予登记', description: 'The bureau refused, with a reason in words.' },
  REGISTERED: {
    zh: '已落户',
    description:
      'The child is registered with a citizen ID number; the page is ordered for delivery.',
  },
  DISPATCHED: { zh: '已发出', description: 'The page left for the acceptance point or by post.' },
  READY_FOR_PICKUP: { zh: '待领取', description: 'The page waits at the acceptance point.' },
  DELIVERED: { zh: '已领取', description: 'Handed over at the window or delivered by post.' },
  CANCELLED: { zh: '已撤回', description: 'The parent withdrew before registration.' },
});
