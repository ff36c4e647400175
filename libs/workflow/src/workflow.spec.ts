import {
  CANCELLABLE_STATUSES,
  CASE_EVENT_TYPES,
  CASE_STATUSES,
  CaseEffect,
  CaseEventType,
  CaseStatus,
  DEFAULT_MAX_PRODUCTION_ATTEMPTS,
  DeliveryMethod,
  IllegalTransitionCode,
  IllegalTransitionError,
  SIDE_OF_EVENT,
  Side,
  TERMINAL_STATUSES,
  TRANSITIONS,
  TransitionResult,
  allowedEvents,
  assertTransition,
  isTerminal,
  newCaseContext,
  transition,
} from '@app/workflow';
import { aContext, anEvent, caseAt, drive } from './testing/case.factory';

const S = CaseStatus;
const E = CaseEventType;

function expectRefused(
  result: TransitionResult,
  code: IllegalTransitionCode,
): IllegalTransitionError {
  if (result.ok) throw new Error(`expected ${code}, got ${result.from} -> ${result.to}`);
  expect(result.error).toBeInstanceOf(IllegalTransitionError);
  expect(result.error.code).toBe(code);
  return result.error;
}

describe('workflow: the data', () => {
  it('has exactly the contract statuses, values equal to names', () => {
    expect(CASE_STATUSES).toEqual([
      'ACCEPTED',
      'UNDER_REVIEW',
      'SUPPLEMENT_REQUIRED',
      'REFUSED',
      'APPROVED',
      'IN_PRODUCTION',
      'PRODUCED',
      'DISPATCHED',
      'READY_FOR_PICKUP',
      'DELIVERED',
      'CANCELLED',
    ]);
    for (const [name, value] of Object.entries(CaseStatus)) expect(value).toBe(name);
    for (const [name, value] of Object.entries(CaseEventType)) expect(value).toBe(name);
  });

  it('has REFUSED, DELIVERED and CANCELLED as the only terminal statuses', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['CANCELLED', 'DELIVERED', 'REFUSED']);
    expect(CASE_STATUSES.filter(isTerminal)).toEqual(['REFUSED', 'DELIVERED', 'CANCELLED']);
  });

  it('declares exactly the specified edges, each with its sending side', () => {
    const R = Side.RESIDENCE;
    const H = Side.HUKOU;
    const Y = Side.SYSTEM;
    const expected: [CaseStatus, CaseEventType, CaseStatus, Side][] = [
      [S.ACCEPTED, E.REVIEW_REQUESTED, S.UNDER_REVIEW, R],
      [S.UNDER_REVIEW, E.REVIEW_APPROVED, S.APPROVED, H],
      [S.UNDER_REVIEW, E.REVIEW_REFUSED, S.REFUSED, H],
      [S.UNDER_REVIEW, E.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_REQUIRED, H],
      [S.SUPPLEMENT_REQUIRED, E.SUPPLEMENT_SUBMITTED, S.UNDER_REVIEW, R],
      [S.UNDER_REVIEW, E.REVIEW_DEADLINE_PASSED, S.UNDER_REVIEW, Y],
      [S.APPROVED, E.PRODUCTION_STARTED, S.IN_PRODUCTION, R],
      [S.IN_PRODUCTION, E.PRODUCTION_FAILED, S.IN_PRODUCTION, R],
      [S.IN_PRODUCTION, E.PRODUCTION_COMPLETED, S.PRODUCED, R],
      [S.PRODUCED, E.DISPATCHED, S.DISPATCHED, R],
      [S.DISPATCHED, E.ARRIVED_AT_POINT, S.READY_FOR_PICKUP, R],
      [S.DISPATCHED, E.DELIVERED_BY_POST, S.DELIVERED, R],
      [S.DISPATCHED, E.POSTAL_RETURNED, S.DISPATCHED, R],
      [S.READY_FOR_PICKUP, E.COLLECTED, S.DELIVERED, R],
      [S.READY_FOR_PICKUP, E.PICKUP_REMINDER_DUE, S.READY_FOR_PICKUP, Y],
      [S.ACCEPTED, E.CANCELLED, S.CANCELLED, R],
      [S.UNDER_REVIEW, E.CANCELLED, S.CANCELLED, R],
      [S.SUPPLEMENT_REQUIRED, E.CANCELLED, S.CANCELLED, R],
      [S.APPROVED, E.CANCELLED, S.CANCELLED, R],
      ...CASE_STATUSES.filter((s) => !isTerminal(s)).map(
        (s): [CaseStatus, CaseEventType, CaseStatus, Side] => [
          s,
          E.STATUTORY_DEADLINE_PASSED,
          s,
          Y,
        ],
      ),
    ];
    const actual = TRANSITIONS.map((t) => [t.from, t.event, t.to, t.side].join(' '));
    expect([...actual].sort()).toEqual(expected.map((e) => e.join(' ')).sort());
  });

  it('puts the specified guards on the specified edges', () => {
    const guarded = TRANSITIONS.filter((t) => t.guard).map(
      (t) => `${t.from} ${t.event} ${t.guard?.name}`,
    );
    expect(guarded.sort()).toEqual([
      'DISPATCHED ARRIVED_AT_POINT DELIVERY_TARGET_IS_WINDOW',
      'DISPATCHED DELIVERED_BY_POST POSTAL_DELIVERY_OPEN',
      'DISPATCHED POSTAL_RETURNED POSTAL_DELIVERY_OPEN',
      'IN_PRODUCTION PRODUCTION_FAILED PRODUCTION_ATTEMPTS_REMAINING',
    ]);
  });

  it('is consistent: sides match SIDE_OF_EVENT, every event is used, no edge leaves a terminal, (from, event) is unique', () => {
    for (const t of TRANSITIONS) {
      expect(t.side).toBe(SIDE_OF_EVENT[t.event]);
      expect(isTerminal(t.from)).toBe(false);
      expect(t.description.length).toBeGreaterThan(0);
    }
    expect(new Set(TRANSITIONS.map((t) => t.event))).toEqual(new Set(CASE_EVENT_TYPES));
    const keys = TRANSITIONS.map((t) => `${t.from}|${t.event}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is frozen, so no consumer can change the machine', () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
    for (const t of TRANSITIONS) expect(Object.isFrozen(t)).toBe(true);
  });

  it('builds a new case in ACCEPTED with defaults, and rejects bad arguments', () => {
    expect(newCaseContext(DeliveryMethod.POST)).toEqual({
      status: S.ACCEPTED,
      deliveryMethod: 'POST',
      postalReturned: false,
      productionAttempts: 0,
      maxProductionAttempts: DEFAULT_MAX_PRODUCTION_ATTEMPTS,
    });
    expect(newCaseContext('WINDOW', { maxProductionAttempts: 5 }).maxProductionAttempts).toBe(5);
    expect(() => newCaseContext('COURIER' as DeliveryMethod)).toThrow(/deliveryMethod/);
    expect(() => newCaseContext('WINDOW', { maxProductionAttempts: 0 })).toThrow(
      /maxProductionAttempts/,
    );
  });
});

describe('workflow: happy paths', () => {
  it('window pickup: ACCEPTED through DELIVERED', () => {
    const run = drive(newCaseContext('WINDOW'), [
      E.REVIEW_REQUESTED,
      E.REVIEW_APPROVED,
      E.PRODUCTION_STARTED,
      E.PRODUCTION_COMPLETED,
      E.DISPATCHED,
      E.ARRIVED_AT_POINT,
      E.COLLECTED,
    ]);
    expect(run.statuses).toEqual([
      S.ACCEPTED,
      S.UNDER_REVIEW,
      S.APPROVED,
      S.IN_PRODUCTION,
      S.PRODUCED,
      S.DISPATCHED,
      S.READY_FOR_PICKUP,
      S.DELIVERED,
    ]);
    expect(run.ctx).toEqual({
      status: S.DELIVERED,
      deliveryMethod: 'WINDOW',
      postalReturned: false,
      productionAttempts: 1,
      maxProductionAttempts: DEFAULT_MAX_PRODUCTION_ATTEMPTS,
    });
  });

  it('postal delivery: DISPATCHED straight to DELIVERED', () => {
    const run = drive(newCaseContext('POST'), [
      E.REVIEW_REQUESTED,
      E.REVIEW_APPROVED,
      E.PRODUCTION_STARTED,
      E.PRODUCTION_COMPLETED,
      E.DISPATCHED,
      E.DELIVERED_BY_POST,
    ]);
    expect(run.statuses.slice(-2)).toEqual([S.DISPATCHED, S.DELIVERED]);
    expect(run.ctx.postalReturned).toBe(false);
  });

  it('postal delivery returned, then collected at the window', () => {
    const dispatched = caseAt(S.DISPATCHED, 'POST');
    expectRefused(transition(dispatched, anEvent(E.ARRIVED_AT_POINT)), 'GUARD_FAILED');

    const returned = assertTransition(dispatched, anEvent(E.POSTAL_RETURNED));
    expect(returned.to).toBe(S.DISPATCHED);
    expect(returned.context.postalReturned).toBe(true);
    expect(returned.effects).toEqual([CaseEffect.MARK_POSTAL_RETURNED]);
    expect(dispatched.postalReturned).toBe(false); // input untouched

    // Once returned, the post is out of the picture.
    expectRefused(transition(returned.context, anEvent(E.DELIVERED_BY_POST)), 'GUARD_FAILED');
    expectRefused(transition(returned.context, anEvent(E.POSTAL_RETURNED)), 'GUARD_FAILED');

    const run = drive(returned.context, [E.ARRIVED_AT_POINT, E.COLLECTED]);
    expect(run.statuses).toEqual([S.DISPATCHED, S.READY_FOR_PICKUP, S.DELIVERED]);
    expect(run.ctx.deliveryMethod).toBe('POST');
  });

  it('refused: UNDER_REVIEW to REFUSED, after which nothing moves the case', () => {
    const run = drive(newCaseContext('WINDOW'), [E.REVIEW_REQUESTED, E.REVIEW_REFUSED]);
    expect(run.statuses).toEqual([S.ACCEPTED, S.UNDER_REVIEW, S.REFUSED]);
    for (const type of CASE_EVENT_TYPES) {
      expectRefused(transition(run.ctx, anEvent(type)), 'TERMINAL_STATE');
    }
  });

  it('supplement loop: requested and submitted twice, then approved', () => {
    const run = drive(newCaseContext('WINDOW'), [
      E.REVIEW_REQUESTED,
      E.SUPPLEMENT_REQUESTED,
      E.SUPPLEMENT_SUBMITTED,
      E.SUPPLEMENT_REQUESTED,
      E.SUPPLEMENT_SUBMITTED,
      E.REVIEW_APPROVED,
    ]);
    expect(run.statuses).toEqual([
      S.ACCEPTED,
      S.UNDER_REVIEW,
      S.SUPPLEMENT_REQUIRED,
      S.UNDER_REVIEW,
      S.SUPPLEMENT_REQUIRED,
      S.UNDER_REVIEW,
      S.APPROVED,
    ]);
  });

  it('a supplement cannot be submitted unless requested', () => {
    const error = expectRefused(
      transition(caseAt(S.UNDER_REVIEW), anEvent(E.SUPPLEMENT_SUBMITTED)),
      'ILLEGAL_TRANSITION',
    );
    expect(error.message).toContain('SUPPLEMENT_REQUIRED');
  });
});

describe('workflow: withdrawal ("before production")', () => {
  it.each(CANCELLABLE_STATUSES)('is allowed from %s', (status) => {
    for (const method of ['WINDOW', 'POST'] as const) {
      const result = assertTransition(caseAt(status, method), anEvent(E.CANCELLED));
      expect(result.from).toBe(status);
      expect(result.to).toBe(S.CANCELLED);
    }
  });

  it('is allowed from exactly ACCEPTED, UNDER_REVIEW, SUPPLEMENT_REQUIRED, APPROVED', () => {
    expect(CANCELLABLE_STATUSES).toEqual([
      S.ACCEPTED,
      S.UNDER_REVIEW,
      S.SUPPLEMENT_REQUIRED,
      S.APPROVED,
    ]);
  });

  it.each([S.IN_PRODUCTION, S.PRODUCED, S.DISPATCHED, S.READY_FOR_PICKUP])(
    'is refused from %s with ILLEGAL_TRANSITION and a reason',
    (status) => {
      const error = expectRefused(
        transition(caseAt(status), anEvent(E.CANCELLED)),
        'ILLEGAL_TRANSITION',
      );
      expect(error.from).toBe(status);
      expect(error.event).toBe(E.CANCELLED);
      expect(error.side).toBe(Side.RESIDENCE);
      expect(
        error.message.startsWith(
          `cannot CANCELLED from ${status}: a case can be withdrawn only before production`,
        ),
      ).toBe(true);
    },
  );

  it.each([S.REFUSED, S.DELIVERED, S.CANCELLED])(
    'is refused from %s with TERMINAL_STATE',
    (status) => {
      const error = expectRefused(
        transition(caseAt(status), anEvent(E.CANCELLED)),
        'TERMINAL_STATE',
      );
      expect(error.message).toBe(
        `cannot CANCELLED from ${status}: ${status} is a terminal state; a closed case accepts no event`,
      );
    },
  );
});

describe('workflow: sides', () => {
  it('refuses the residence side approving a review (WRONG_SIDE)', () => {
    const error = expectRefused(
      transition(caseAt(S.UNDER_REVIEW), anEvent(E.REVIEW_APPROVED, Side.RESIDENCE)),
      'WRONG_SIDE',
    );
    expect(error).toMatchObject({
      from: S.UNDER_REVIEW,
      event: E.REVIEW_APPROVED,
      side: 'residence',
    });
    expect(error.message).toBe(
      'cannot REVIEW_APPROVED from UNDER_REVIEW: REVIEW_APPROVED is sent only by the hukou side, not by the residence side',
    );
  });

  it.each([
    [S.UNDER_REVIEW, E.REVIEW_REFUSED, Side.SYSTEM],
    [S.UNDER_REVIEW, E.SUPPLEMENT_REQUESTED, Side.RESIDENCE],
    [S.ACCEPTED, E.REVIEW_REQUESTED, Side.HUKOU],
    [S.APPROVED, E.PRODUCTION_STARTED, Side.HUKOU],
    [S.APPROVED, E.CANCELLED, Side.HUKOU],
    [S.READY_FOR_PICKUP, E.COLLECTED, Side.SYSTEM],
    [S.UNDER_REVIEW, E.REVIEW_DEADLINE_PASSED, Side.RESIDENCE],
    [S.ACCEPTED, E.STATUTORY_DEADLINE_PASSED, Side.HUKOU],
    [S.READY_FOR_PICKUP, E.PICKUP_REMINDER_DUE, Side.RESIDENCE],
  ])('refuses %s -- %s sent by %s', (status, type, side) => {
    const ctx = caseAt(status);
    expectRefused(transition(ctx, anEvent(type, side)), 'WRONG_SIDE');
    // ...while the proper side is accepted.
    expect(transition(ctx, anEvent(type)).ok).toBe(true);
  });

  it('reports a wrong side even on a closed case (a forged message is not benign)', () => {
    expectRefused(
      transition(caseAt(S.CANCELLED), anEvent(E.REVIEW_APPROVED, Side.RESIDENCE)),
      'WRONG_SIDE',
    );
  });

  it('refuses a side that is not a side at all', () => {
    const error = expectRefused(
      transition(caseAt(S.UNDER_REVIEW), { type: E.REVIEW_APPROVED, side: 'admin' as Side }),
      'WRONG_SIDE',
    );
    expect(error.side).toBe('admin');
  });
});

describe('workflow: guards', () => {
  it('a WINDOW case cannot be delivered by post nor returned by post', () => {
    const ctx = caseAt(S.DISPATCHED, 'WINDOW');
    for (const type of [E.DELIVERED_BY_POST, E.POSTAL_RETURNED]) {
      const error = expectRefused(transition(ctx, anEvent(type)), 'GUARD_FAILED');
      expect(error.guard).toBe('POSTAL_DELIVERY_OPEN');
      expect(error.message).toContain('deliveryMethod=WINDOW');
    }
  });

  it('a POST case in the post does not arrive at the window', () => {
    const error = expectRefused(
      transition(caseAt(S.DISPATCHED, 'POST'), anEvent(E.ARRIVED_AT_POINT)),
      'GUARD_FAILED',
    );
    expect(error.guard).toBe('DELIVERY_TARGET_IS_WINDOW');
    expect(error.message).toBe(
      'cannot ARRIVED_AT_POINT from DISPATCHED: guard DELIVERY_TARGET_IS_WINDOW failed: ' +
        'the card goes to the acceptance point: delivery method WINDOW, or a POST case whose postal delivery was returned ' +
        '(deliveryMethod=POST, postalReturned=false)',
    );
  });

  it('guards read the context, not the status path: a WINDOW case marked returned still goes to the window', () => {
    const ctx = aContext({ status: S.DISPATCHED, deliveryMethod: 'WINDOW', postalReturned: true });
    expect(transition(ctx, anEvent(E.ARRIVED_AT_POINT)).ok).toBe(true);
    expectRefused(transition(ctx, anEvent(E.POSTAL_RETURNED)), 'GUARD_FAILED');
  });
});

describe('workflow: production attempts', () => {
  it('counts the first start as attempt 1 and each remake as one more', () => {
    const run = drive(caseAt(S.APPROVED), [
      E.PRODUCTION_STARTED,
      E.PRODUCTION_FAILED,
      E.PRODUCTION_FAILED,
    ]);
    expect(run.steps.map((s) => s.context.productionAttempts)).toEqual([1, 2, 3]);
    expect(run.steps.map((s) => s.effects)).toEqual([
      [CaseEffect.INCREMENT_PRODUCTION_ATTEMPTS],
      [CaseEffect.INCREMENT_PRODUCTION_ATTEMPTS],
      [CaseEffect.INCREMENT_PRODUCTION_ATTEMPTS],
    ]);
    expect(run.ctx.status).toBe(S.IN_PRODUCTION);
  });

  it('refuses a remake beyond maxProductionAttempts, and the case can still complete', () => {
    const exhausted = drive(caseAt(S.APPROVED), [
      E.PRODUCTION_STARTED,
      E.PRODUCTION_FAILED,
      E.PRODUCTION_FAILED,
    ]).ctx;
    expect(exhausted.productionAttempts).toBe(DEFAULT_MAX_PRODUCTION_ATTEMPTS);
    const error = expectRefused(
      transition(exhausted, anEvent(E.PRODUCTION_FAILED)),
      'GUARD_FAILED',
    );
    expect(error.guard).toBe('PRODUCTION_ATTEMPTS_REMAINING');
    expect(error.message).toContain('productionAttempts=3, maxProductionAttempts=3');
    expect(transition(exhausted, anEvent(E.PRODUCTION_COMPLETED)).ok).toBe(true);
  });

  it.each([1, 2, 5])('allows exactly max - 1 remakes when maxProductionAttempts = %i', (max) => {
    let ctx = { ...caseAt(S.APPROVED), maxProductionAttempts: max };
    ctx = assertTransition(ctx, anEvent(E.PRODUCTION_STARTED)).context;
    let remakes = 0;
    for (;;) {
      const r = transition(ctx, anEvent(E.PRODUCTION_FAILED));
      if (!r.ok) {
        expect(r.error.code).toBe('GUARD_FAILED');
        break;
      }
      ctx = r.context;
      remakes++;
      expect(remakes).toBeLessThan(max);
    }
    expect(remakes).toBe(max - 1);
    expect(ctx.productionAttempts).toBe(max);
  });

  it('production cannot start twice (a duplicate PRODUCTION_STARTED is refused)', () => {
    expectRefused(
      transition(caseAt(S.IN_PRODUCTION), anEvent(E.PRODUCTION_STARTED)),
      'ILLEGAL_TRANSITION',
    );
  });
});

describe('workflow: timers', () => {
  it('REVIEW_DEADLINE_PASSED is a self-loop under review that flags and re-sends', () => {
    const r = assertTransition(caseAt(S.UNDER_REVIEW), anEvent(E.REVIEW_DEADLINE_PASSED));
    expect([r.from, r.to]).toEqual([S.UNDER_REVIEW, S.UNDER_REVIEW]);
    expect(r.effects).toEqual([CaseEffect.FLAG_REVIEW_OVERDUE, CaseEffect.RESEND_REVIEW_REQUEST]);
    expect(r.context).toEqual(caseAt(S.UNDER_REVIEW));
    for (const status of [S.ACCEPTED, S.SUPPLEMENT_REQUIRED, S.APPROVED]) {
      expectRefused(
        transition(caseAt(status), anEvent(E.REVIEW_DEADLINE_PASSED)),
        'ILLEGAL_TRANSITION',
      );
    }
  });

  it('STATUTORY_DEADLINE_PASSED flags every open case without moving it', () => {
    for (const status of CASE_STATUSES) {
      const ctx = caseAt(status);
      const r = transition(ctx, anEvent(E.STATUTORY_DEADLINE_PASSED));
      if (isTerminal(status)) {
        expectRefused(r, 'TERMINAL_STATE');
      } else {
        expect(r).toMatchObject({ ok: true, from: status, to: status, context: ctx });
        expect(r.ok && r.effects).toEqual([CaseEffect.FLAG_STATUTORY_OVERDUE]);
      }
    }
  });

  it('PICKUP_REMINDER_DUE applies only while the card waits at the window', () => {
    for (const status of CASE_STATUSES.filter((s) => !isTerminal(s))) {
      const r = transition(caseAt(status), anEvent(E.PICKUP_REMINDER_DUE));
      expect(r.ok).toBe(status === S.READY_FOR_PICKUP);
    }
  });
});

describe('workflow: malformed input', () => {
  it('reports an unknown event as UNKNOWN_EVENT', () => {
    const error = expectRefused(
      transition(aContext(), { type: 'TELEPORTED' as CaseEventType, side: Side.RESIDENCE }),
      'UNKNOWN_EVENT',
    );
    expect(error.message).toBe('cannot TELEPORTED from ACCEPTED: TELEPORTED is not a case event');
  });

  it('reports a malformed context as ILLEGAL_TRANSITION naming the field', () => {
    const bad = { ...aContext(), status: 'LOST' } as unknown as ReturnType<typeof aContext>;
    const error = expectRefused(transition(bad, anEvent(E.REVIEW_REQUESTED)), 'ILLEGAL_TRANSITION');
    expect(error.from).toBe('LOST');
    expect(error.message).toContain('status is not a case status');
    const noAttempts = { ...aContext(), productionAttempts: -1 };
    expect(
      expectRefused(transition(noAttempts, anEvent(E.REVIEW_REQUESTED)), 'ILLEGAL_TRANSITION')
        .message,
    ).toContain('productionAttempts');
  });

  it('returns only the context fields, ignoring extra properties of the input', () => {
    const entity = { ...aContext(), id: 'case-1', receiptNumber: 'R1' };
    const r = assertTransition(entity, anEvent(E.REVIEW_REQUESTED));
    expect(Object.keys(r.context).sort()).toEqual([
      'deliveryMethod',
      'maxProductionAttempts',
      'postalReturned',
      'productionAttempts',
      'status',
    ]);
  });
});

describe('workflow: error, assertTransition, allowedEvents', () => {
  it('IllegalTransitionError is an Error with plain JSON', () => {
    const error = expectRefused(
      transition(caseAt(S.DISPATCHED, 'POST'), anEvent(E.ARRIVED_AT_POINT)),
      'GUARD_FAILED',
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('IllegalTransitionError');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'IllegalTransitionError',
      code: 'GUARD_FAILED',
      from: 'DISPATCHED',
      event: 'ARRIVED_AT_POINT',
      side: 'residence',
      guard: 'DELIVERY_TARGET_IS_WINDOW',
      message: error.message,
    });
  });

  it('assertTransition returns the success or throws the error', () => {
    expect(assertTransition(aContext(), anEvent(E.REVIEW_REQUESTED)).to).toBe(S.UNDER_REVIEW);
    expect(() => assertTransition(caseAt(S.IN_PRODUCTION), anEvent(E.CANCELLED))).toThrow(
      IllegalTransitionError,
    );
    expect(() => assertTransition(caseAt(S.IN_PRODUCTION), anEvent(E.CANCELLED))).toThrow(
      /cannot CANCELLED from IN_PRODUCTION: a case can be withdrawn only before production/,
    );
  });

  it('allowedEvents lists what the case accepts now, optionally for one side', () => {
    expect(allowedEvents(aContext())).toEqual([
      E.REVIEW_REQUESTED,
      E.CANCELLED,
      E.STATUTORY_DEADLINE_PASSED,
    ]);
    expect(allowedEvents(caseAt(S.UNDER_REVIEW), Side.HUKOU)).toEqual([
      E.REVIEW_APPROVED,
      E.REVIEW_REFUSED,
      E.SUPPLEMENT_REQUESTED,
    ]);
    expect(allowedEvents(caseAt(S.DISPATCHED, 'POST'), Side.RESIDENCE)).toEqual([
      E.DELIVERED_BY_POST,
      E.POSTAL_RETURNED,
    ]);
    expect(allowedEvents(caseAt(S.DISPATCHED, 'WINDOW'), Side.RESIDENCE)).toEqual([
      E.ARRIVED_AT_POINT,
    ]);
    for (const status of TERMINAL_STATUSES) expect(allowedEvents(caseAt(status))).toEqual([]);
  });
});
