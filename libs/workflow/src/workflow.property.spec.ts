import fc from 'fast-check';
import {
  CASE_EVENT_TYPES,
  CASE_STATUSES,
  CaseContext,
  CaseEvent,
  CaseStatus,
  DELIVERY_METHODS,
  IllegalTransitionError,
  SIDES,
  SIDE_OF_EVENT,
  TERMINAL_STATUSES,
  TRANSITIONS,
  TransitionResult,
  allowedEvents,
  exploreContexts,
  isCaseStatus,
  isTerminal,
  newCaseContext,
  reachableTerminal,
  transition,
  unreachableStatuses,
} from '@app/workflow';

const CODES = [
  'ILLEGAL_TRANSITION',
  'WRONG_SIDE',
  'GUARD_FAILED',
  'TERMINAL_STATE',
  'UNKNOWN_EVENT',
];
const EDGES = new Set(TRANSITIONS.map((t) => `${t.from}|${t.event}|${t.to}|${t.side}`));

const arbStatus = fc.constantFrom(...CASE_STATUSES);
const arbNonTerminal = fc.constantFrom(...CASE_STATUSES.filter((s) => !isTerminal(s)));

/** Any well-typed context, including combinations no real case reaches. */
const arbContext = (status: fc.Arbitrary<CaseStatus> = arbStatus): fc.Arbitrary<CaseContext> =>
  fc.record({
    status,
    deliveryMethod: fc.constantFrom(...DELIVERY_METHODS),
    postalReturned: fc.boolean(),
    productionAttempts: fc.integer({ min: 0, max: 6 }),
    maxProductionAttempts: fc.integer({ min: 1, max: 6 }),
  });

/** Mostly real event types and sides, sometimes junk. */
const arbEvent: fc.Arbitrary<CaseEvent> = fc.record({
  type: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...CASE_EVENT_TYPES) },
    { weight: 1, arbitrary: fc.string() },
  ),
  side: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...SIDES) },
    { weight: 1, arbitrary: fc.string() },
  ),
}) as fc.Arbitrary<CaseEvent>;

/** Only real event types, each from its proper side: the events that can move a case. */
const arbProperEvent: fc.Arbitrary<CaseEvent> = fc
  .constantFrom(...CASE_EVENT_TYPES)
  .map((type) => ({ type, side: SIDE_OF_EVENT[type] }));

/** Comparable form of a result (Error instances compare loosely in jest). */
function normalise(r: TransitionResult): unknown {
  return r.ok ? { ...r } : { ok: false, error: r.error.toJSON() };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('workflow properties', () => {
  it('random event sequences never leave the defined states, never throw, and move only along TRANSITIONS', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DELIVERY_METHODS),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.oneof(arbProperEvent, arbEvent), { maxLength: 60 }),
        (method, max, events) => {
          let ctx = newCaseContext(method, { maxProductionAttempts: max });
          let closed = false;
          for (const event of events) {
            const before = deepFreeze(ctx);
            const r = transition(before, deepFreeze({ ...event }));
            if (r.ok) {
              expect(closed).toBe(false);
              expect(EDGES.has(`${r.from}|${r.event}|${r.to}|${event.side}`)).toBe(true);
              expect(r.from).toBe(before.status);
              ctx = r.context;
            } else {
              expect(r.error).toBeInstanceOf(IllegalTransitionError);
              expect(CODES).toContain(r.error.code);
              expect(r.error.message.startsWith('cannot ')).toBe(true);
            }
            expect(isCaseStatus(ctx.status)).toBe(true);
            expect(ctx.productionAttempts).toBeLessThanOrEqual(ctx.maxProductionAttempts);
            expect(ctx.deliveryMethod).toBe(method);
            expect(ctx.maxProductionAttempts).toBe(max);
            if (ctx.postalReturned) expect(ctx.deliveryMethod).toBe('POST');
            closed = isTerminal(ctx.status);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(arbContext(), fc.anything()),
        fc.oneof(arbEvent, fc.anything()),
        (ctx, event) => {
          let r: TransitionResult | undefined;
          expect(() => {
            r = transition(ctx as CaseContext, event as CaseEvent);
          }).not.toThrow();
          if (r && !r.ok) {
            expect(CODES).toContain(r.error.code);
            expect(typeof r.error.message).toBe('string');
          }
          if (r?.ok) expect(CASE_STATUSES).toContain(r.to);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('terminal states accept nothing', () => {
    fc.assert(
      fc.property(
        arbContext(fc.constantFrom(...TERMINAL_STATUSES)),
        fc.oneof(arbProperEvent, arbEvent),
        (ctx, event) => {
          const r = transition(ctx, event);
          expect(r.ok).toBe(false);
          if (!r.ok && event.side === SIDE_OF_EVENT[event.type]) {
            expect(r.error.code).toBe('TERMINAL_STATE');
          }
        },
      ),
    );
  });

  it('is deterministic and pure: same input, same result; inputs unchanged', () => {
    fc.assert(
      fc.property(arbContext(), fc.oneof(arbProperEvent, arbEvent), (ctx, event) => {
        const ctxCopy = { ...ctx };
        const eventCopy = { ...event };
        const first = transition(deepFreeze(ctx), deepFreeze(event));
        const second = transition(ctxCopy, eventCopy);
        expect(normalise(second)).toEqual(normalise(first));
        expect(ctxCopy).toEqual(ctx);
        expect(eventCopy).toEqual(event);
      }),
    );
  });

  it('allowedEvents lists exactly the events transition() accepts from their proper side', () => {
    fc.assert(
      fc.property(arbContext(), (ctx) => {
        const allowed = allowedEvents(ctx);
        for (const type of CASE_EVENT_TYPES) {
          expect(allowed.includes(type)).toBe(
            transition(ctx, { type, side: SIDE_OF_EVENT[type] }).ok,
          );
        }
        for (const side of SIDES) {
          expect(allowedEvents(ctx, side)).toEqual(
            allowed.filter((t) => SIDE_OF_EVENT[t] === side),
          );
        }
      }),
    );
  });

  it('every open case can still reach a terminal state, from any well-typed context', () => {
    fc.assert(
      fc.property(arbContext(arbNonTerminal), (ctx) => {
        expect(reachableTerminal(ctx).length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('workflow graph analysis', () => {
  const space = exploreContexts();

  it('every status is reachable from a new case', () => {
    expect(unreachableStatuses()).toEqual([]);
    expect(new Set(space.contexts.map((c) => c.status))).toEqual(new Set(CASE_STATUSES));
  });

  it('every reachable open context can reach a terminal one (no dead end, no trap)', () => {
    for (const ctx of space.contexts) {
      if (isTerminal(ctx.status)) continue;
      expect({ ctx, terminals: reachableTerminal(ctx).length > 0 }).toEqual({
        ctx,
        terminals: true,
      });
    }
  });

  it('uses every transition of the machine from some reachable context', () => {
    const used = new Set(space.edges.map((e) => `${e.from.status}|${e.event}|${e.to.status}`));
    for (const t of TRANSITIONS) expect(used).toContain(`${t.from}|${t.event}|${t.to}`);
  });

  it('reaches the expected terminals from each status', () => {
    const all = ['REFUSED', 'DELIVERED', 'CANCELLED'];
    const expected: Record<CaseStatus, string[]> = {
      ACCEPTED: all,
      UNDER_REVIEW: all,
      SUPPLEMENT_REQUIRED: all,
      APPROVED: ['DELIVERED', 'CANCELLED'],
      IN_PRODUCTION: ['DELIVERED'],
      PRODUCED: ['DELIVERED'],
      DISPATCHED: ['DELIVERED'],
      READY_FOR_PICKUP: ['DELIVERED'],
      REFUSED: ['REFUSED'],
      DELIVERED: ['DELIVERED'],
      CANCELLED: ['CANCELLED'],
    };
    for (const status of CASE_STATUSES)
      expect([status, reachableTerminal(status)]).toEqual([status, expected[status]]);
  });

  it('a plain graph search over TRANSITIONS (guards ignored) agrees that no open status is a dead end', () => {
    for (const start of CASE_STATUSES.filter((s) => !isTerminal(s))) {
      const seen = new Set<CaseStatus>([start]);
      const queue = [start];
      while (queue.length) {
        const s = queue.shift() as CaseStatus;
        for (const t of TRANSITIONS) {
          if (t.from === s && !seen.has(t.to)) {
            seen.add(t.to);
            queue.push(t.to);
          }
        }
      }
      expect(TERMINAL_STATUSES.some((t) => seen.has(t))).toBe(true);
    }
  });

  it('refuses to explore an unbounded space', () => {
    const huge = { ...newCaseContext('WINDOW'), maxProductionAttempts: 1_000_000 };
    expect(() => exploreContexts(huge, 100)).toThrow(RangeError);
  });
});
