import { CASE_EVENT_TYPES, CaseEventType, SIDE_OF_EVENT } from './case-event';
import { CaseContext, DELIVERY_METHODS, newCaseContext } from './case-context';
import {
  CASE_STATUSES,
  CaseStatus,
  TERMINAL_STATUSES,
  isCaseStatus,
  isTerminal,
} from './case-status';
import { transition } from './transition';

/** Graph analysis of the machine, for tests, docs and the ops page. Pure, bounded. */

export interface ContextEdge {
  readonly from: CaseContext;
  readonly event: CaseEventType;
  readonly to: CaseContext;
}

/** The contexts a case starts in: a new case for each delivery method, default settings. */
export function initialContexts(): CaseContext[] {
  return DELIVERY_METHODS.map((m) => newCaseContext(m));
}

function keyOf(ctx: CaseContext): string {
  return `${ctx.status}|${ctx.deliveryMethod}|${ctx.postalReturned}|${ctx.productionAttempts}|${ctx.maxProductionAttempts}`;
}

/** Default bound on explored contexts; the default machine has a few dozen. */
export const MAX_EXPLORED_CONTEXTS = 10_000;

/**
 * Every context reachable from `start` (included) by events that transition() accepts from
 * their proper side, with the edges between them, breadth first and deterministic.
 * Throws RangeError past `limit` contexts (e.g. maxProductionAttempts in the millions).
 */
export function exploreContexts(
  start: CaseContext | readonly CaseContext[] = initialContexts(),
  limit: number = MAX_EXPLORED_CONTEXTS,
): { contexts: CaseContext[]; edges: ContextEdge[] } {
  const starts: readonly CaseContext[] = Array.isArray(start) ? start : [start as CaseContext];
  const seen = new Map<string, CaseContext>();
  const edges: ContextEdge[] = [];
  const queue: CaseContext[] = [];
  const visit = (ctx: CaseContext): CaseContext => {
    const key = keyOf(ctx);
    const known = seen.get(key);
    if (known) return known;
    if (seen.size >= limit) {
      throw new RangeError(`exploreContexts: more than ${limit} reachable contexts`);
    }
    seen.set(key, ctx);
    queue.push(ctx);
    return ctx;
  };
  starts.forEach(visit);
  for (let i = 0; i < queue.length; i++) {
    const ctx = queue[i];
    for (const event of CASE_EVENT_TYPES) {
      const r = transition(ctx, { type: event, side: SIDE_OF_EVENT[event] });
      if (r.ok) edges.push({ from: ctx, event, to: visit(r.context) });
    }
  }
  return { contexts: queue, edges };
}

/**
 * The terminal statuses a case can still end in, in CASE_STATUSES order.
 * From a context: those reachable from it. From a status: the union over every context with
 * that status reachable from initialContexts() (a terminal status gives itself; a status no
 * new case can reach gives []).
 */
export function reachableTerminal(from: CaseStatus | CaseContext): CaseStatus[] {
  let starts: CaseContext[];
  if (isCaseStatus(from)) {
    if (isTerminal(from)) return [from];
    starts = exploreContexts().contexts.filter((c) => c.status === from);
  } else {
    starts = [from];
  }
  if (starts.length === 0) return [];
  const reached = new Set(exploreContexts(starts).contexts.map((c) => c.status));
  return TERMINAL_STATUSES.filter((s) => reached.has(s));
}

/** Statuses that no new case can reach (should be none). */
export function unreachableStatuses(): CaseStatus[] {
  const reached = new Set(exploreContexts().contexts.map((c) => c.status));
  return CASE_STATUSES.filter((s) => !reached.has(s));
}
