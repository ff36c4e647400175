import { DeadlineKind, MACHINES, transitionsFor, WorkflowMachine } from '@app/workflow';
import { DEADLINES } from './case-deadlines';

/**
 * A reminder is withdrawn when the case leaves the statuses that accept its deadline's event (see
 * CaseService.timersNoLongerAwaited). So every transition that enters such a status from one that
 * does not must arm the deadline again, or the case would wait there with no reminder (only the
 * reconciler would find it). The statutory limit is armed when the case is created, in a status
 * that accepts it, and every open status does.
 */
describe('deadlines and the machines: no status that waits for a deadline is entered without its reminder', () => {
  const accepts = (machine: WorkflowMachine, status: string, kind: DeadlineKind) =>
    transitionsFor(status, DEADLINES[kind].event, machine).length > 0;

  for (const machine of Object.values(MACHINES)) {
    it(`${machine.kind}: each transition into a status that waits for a deadline arms it`, () => {
      const missing: string[] = [];
      for (const t of machine.transitions) {
        for (const kind of Object.keys(DEADLINES) as DeadlineKind[]) {
          if (accepts(machine, t.from, kind) || !accepts(machine, t.to, kind)) continue;
          if (!(t.schedules ?? []).includes(kind))
            missing.push(`${t.from} -${t.event}-> ${t.to}: ${kind}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it(`${machine.kind}: the status a case is created in waits for the statutory limit`, () => {
      expect(accepts(machine, machine.initial, 'STATUTORY_DEADLINE')).toBe(true);
    });
  }
});
