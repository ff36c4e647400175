import { CaseStatus, NewbornStatus, WorkflowMachine } from '@app/workflow';

/**
 * How far along its single path a case is. Review rounds (UNDER_REVIEW ⇄ SUPPLEMENT_REQUIRED) share
 * a rank; the terminal REFUSED and CANCELLED are past everything.
 */
const PROGRESS: Readonly<Record<CaseStatus | NewbornStatus, number>> = {
  ACCEPTED: 0,
  UNDER_REVIEW: 1,
  SUPPLEMENT_REQUIRED: 1,
  APPROVED: 2,
  IN_PRODUCTION: 3,
  PRODUCED: 4,
  // A newborn registration goes from registration straight to dispatch (no production).
  REGISTERED: 4,
  DISPATCHED: 5,
  READY_FOR_PICKUP: 6,
  DELIVERED: 7,
  REFUSED: Number.POSITIVE_INFINITY,
  CANCELLED: Number.POSITIVE_INFINITY,
};

/**
 * A message the state machine refuses with ILLEGAL_TRANSITION is either **late** (the case already
 * moved past the statuses that accept the event: a duplicate or a re-announcement, acknowledged
 * and logged) or **early** (it overtook its predecessor, e.g. `production.completed` consumed
 * before `production.started` of the same batch: thrown, so the transport retries it after the
 * predecessor is applied).
 */
export function isEarly(machine: WorkflowMachine, status: string, event: string): boolean {
  if (machine.terminal.includes(status)) return false;
  const rank = (s: string) => PROGRESS[s as CaseStatus] ?? Number.POSITIVE_INFINITY;
  const accepting = machine.transitions.filter((t) => t.event === event).map((t) => rank(t.from));
  if (accepting.length === 0) return false;
  return rank(status) < Math.min(...accepting);
}
