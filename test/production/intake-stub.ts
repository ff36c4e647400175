import { authHeaders } from '../support/auth';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Catalog, MessageType, Payload } from '@app/contracts';
import { makeCitizenId } from '@app/domain';
import {
  Address,
  BullMqClient,
  Envelope,
  Keyring,
  openEnvelope,
  queueName,
  SealedPayload,
  sealAndSign,
  UnsignedEnvelope,
} from '@app/messaging';
import { TEST_REDIS_URL } from '../support/database';
import { testRedis } from '../support/redis';
import type { TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

/**
 * Plays intake of one or more provinces against a running test system: signs envelopes exactly as
 * an Outbox would (with the keys the system generated) and publishes them on the system's queues;
 * reads what the services under test sent back from their outbox tables. Shared by the production
 * and delivery e2e specs.
 */
export class IntakeStub {
  readonly keyring: Keyring;
  readonly dataSource: DataSource;
  private readonly client: BullMqClient;

  constructor(
    private readonly sys: TestSystem,
    provinces: readonly string[],
  ) {
    this.keyring = Keyring.load(sys.keyringDir, { provinces, autogenerate: false }).keyring;
    this.client = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: sys.queuePrefix,
      retry: { attempts: sys.node.config.MESSAGE_ATTEMPTS, backoffMs: 50 },
    });
    this.dataSource = sys.node.app.get(DataSource);
  }

  /**
   * A sealed and signed envelope with the fields an Outbox sets (no reply, new conversation by
   * default).
   */
  envelope<T extends MessageType>(
    type: T,
    message: {
      caseId: string;
      payload: Payload<T>;
      from: Address;
      to: Address;
      correlationId?: string;
    },
  ): Envelope<SealedPayload> {
    const definition = Catalog[type];
    const payload = definition.schema.parse(message.payload) as Payload<T>;
    const id = randomUUID();
    const unsigned: UnsignedEnvelope<Payload<T>> = {
      id,
      type,
      schemaVersion: definition.version,
      caseId: message.caseId,
      correlationId: message.correlationId ?? id,
      causationId: null,
      sender: message.from,
      recipient: message.to,
      sentAt: new Date().toISOString(),
      payload,
      inReplyTo: null,
    };
    return sealAndSign(this.keyring, unsigned);
  }

  /** Publishes envelopes with their message id as job id (or the given job ids), as the relay does. */
  async publish(...envelopes: Envelope[]): Promise<void> {
    await this.client.publish(envelopes.map((envelope) => ({ envelope, jobId: envelope.id })));
  }

  /** Publishes one envelope again under another job id: a redelivery of the same message. */
  async redeliver(envelope: Envelope): Promise<void> {
    await this.client.publish([{ envelope, jobId: randomUUID() }]);
  }

  async send<T extends MessageType>(
    type: T,
    message: Parameters<IntakeStub['envelope']>[1] & { payload: Payload<T> },
  ): Promise<Envelope<SealedPayload>> {
    const envelope = this.envelope(type, message);
    await this.publish(envelope);
    return envelope;
  }

  /**
   * Messages the service of `schema` committed for a case, in commit order, as their recipient reads
   * them (payload opened; the outbox holds them sealed).
   */
  async sent(schema: string, caseId: string): Promise<{ type: string; envelope: Envelope }[]> {
    const rows: { type: string; envelope: Envelope }[] = await this.dataSource.query(
      `SELECT type, envelope FROM "${schema}".outbox WHERE case_id = $1
       ORDER BY created_at, (envelope->>'sentAt'), ctid`,
      [caseId],
    );
    return rows.map((r) => ({
      ...r,
      envelope: { ...r.envelope, payload: openEnvelope(this.keyring, r.envelope) },
    }));
  }

  /** Waits until the service has committed at least `count` messages of `type` for the case. */
  async waitForSent(schema: string, caseId: string, type: string, count = 1): Promise<Envelope[]> {
    const rows = await waitFor(
      `${count} ${type} for case ${caseId} in ${schema}.outbox`,
      () => this.sent(schema, caseId),
      (list) => list.filter((r) => r.type === type).length >= count,
    );
    return rows.filter((r) => r.type === type).map((r) => r.envelope);
  }

  /** Waits until the inbox of `schema` holds the message: it was handled (or ignored as duplicate). */
  async waitForHandled(schema: string, messageId: string): Promise<void> {
    await waitFor(
      `message ${messageId} in ${schema}.inbox`,
      async () =>
        (await this.dataSource.query(`SELECT 1 FROM "${schema}".inbox WHERE message_id = $1`, [
          messageId,
        ])) as unknown[],
      (rows) => rows.length === 1,
    );
  }

  /** Waits until a queue has no job waiting, delayed or running (every copy was processed). */
  async waitForQueueIdle(address: Address): Promise<void> {
    const connection = testRedis();
    const queue = new Queue(queueName(address), { connection, prefix: this.sys.queuePrefix });
    try {
      await waitFor(
        `queue ${queueName(address)} idle`,
        () => queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children'),
        (counts) => Object.values(counts).every((n) => n === 0),
      );
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  async deadLetters(schema: string, caseId: string) {
    return this.dataSource.query(
      `SELECT reason, error, attempts, message_id FROM "${schema}".dead_letters WHERE case_id = $1`,
      [caseId],
    ) as Promise<{ reason: string; error: string; attempts: number; message_id: string }[]>;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

// ── test data ────────────────────────────────────────────────────────────────────────────────

let sequence = 100;
function nextCitizenId(birthDate: string): string {
  sequence = (sequence + 2) % 998;
  return makeCitizenId({ addressCode: '340104', birthDate, sequence });
}

/** A production order of an applicant approved by the hukou county bureau of 340104 (合肥 蜀山区). */
export function productionOrder(
  point = '330402-01',
  over: Partial<Payload<'production.ordered'>> = {},
): Payload<'production.ordered'> {
  return {
    receiptNumber: `R${point.slice(0, 6)}-${randomUUID().slice(0, 8)}`,
    acceptancePoint: point,
    applicant: {
      idNumber: nextCitizenId('2009-06-15'),
      name: '测试申请人',
      sex: 'F',
      ethnicity: '汉',
      birthDate: '2009-06-15',
    },
    issue: {
      issuingAuthority: '合肥市公安局蜀山分局',
      issuingAuthorityCode: '340104',
      issueDate: '2025-05-27',
      validFrom: '2025-05-27',
      validUntil: '2030-05-27',
      validityYears: 5,
      address: '安徽省合肥市蜀山区测试路1号',
    },
    photoId: randomUUID(),
    ...over,
  };
}

/** A delivery order; `proxy: true` names a proxy at intake, `method: 'POST'` adds a postal address. */
export function deliveryOrder(
  opts: { point?: string; method?: 'WINDOW' | 'POST'; proxy?: boolean } = {},
): Payload<'delivery.ordered'> {
  const point = opts.point ?? '330402-01';
  const method = opts.method ?? 'WINDOW';
  return {
    receiptNumber: `R${point.slice(0, 6)}-${randomUUID().slice(0, 8)}`,
    acceptancePoint: point,
    cardSerial: `${point.slice(0, 2)}-20250527-${String(sequence).padStart(7, '0')}`,
    method,
    applicant: { idNumber: nextCitizenId('2009-06-15'), name: '测试申请人' },
    proxy: opts.proxy ? { name: '测试代领人', idNumber: nextCitizenId('1979-01-20') } : null,
    postal:
      method === 'POST'
        ? { recipient: '测试申请人', address: '浙江省嘉兴市南湖区测试街2号', phone: '13800000000' }
        : null,
  };
}

/** HTTP against the system under test, as a caller identified by a development bearer token. */
export async function call(
  sys: TestSystem,
  method: 'GET' | 'POST',
  path: string,
  caller: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const res = await fetch(`${sys.url}${path}`, {
    method,
    headers: { ...caller, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : {},
    retryAfter: res.headers.get('retry-after'),
  };
}

export const clerkOf = (point: string) => authHeaders({ role: 'clerk', point });
export const courierOf = (province: string) => authHeaders({ role: 'delivery', province });
export const opsOf = (province: string) => authHeaders({ role: 'ops', province });
