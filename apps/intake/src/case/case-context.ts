import type { MachineContext } from '@app/workflow';
import type { CaseEntity } from './case.entity';

/** The workflow context of a stored case: the only facts the state machine reads. */
export function contextOf(c: CaseEntity): MachineContext {
  return {
    status: c.status,
    deliveryMethod: c.deliveryMethod,
    postalReturned: c.postalReturned,
    productionAttempts: c.productionAttempts,
    maxProductionAttempts: c.maxProductionAttempts,
  };
}
