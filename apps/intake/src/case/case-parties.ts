import { Catalog, Service } from '@app/contracts';
import type { Address, CaseParties, Envelope } from '@app/messaging';
import { Party } from '@app/messaging';
import { Side } from '@app/workflow';

/** The route of a case: which province plays which party. */
export interface CaseRoute {
  residenceProvince: string;
  hukouProvince: string;
}

/** The provinces of the case's parties, as the outbox and the catalog name them. */
export function partiesOf(c: CaseRoute): CaseParties & Record<'residence' | 'hukou', string> {
  return { [Party.RESIDENCE]: c.residenceProvince, [Party.HUKOU]: c.hukouProvince };
}

/**
 * The workflow side of a message sender, from its verified address (the signature proves the
 * province; the service is that province's claim) and the case's own route:
 * verification of the hukou province → hukou; intake of the residence province (the case's own
 * timers) → system; production or delivery of the residence province → residence. Anything else
 * has no side for this case: the message is forged or misrouted.
 */
export function senderSide(sender: Address, route: CaseRoute): Side | undefined {
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

/**
 * Why a verified message may not act on this case, in words without personal data; undefined when
 * its parties hold. The catalog says which service of which party sends the type and which
 * consumes it: the sender must be that service of the case's province for that party, and the
 * message must be addressed to the party this node plays for the case.
 */
export function partyProblem(env: Envelope, c: CaseRoute): string | undefined {
  const definition = (Catalog as Record<string, (typeof Catalog)[keyof typeof Catalog]>)[env.type];
  if (!definition) return `${env.type} is not in the catalog`;
  const parties = partiesOf(c);
  const senderProvince = parties[definition.producerParty];
  if (env.sender.province !== senderProvince) {
    return `sender ${env.sender.province} is not the ${definition.producerParty} province of this case (${env.type} comes from the ${definition.producerParty} side)`;
  }
  if (env.sender.service !== definition.producer) {
    return `${env.type} is sent by ${definition.producer}, not by ${env.sender.service}`;
  }
  const recipientProvince = parties[definition.consumerParty];
  if (env.recipient.province !== recipientProvince) {
    return `recipient ${env.recipient.province} is not the ${definition.consumerParty} province of this case`;
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
