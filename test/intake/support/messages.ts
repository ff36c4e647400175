import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Catalog, MessageType, Payload } from '@app/contracts';
import {
  Address,
  BullMqClient,
  Envelope,
  envelopeHash,
  Keyring,
  SealedPayload,
  sealAndSign,
  UnsignedEnvelope,
} from '@app/messaging';
import { TEST_REDIS_URL } from '../../support/database';
import type { TestSystem } from '../../support/system';

/**
 * Plays the other parties in tests: builds envelopes sealed and signed with the test system's keyring (as
 * verification of a hukou province, production or delivery of a residence province, or a forger)
 * and publishes them straight onto the recipient's queue. A reply (a type the catalog says
 * `answers` a request) quotes, like the real party would, the latest such request intake sent for
 * the case (read from intake's outbox), unless told otherwise.
 */
export class MessageInjector {
  private readonly keyring: Keyring;
  readonly client: BullMqClient;
  private readonly dataSource?: DataSource;
  /** The last request seen per case and type (used when the database cannot be read). */
  private readonly requests = new Map<string, Envelope>();

  constructor(
    system: Pick<TestSystem, 'keyringDir' | 'queuePrefix' | 'node'>,
    redisUrl = TEST_REDIS_URL,
  ) {
    this.keyring = Keyring.load(system.keyringDir, { provinces: [], autogenerate: false }).keyring;
    this.client = new BullMqClient({
      redisUrl,
      prefix: system.queuePrefix,
      retry: { attempts: Number(system.node.config.MESSAGE_ATTEMPTS), backoffMs: 50 },
    });
    this.dataSource = system.node.app.get(DataSource);
  }

  /** The latest request of `type` intake sent for the case (null when there is none). */
  async lastRequest(caseId: string, type: string): Promise<Envelope | null> {
    const key = `${caseId}|${type}`;
    try {
      const [row]: { envelope: Envelope }[] = await this.dataSource!.query(
        `SELECT envelope FROM intake.outbox WHERE case_id = $1 AND type = $2 ORDER BY seq DESC LIMIT 1`,
        [caseId, type],
      );
      if (row) this.requests.set(key, row.envelope);
    } catch {
      // The database may be down on purpose: answer the request seen last.
    }
    return this.requests.get(key) ?? null;
  }

  /** `inReplyTo` naming the latest request this reply type answers, or null. */
  async replyLink(type: MessageType, caseId: string): Promise<Envelope['inReplyTo']> {
    const answers = (Catalog[type] as { answers?: string }).answers;
    if (!answers) return null;
    const request = await this.lastRequest(caseId, answers);
    return request ? { messageId: request.id, hash: envelopeHash(request) } : null;
  }

  /** envelope(), quoting the request it answers as the real party would. */
  async reply<T extends MessageType>(
    type: T,
    caseId: string,
    payload: Payload<T>,
    from: Address,
    to: Address,
  ): Promise<Envelope<SealedPayload>> {
    return this.envelope(type, caseId, payload, from, to, await this.replyLink(type, caseId));
  }

  envelope<T extends MessageType>(
    type: T,
    caseId: string,
    payload: Payload<T>,
    from: Address,
    to: Address,
    inReplyTo: Envelope['inReplyTo'] = null,
    sentAt = new Date(),
  ): Envelope<SealedPayload> {
    const id = randomUUID();
    const unsigned: UnsignedEnvelope<Payload<T>> = {
      id,
      type,
      schemaVersion: Catalog[type].version,
      caseId,
      correlationId: caseId,
      causationId: null,
      sender: from,
      recipient: to,
      sentAt: sentAt.toISOString(),
      payload,
      inReplyTo,
    };
    return sealAndSign(this.keyring, unsigned);
  }

  async send<T extends MessageType>(
    type: T,
    caseId: string,
    payload: Payload<T>,
    from: Address,
    to: Address,
  ): Promise<Envelope<SealedPayload>> {
    const env = await this.reply(type, caseId, payload, from, to);
    return this.publish(env);
  }

  /** Publishes an envelope as it is (a second copy of one envelope needs another `jobId`). */
  async publish<E extends Envelope>(env: E, jobId = env.id): Promise<E> {
    await this.client.publish([{ envelope: env, jobId }]);
    return env;
  }

  /** A message to intake of `residence` from `service` of `province`. */
  toIntake<T extends MessageType>(
    type: T,
    caseId: string,
    payload: Payload<T>,
    from: { service: string; province: string },
    residence: string,
  ) {
    return this.send(type, caseId, payload, from, { service: 'intake', province: residence });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

const now = () => new Date().toISOString();

/** Payload builders for the answers of the other parties. */
export const answers = {
  approved(round: number, hukouCounty = '340104'): Payload<'review.decided'> {
    const today = now().slice(0, 10);
    return {
      round,
      outcome: 'APPROVED',
      decidedAt: now(),
      issue: {
        issuingAuthority: '合肥市公安局蜀山分局',
        issuingAuthorityCode: hukouCounty,
        issueDate: today,
        validFrom: today,
        validUntil: `${Number(today.slice(0, 4)) + 20}${today.slice(4)}`,
        validityYears: 20,
        address: '安徽省合肥市蜀山区长江西路1号',
      },
      refusal: null,
      supplement: null,
    };
  },
  refused(
    round: number,
    code = 'NOT_IN_REGISTRY',
    reason = 'not in the registry',
  ): Payload<'review.decided'> {
    return {
      round,
      outcome: 'REFUSED',
      decidedAt: now(),
      issue: null,
      refusal: { code, reason },
      supplement: null,
    };
  },
  supplement(round: number, codes = ['PHOTO_OUTDATED']): Payload<'review.decided'> {
    return {
      round,
      outcome: 'SUPPLEMENT_REQUIRED',
      decidedAt: now(),
      issue: null,
      refusal: null,
      supplement: { items: codes.map((code) => ({ code, description: `please supply ${code}` })) },
    };
  },
  started: (attempt = 1): Payload<'production.started'> => ({ attempt, startedAt: now() }),
  failed: (attempt: number): Payload<'production.attempt_failed'> => ({
    attempt,
    reason: 'chip write failed',
    failedAt: now(),
  }),
  completed: (attempts = 1, cardSerial = 'C33-000123'): Payload<'production.completed'> => ({
    cardSerial,
    attempts,
    producedAt: now(),
  }),
  dispatched: (method: 'WINDOW' | 'POST'): Payload<'delivery.dispatched'> => ({
    method,
    trackingNumber: method === 'POST' ? 'EMS1234567890' : null,
    dispatchedAt: now(),
  }),
  arrived: (): Payload<'delivery.arrived'> => ({ arrivedAt: now() }),
  returned: (): Payload<'delivery.returned'> => ({
    reason: 'addressee unknown',
    returnedAt: now(),
  }),
  completedDelivery: (
    method: 'WINDOW' | 'POST',
    collectedBy: 'APPLICANT' | 'PROXY' | 'ADDRESSEE' = 'APPLICANT',
  ): Payload<'delivery.completed'> => ({ method, collectedBy, completedAt: now() }),
};
