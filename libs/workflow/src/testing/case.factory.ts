// Test factories for the workflow specs (not exported from the lib's index).
import { CaseEvent, CaseEventType, SIDE_OF_EVENT, Side } from '../case-event';
import { CaseContext, DeliveryMethod, newCaseContext } from '../case-context';
import { CaseStatus } from '../case-status';
import { TransitionSuccess, assertTransition } from '../transition';

const S = CaseStatus;
const E = CaseEventType;

/** A context with the given fields over a new WINDOW case. */
export function aContext(overrides: Partial<CaseContext> = {}): CaseContext {
  return { ...newCaseContext(DeliveryMethod.WINDOW), ...overrides };
}

/** An event from its proper side, or from `side` when given. */
export function anEvent(type: CaseEventType, side: Side = SIDE_OF_EVENT[type]): CaseEvent {
  return { type, side };
}

export interface Drive {
  readonly ctx: CaseContext;
  /** The status after each step, starting with the initial one. */
  readonly statuses: CaseStatus[];
  readonly steps: TransitionSuccess[];
}

/** Apply events in order from their proper sides; throws the IllegalTransitionError if one is refused. */
export function drive(start: CaseContext, types: readonly CaseEventType[]): Drive {
  let ctx = start;
  const statuses: CaseStatus[] = [start.status];
  const steps: TransitionSuccess[] = [];
  for (const type of types) {
    const step = assertTransition(ctx, anEvent(type));
    steps.push(step);
    ctx = step.context;
    statuses.push(ctx.status);
  }
  return { ctx, statuses, steps };
}

/** Events that take a new case of the given method to each status (shortest usual path). */
export function pathTo(status: CaseStatus, method: DeliveryMethod): CaseEventType[] {
  const toDispatched = [
    E.REVIEW_REQUESTED,
    E.REVIEW_APPROVED,
    E.PRODUCTION_STARTED,
    E.PRODUCTION_COMPLETED,
    E.DISPATCHED,
  ];
  const paths: Record<CaseStatus, CaseEventType[]> = {
    [S.ACCEPTED]: [],
    [S.UNDER_REVIEW]: [E.REVIEW_REQUESTED],
    [S.SUPPLEMENT_REQUIRED]: [E.REVIEW_REQUESTED, E.SUPPLEMENT_REQUESTED],
    [S.REFUSED]: [E.REVIEW_REQUESTED, E.REVIEW_REFUSED],
    [S.APPROVED]: [E.REVIEW_REQUESTED, E.REVIEW_APPROVED],
    [S.IN_PRODUCTION]: [E.REVIEW_REQUESTED, E.REVIEW_APPROVED, E.PRODUCTION_STARTED],
    [S.PRODUCED]: toDispatched.slice(0, 4),
    [S.DISPATCHED]: toDispatched,
    [S.READY_FOR_PICKUP]:
      method === DeliveryMethod.WINDOW
        ? [...toDispatched, E.ARRIVED_AT_POINT]
        : [...toDispatched, E.POSTAL_RETURNED, E.ARRIVED_AT_POINT],
    [S.DELIVERED]:
      method === DeliveryMethod.WINDOW
        ? [...toDispatched, E.ARRIVED_AT_POINT, E.COLLECTED]
        : [...toDispatched, E.DELIVERED_BY_POST],
    [S.CANCELLED]: [E.CANCELLED],
  };
  return paths[status];
}

/** A default context of `method` driven to `status` by pathTo(). */
export function caseAt(
  status: CaseStatus,
  method: DeliveryMethod = DeliveryMethod.WINDOW,
): CaseContext {
  return drive(newCaseContext(method), pathTo(status, method)).ctx;
}
