import { WorkflowMachine } from './machine';
import { NEWBORN_MACHINE } from './newborn-machine';
import { ID_CARD_MACHINE } from './transitions';

/**
 * The kinds of case and the machine each runs. A case stores its kind; the engine picks the
 * machine from it. A new service adds its machine here (and nothing in the engine changes).
 */
export const CaseKind = {
  ID_CARD: 'idcard',
  NEWBORN: 'newborn',
} as const;
export type CaseKind = (typeof CaseKind)[keyof typeof CaseKind];

export const MACHINES: Readonly<Record<CaseKind, WorkflowMachine>> = Object.freeze({
  [CaseKind.ID_CARD]: ID_CARD_MACHINE,
  [CaseKind.NEWBORN]: NEWBORN_MACHINE,
});

/** The machine of a kind of case; throws for a kind this build does not know. */
export function machineOf(kind: string): WorkflowMachine {
  const machine = (MACHINES as Record<string, WorkflowMachine | undefined>)[kind];
  if (!machine) throw new Error(`no workflow machine for case kind ${JSON.stringify(kind)}`);
  return machine;
}

/** Every status a case of any kind can be in (ID card statuses first, then newborn-only ones). */
export const ANY_CASE_STATUSES: readonly string[] = Object.freeze([
  ...new Set(Object.values(MACHINES).flatMap((m) => m.statuses)),
]);
