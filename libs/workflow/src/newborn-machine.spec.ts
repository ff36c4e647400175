import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CaseKind,
  DeliveryMethod,
  machineOf,
  MachineContext,
  NEWBORN_MACHINE,
  NEWBORN_STATUSES,
  NEWBORN_TERMINAL_STATUSES,
  NewbornEvent as E,
  NewbornStatus as S,
  runMachine,
  Side,
  toMermaid,
} from '@app/workflow';

const ctx = (status: string, deliveryMethod: DeliveryMethod = 'POST', postalReturned = false) =>
  ({
    status,
    deliveryMethod,
    postalReturned,
    productionAttempts: 0,
    maxProductionAttempts: 1,
  }) satisfies MachineContext;

/** Every context reachable from a new case (both delivery methods), with the edges between. */
function explore() {
  const key = (c: MachineContext) => `${c.status}|${c.deliveryMethod}|${c.postalReturned}`;
  const seen = new Map<string, MachineContext>();
  const queue = [ctx(S.ACCEPTED, 'WINDOW'), ctx(S.ACCEPTED, 'POST')];
  queue.forEach((c) => seen.set(key(c), c));
  for (let i = 0; i < queue.length; i++) {
    for (const type of NEWBORN_MACHINE.events) {
      const r = runMachine(NEWBORN_MACHINE, queue[i], {
        type,
        side: NEWBORN_MACHINE.sideOfEvent[type],
      });
      if (r.ok && !seen.has(key(r.context))) {
        seen.set(key(r.context), r.context);
        queue.push(r.context);
      }
    }
  }
  return queue;
}

describe('the newborn registration machine', () => {
  it('is the machine of newborn cases, with the statuses of the contract', () => {
    expect(machineOf(CaseKind.NEWBORN)).toBe(NEWBORN_MACHINE);
    expect(NEWBORN_STATUSES).toEqual([
      'ACCEPTED',
      'UNDER_REVIEW',
      'SUPPLEMENT_REQUIRED',
      'REFUSED',
      'REGISTERED',
      'DISPATCHED',
      'READY_FOR_PICKUP',
      'DELIVERED',
      'CANCELLED',
    ]);
  });

  it('registers and then orders the delivery of the page (no production step)', () => {
    const r = runMachine(NEWBORN_MACHINE, ctx(S.UNDER_REVIEW), {
      type: E.REGISTERED,
      side: Side.HUKOU,
    });
    expect(r.ok && r.to).toBe(S.REGISTERED);
    expect(r.ok && r.transition.sends?.map((s) => s.message)).toEqual(['delivery.ordered']);
    const opening = runMachine(NEWBORN_MACHINE, ctx(S.ACCEPTED), {
      type: NEWBORN_MACHINE.opening,
      side: Side.RESIDENCE,
    });
    expect(opening.ok && opening.transition.sends?.map((s) => s.message)).toEqual([
      'registration.requested',
    ]);
  });

  it('walks post: registered, dispatched, delivered; window: arrived, collected', () => {
    const walk = (method: DeliveryMethod, events: string[]) =>
      events.reduce<MachineContext>(
        (c, type) => {
          const r = runMachine(NEWBORN_MACHINE, c, {
            type,
            side: NEWBORN_MACHINE.sideOfEvent[type],
          });
          if (!r.ok) throw r.error;
          return r.context;
        },
        ctx(S.ACCEPTED, method),
      );
    const common = [E.REGISTRATION_REQUESTED, E.REGISTERED, E.DISPATCHED];
    expect(walk('POST', [...common, E.DELIVERED_BY_POST]).status).toBe(S.DELIVERED);
    expect(walk('WINDOW', [...common, E.ARRIVED_AT_POINT, E.COLLECTED]).status).toBe(S.DELIVERED);
  });

  it('withdraws only before registration', () => {
    for (const from of [S.ACCEPTED, S.UNDER_REVIEW, S.SUPPLEMENT_REQUIRED]) {
      const r = runMachine(NEWBORN_MACHINE, ctx(from), { type: E.CANCELLED, side: Side.RESIDENCE });
      expect(r.ok && r.to).toBe(S.CANCELLED);
      // Once the request went out, the hukou side is told (a notice: nothing waits for it).
      expect(r.ok && r.transition.sends).toEqual(
        from === S.ACCEPTED ? undefined : [{ message: 'registration.withdrawn', awaited: false }],
      );
    }
    for (const from of [S.REGISTERED, S.DISPATCHED, S.READY_FOR_PICKUP]) {
      const r = runMachine(NEWBORN_MACHINE, ctx(from), { type: E.CANCELLED, side: Side.RESIDENCE });
      expect(!r.ok && r.error.code).toBe('ILLEGAL_TRANSITION');
      expect(!r.ok && r.error.message).toContain('before the child is registered');
    }
  });

  it('refuses an ID-card event and a wrong side', () => {
    const approved = runMachine(NEWBORN_MACHINE, ctx(S.UNDER_REVIEW), {
      type: 'REVIEW_APPROVED',
      side: Side.HUKOU,
    });
    expect(!approved.ok && approved.error.code).toBe('UNKNOWN_EVENT');
    const forged = runMachine(NEWBORN_MACHINE, ctx(S.UNDER_REVIEW), {
      type: E.REGISTERED,
      side: Side.RESIDENCE,
    });
    expect(!forged.ok && forged.error.code).toBe('WRONG_SIDE');
  });

  it('reaches every status from a new case, and every open reachable context can still close', () => {
    const reachable = explore();
    expect(new Set(reachable.map((c) => c.status))).toEqual(new Set(NEWBORN_STATUSES));
    for (const c of reachable) {
      if (NEWBORN_TERMINAL_STATUSES.includes(c.status as never)) continue;
      // Breadth first from c: some terminal status is reachable.
      const seen = new Set([JSON.stringify(c)]);
      const queue = [c];
      let closes = false;
      for (let i = 0; i < queue.length && !closes; i++) {
        for (const type of NEWBORN_MACHINE.events) {
          const r = runMachine(NEWBORN_MACHINE, queue[i], {
            type,
            side: NEWBORN_MACHINE.sideOfEvent[type],
          });
          if (!r.ok) continue;
          if (NEWBORN_TERMINAL_STATUSES.includes(r.to as never)) closes = true;
          const k = JSON.stringify(r.context);
          if (!seen.has(k)) {
            seen.add(k);
            queue.push(r.context);
          }
        }
      }
      expect({ context: c, closes }).toEqual({ context: c, closes: true });
    }
  });

  it('is drawn, current, in docs/workflow.md', () => {
    const diagram = toMermaid({ machine: NEWBORN_MACHINE });
    expect(diagram).toContain('UNDER_REVIEW --> REGISTERED : REGISTERED');
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'workflow.md'), 'utf8');
    expect(doc).toContain('```mermaid\n' + diagram + '```');
  });
});
