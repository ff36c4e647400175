import {
  CASE_EVENT_TYPES,
  CaseEvent,
  CaseEventType,
  SIDE_OF_EVENT,
  Side,
  isSide,
} from './case-event';
import { CaseContext, contextProblem } from './case-context';
import { CaseStatus } from './case-status';
import { CaseEffect } from './effects';
import { Guard } from './guards';
import { IllegalTransitionCode, IllegalTransitionError } from './illegal-transition.error';
import { MachineContext, MachineTransition, WorkflowMachine } from './machine';
import { CaseTransition, ID_CARD_MACHINE } from './transitions';

export interface TransitionSuccess {
  readonly ok: true;
  readonly from: CaseStatus;
  readonly to: CaseStatus;
  readonly event: CaseEventType;
  readonly side: Side;
  /** The next context: the new status plus context effects (attempts, postalReturned). */
  readonly context: CaseContext;
  /** All effects of the transition; `caller` effects are the orchestrator's to carry out. */
  readonly effects: readonly CaseEffect[];
  /** The TRANSITIONS entry that applied. */
  readonly transition: CaseTransition;
}

export interface TransitionFailure {
  readonly ok: false;
  readonly error: IllegalTransitionError;
}

export type TransitionResult = TransitionSuccess | TransitionFailure;

/** The outcome of runMachine() on any machine (statuses and events as the machine's strings). */
export interface MachineSuccess {
  readonly ok: true;
  readonly from: string;
  readonly to: string;
  readonly event: string;
  readonly side: Side;
  readonly context: MachineContext;
  readonly effects: readonly CaseEffect[];
  readonly transition: MachineTransition;
}
export type MachineResult = MachineSuccess | TransitionFailure;

const NO_EFFECTS: readonly CaseEffect[] = Object.freeze([]);

type Index = ReadonlyMap<string, ReadonlyMap<string, readonly MachineTransition[]>>;
const INDEXES = new WeakMap<WorkflowMachine, Index>();

/** A machine's transitions indexed by status then event, in declaration order (built once). */
function indexOf(machine: WorkflowMachine): Index {
  let index = INDEXES.get(machine) as Map<string, Map<string, MachineTransition[]>> | undefined;
  if (index) return index;
  index = new Map();
  for (const t of machine.transitions) {
    let byEvent = index.get(t.from);
    if (!byEvent) index.set(t.from, (byEvent = new Map()));
    const list = byEvent.get(t.event);
    if (list) list.push(t);
    else byEvent.set(t.event, [t]);
  }
  INDEXES.set(machine, index);
  return index;
}

/** The transitions declared for (status, event), in declaration order. */
export function transitionsFor(status: CaseStatus, event: CaseEventType): readonly CaseTransition[];
export function transitionsFor(
  status: string,
  event: string,
  machine: WorkflowMachine,
): readonly MachineTransition[];
export function transitionsFor(
  status: string,
  event: string,
  machine: WorkflowMachine = ID_CARD_MACHINE,
): readonly MachineTransition[] {
  return indexOf(machine).get(status)?.get(event) ?? [];
}

/** Statuses in which `event` has at least one transition. */
function statusesAccepting(machine: WorkflowMachine, event: string): string[] {
  const out: string[] = [];
  for (const t of machine.transitions)
    if (t.event === event && !out.includes(t.from)) out.push(t.from);
  return out;
}

/** A short, safe rendering of an arbitrary value for error fields and messages. */
function show(value: unknown): string {
  if (typeof value === 'string') {
    const s = value.length > 60 ? `${value.slice(0, 60)}…` : value;
    return /^[A-Za-z0-9_-]+$/.test(s) ? s : JSON.stringify(s);
  }
  if (
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    value === undefined ||
    value === null
  ) {
    return String(value);
  }
  return `<${typeof value}>`;
}

function nextContext(ctx: MachineContext, t: MachineTransition): MachineContext {
  let { productionAttempts, postalReturned } = ctx;
  for (const effect of t.effects ?? NO_EFFECTS) {
    if (effect === CaseEffect.INCREMENT_PRODUCTION_ATTEMPTS) productionAttempts += 1;
    if (effect === CaseEffect.MARK_POSTAL_RETURNED) postalReturned = true;
  }
  return {
    status: t.to,
    deliveryMethod: ctx.deliveryMethod,
    postalReturned,
    productionAttempts,
    maxProductionAttempts: ctx.maxProductionAttempts,
  };
}

interface Snapshot {
  readonly ctx: MachineContext | undefined;
  readonly ctxProblem: string | undefined;
  readonly rawStatus: unknown;
  readonly type: unknown;
  readonly side: unknown;
  readonly eventIsObject: boolean;
}

/** Read every input field once, into plain data (hostile getters cannot reach the guards). */
function snapshot(machine: WorkflowMachine, ctx: unknown, event: unknown): Snapshot {
  const c = typeof ctx === 'object' && ctx !== null ? (ctx as Record<string, unknown>) : undefined;
  const plain = c
    ? {
        status: c.status,
        deliveryMethod: c.deliveryMethod,
        postalReturned: c.postalReturned,
        productionAttempts: c.productionAttempts,
        maxProductionAttempts: c.maxProductionAttempts,
      }
    : ctx;
  const ctxProblem = contextProblem(plain, machine.statuses);
  const e = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  return {
    ctx: ctxProblem === undefined ? (plain as MachineContext) : undefined,
    ctxProblem,
    rawStatus: c?.status,
    type: e.type,
    side: e.side,
    eventIsObject: typeof event === 'object' && event !== null,
  };
}

function fail(
  code: IllegalTransitionCode,
  from: string,
  event: string,
  side: string,
  reason: string,
  guard?: string,
): TransitionFailure {
  // Built when read: probes such as allowedEvents() only look at `ok`, and an Error (its stack
  // trace) costs more than the whole check.
  let error: IllegalTransitionError | undefined;
  return {
    ok: false,
    get error() {
      return (error ??= new IllegalTransitionError({
        code,
        from,
        event,
        side,
        guard,
        message: `cannot ${event} from ${from}: ${reason}`,
      }));
    },
  };
}

/**
 * Apply `event` to a case. Pure: reads only its arguments and TRANSITIONS, never mutates
 * them, and never throws; any refusal comes back as `{ ok: false, error }`.
 *
 * Checks, in order: the context is well-formed (else ILLEGAL_TRANSITION), the event type is
 * known (UNKNOWN_EVENT), the sender is the side allowed to send it (WRONG_SIDE, whatever the
 * status: a forged or misrouted message is reported as such), the case is still open
 * (TERMINAL_STATE), the status has a transition for the event (ILLEGAL_TRANSITION), and the
 * transition's guard holds (GUARD_FAILED). When several transitions match, the first one in
 * TRANSITIONS whose guard holds applies.
 */
export function transition(ctx: CaseContext, event: CaseEvent): TransitionResult {
  return runMachine(ID_CARD_MACHINE, ctx, event) as TransitionResult;
}

/**
 * transition() for any machine (the engine of every kind of case): the same checks, in the same
 * order, against `machine`'s statuses, events, sides and transitions.
 */
export function runMachine(
  machine: WorkflowMachine,
  ctx: MachineContext,
  event: { readonly type: string; readonly side: Side },
): MachineResult {
  let snap: Snapshot;
  try {
    snap = snapshot(machine, ctx, event);
  } catch {
    return fail(
      'ILLEGAL_TRANSITION',
      '<unreadable>',
      '<unreadable>',
      '<unreadable>',
      'the context or event could not be read',
    );
  }
  const from = snap.ctx ? snap.ctx.status : show(snap.rawStatus);
  const eventName = show(snap.type);
  const sideName = show(snap.side);

  if (!snap.ctx) {
    return fail(
      'ILLEGAL_TRANSITION',
      from,
      eventName,
      sideName,
      `invalid case context: ${snap.ctxProblem}`,
    );
  }
  const current = snap.ctx;
  if (typeof snap.type !== 'string' || !Object.hasOwn(machine.sideOfEvent, snap.type)) {
    const why = snap.eventIsObject
      ? `${eventName} is not a case event`
      : 'the event is not an object';
    return fail('UNKNOWN_EVENT', from, eventName, sideName, why);
  }
  const type = snap.type;
  const allowedSide = machine.sideOfEvent[type];
  if (snap.side !== allowedSide) {
    const who = isSide(snap.side) ? `the ${snap.side} side` : `side ${sideName}`;
    return fail(
      'WRONG_SIDE',
      from,
      type,
      sideName,
      `${type} is sent only by the ${allowedSide} side, not by ${who}`,
    );
  }
  if (machine.terminal.includes(current.status)) {
    return fail(
      'TERMINAL_STATE',
      from,
      type,
      sideName,
      `${current.status} is a terminal state; a closed case accepts no event`,
    );
  }
  const candidates = transitionsFor(current.status, type, machine);
  if (candidates.length === 0) {
    return fail(
      'ILLEGAL_TRANSITION',
      from,
      type,
      sideName,
      `${machine.onlyWhen[type]} (${type} is accepted in ${statusesAccepting(machine, type).join(', ')})`,
    );
  }
  for (const t of candidates) {
    if (!t.guard || t.guard.test(current)) {
      return {
        ok: true,
        from: current.status,
        to: t.to,
        event: type,
        side: allowedSide,
        context: nextContext(current, t),
        effects: t.effects ?? NO_EFFECTS,
        transition: t,
      };
    }
  }
  // Every candidate is guarded and every guard is false: report the first one.
  const g = candidates[0].guard as Guard;
  return fail(
    'GUARD_FAILED',
    from,
    type,
    sideName,
    `guard ${g.name} failed: ${g.description} (${g.explain(current)})`,
    g.name,
  );
}

/** transition(), throwing the IllegalTransitionError instead of returning it. */
export function assertTransition(ctx: CaseContext, event: CaseEvent): TransitionSuccess {
  const result = transition(ctx, event);
  if (!result.ok) throw result.error;
  return result;
}

/**
 * The events that transition() would accept now from their proper side, in CASE_EVENT_TYPES
 * order; only those of `side` when given. Empty for a terminal or malformed context.
 */
export function allowedEvents(ctx: CaseContext, side?: Side): CaseEventType[] {
  return CASE_EVENT_TYPES.filter(
    (type) =>
      (side === undefined || SIDE_OF_EVENT[type] === side) &&
      transition(ctx, { type, side: SIDE_OF_EVENT[type] }).ok,
  );
}
