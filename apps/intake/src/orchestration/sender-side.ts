import { Service } from '@app/contracts';
import type { Address } from '@app/messaging';
import { Side } from '@app/workflow';

/**
 * The workflow side of a message sender, from its verified address (the signature proves the
 * province; the service is that province's claim) and the case's own route:
 * verification of the hukou province → hukou; intake of the residence province (the case's own
 * timers) → system; production or delivery of the residence province → residence. Anything else
 * has no side for this case: the message is forged or misrouted.
 */
export function senderSide(
  sender: Address,
  route: { residenceProvince: string; hukouProvince: string },
): Side | undefined {
  if (sender.province === route.hukouProvince) {
    return sender.service === Service.VERIFICATION ? Side.HUKOU : undefined;
  }
  if (sender.province === route.residenceProvince) {
    if (sender.service === Service.INTAKE) return Side.SYSTEM;
    if (sender.service === Service.PRODUCTION || sender.service === Service.DELIVERY) {
      return Side.RESIDENCE;
    }
  }
  return undefined;
}

/** A message the case must never accept: it ends in the dead letters after its retries. */
export class RejectedMessageError extends Error {
  override readonly name = 'RejectedMessageError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
