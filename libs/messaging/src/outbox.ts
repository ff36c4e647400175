import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient, QueryResult } from 'pg';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { SqlWrite } from '@app/persistence';
import type { BullMqClient, WithdrawItem } from './bullmq.client';
import { NATIONAL_ADDRESS, Party } from './catalog';
import type { CaseParties, Catalog, MessageDefinition, MessageTypeOf, PayloadOf } from './catalog';
import { Address, Envelope, envelopeHash, UnsignedEnvelope } from './envelope';
import type { Keyring } from './keyring';
import { queueName } from './queues';
import { sealAndSign } from './sealed-envelope';
import type { SealedPayload } from './sealing';
import { currentRequestId } from './request-context';
import { assertSchemaName } from './tables';

export interface OutgoingMessage<C extends Catalog, T extends MessageTypeOf<C>> {
  type: T;
  caseId: string;
  payload: PayloadOf<C, T>;
  from: Address;
  /**
   * The provinces of the case's parties: the recipient is the catalog's consumer service in the
   * province of its consumer party, and the sender must be the producer service of the producer
   * party's province.
   */
  parties: CaseParties;
  /** Optional: when given, must be the address the catalog and the parties give. */
  to?: Address;
  /** The message this one answers: sets correlation, causation and the request hash. */
  replyTo?: Envelope;
  /** The message that caused this one without answering it. */
  causedBy?: Envelope;
  correlationId?: string;
  /** A durable timer: the job becomes visible after this delay. */
  delayMs?: number;
  /** Defaults to the message id. */
  jobId?: string;
}

/**
 * Writes outgoing messages in the caller's transaction. The envelope is built, its payload validated
 * against the catalog and sealed for the recipient province, and the whole signed here, so what the
 * relay publishes is exactly what was committed with the state change (the outbox holds no
 * plaintext payload).
 */
export class Outbox<C extends Catalog> {
  constructor(
    private readonly schema: string,
    private readonly catalog: C,
    private readonly keyring: Keyring,
  ) {
    assertSchemaName(schema);
  }

  async add<T extends MessageTypeOf<C>>(
    manager: EntityManager,
    message: OutgoingMessage<C, T>,
  ): Promise<Envelope<SealedPayload>> {
    const prepared = this.prepare(message);
    await this.write(manager, [prepared]);
    return prepared.envelope;
  }

  /**
   * Builds, validates, seals and signs a message without writing it: `write` puts several of them
   * in the outbox with one statement (a transition that sends a command and arms two timers).
   */
  prepare<T extends MessageTypeOf<C>>(message: OutgoingMessage<C, T>): PreparedMessage {
    const definition = this.catalog[message.type];
    if (!definition) throw new Error(`unknown message type ${message.type}`);
    const parsed = definition.schema.safeParse(message.payload);
    if (!parsed.success) {
      throw new Error(
        `outgoing ${message.type} payload invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const to = addressOf(message.type, definition, message.from, message.parties, message.to);
    const id = randomUUID();
    const now = new Date();
    const delayMs = Math.max(0, Math.round(message.delayMs ?? 0));
    const cause = message.replyTo ?? message.causedBy;
    const requestId = currentRequestId() ?? cause?.requestId;
    const unsigned: UnsignedEnvelope<PayloadOf<C, T>> = {
      id,
      type: message.type,
      schemaVersion: definition.version,
      caseId: message.caseId,
      correlationId: message.correlationId ?? cause?.correlationId ?? id,
      causationId: cause?.id ?? null,
      sender: message.from,
      recipient: to,
      sentAt: now.toISOString(),
      ...(delayMs > 0 ? { deliverAt: new Date(now.getTime() + delayMs).toISOString() } : {}),
      payload: parsed.data as PayloadOf<C, T>,
      inReplyTo: message.replyTo
        ? { messageId: message.replyTo.id, hash: envelopeHash(message.replyTo) }
        : null,
      ...(requestId ? { requestId } : {}),
    };
    const envelope = sealAndSign(this.keyring, unsigned);
    return {
      envelope,
      row: [
        id,
        queueName(to),
        message.type,
        message.caseId,
        envelope,
        delayMs,
        message.jobId ?? id,
      ],
    };
  }

  /** Writes prepared messages in the caller's transaction, all in one INSERT. */
  async write(manager: EntityManager, messages: readonly PreparedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { sql, params } = this.insertOf(messages);
    await manager.query(sql, params);
    this.written(manager);
  }

  /**
   * The INSERT of prepared messages, for a caller that joins it to other writes of its transaction
   * in one statement (see joinWrites); it then calls `written` once the statement ran.
   */
  insertOf(messages: readonly PreparedMessage[]): SqlWrite {
    const values = messages.map((_, i) => {
      const at = i * OUTBOX_COLUMNS;
      return `(${Array.from({ length: OUTBOX_COLUMNS }, (_c, k) => `$${at + k + 1}`).join(', ')})`;
    });
    return {
      sql: `INSERT INTO "${this.schema}".outbox (id, queue, type, case_id, envelope, delay_ms, job_id) VALUES ${values.join(', ')}`,
      params: messages.flatMap((m) => m.row),
    };
  }

  /**
   * Delayed messages (durable timers) this transaction makes useless, withdrawn from their queues
   * once it commits (nothing is withdrawn if it rolls back). Best effort, by design: a timer that
   * is not withdrawn (this process stops first, Redis is away) fires later and finds nothing to do,
   * as any stale timer does; what is withdrawn costs no handling then and no memory in Redis until.
   */
  withdrawAfterCommit(manager: EntityManager, items: readonly WithdrawItem[]): void {
    if (!manager.queryRunner) {
      throw new Error('withdrawAfterCommit needs a transaction: it runs when that commits');
    }
    if (items.length === 0) return;
    const data = manager.queryRunner.data as Record<
      string,
      Map<string, WithdrawItem[]> | undefined
    >;
    const bySchema = (data[OUTBOX_WITHDRAWALS] ??= new Map());
    bySchema.set(this.schema, [...(bySchema.get(this.schema) ?? []), ...items]);
  }

  /** Marks the transaction as one that wrote to this outbox: its commit wakes this process's relay. */
  written(manager: EntityManager): void {
    markOutboxWritten(manager.queryRunner, this.schema);
  }
}

/** The columns of an outbox row, in the order `PreparedMessage.row` holds them. */
const OUTBOX_COLUMNS = 7;

/** A message built, sealed and signed, ready for `Outbox.write`. */
export interface PreparedMessage {
  envelope: Envelope<SealedPayload>;
  /** id, queue, type, case_id, envelope, delay_ms, job_id */
  row: readonly unknown[];
}

/**
 * The recipient of a message from the catalog and the case's parties, after checking that the
 * catalog lets `from` send it for this case: the transport never publishes what the catalog does
 * not allow, whatever the caller asks.
 */
export function addressOf(
  type: string,
  definition: MessageDefinition,
  from: Address,
  parties: CaseParties,
  to?: Address,
): Address {
  const producerProvince = parties[definition.producerParty];
  if (
    from.service !== definition.producer ||
    !producerProvince ||
    from.province !== producerProvince
  ) {
    throw new Error(
      `the catalog does not let ${from.service} of ${from.province} send ${type}: only ${definition.producer} of the ${definition.producerParty} province of the case (${producerProvince ?? 'not given'})`,
    );
  }
  // The national node is no party of a case: it has one fixed address.
  const consumerProvince =
    definition.consumerParty === Party.NATIONAL
      ? NATIONAL_ADDRESS.province
      : parties[definition.consumerParty];
  if (!consumerProvince) {
    throw new Error(
      `${type} goes to the ${definition.consumerParty} province of the case, which was not given`,
    );
  }
  const address = { service: definition.consumer, province: consumerProvince };
  if (to && (to.service !== address.service || to.province !== address.province)) {
    throw new Error(
      `${type} goes to ${address.service} of ${address.province} (the ${definition.consumerParty} province of the case), not to ${to.service} of ${to.province}`,
    );
  }
  return address;
}

/**
 * Outbox writes are flagged on the transaction's query runner; relays of this process subscribe to
 * the DataSource's after-commit event and wake at once when a transaction that wrote to their
 * schema commits (a rolled-back one never wakes them). Relays of other processes find the rows by
 * polling. (LISTEN/NOTIFY would wake those too, but NOTIFY serialises commits: it halved producer
 * throughput in the messaging benchmark.)
 */
const OUTBOX_WRITES = 'outboxSchemasWritten';

/** Delayed jobs to withdraw once the transaction commits, by outbox schema (see withdrawAfterCommit). */
const OUTBOX_WITHDRAWALS = 'outboxWithdrawals';

/** The withdrawals a committed transaction left for `schema`'s relay, taken once. */
function takeWithdrawals(queryRunner: QueryRunner | undefined, schema: string): WithdrawItem[] {
  const data = queryRunner?.data as Record<string, Map<string, WithdrawItem[]> | undefined>;
  const items = data?.[OUTBOX_WITHDRAWALS]?.get(schema) ?? [];
  data?.[OUTBOX_WITHDRAWALS]?.delete(schema);
  return items;
}

function markOutboxWritten(queryRunner: QueryRunner | undefined, schema: string): void {
  if (!queryRunner) return;
  const data = queryRunner.data as Record<string, Set<string> | undefined>;
  (data[OUTBOX_WRITES] ??= new Set()).add(schema);
}

/** An outbox row as the relay reads it. */
interface OutboxRow {
  id: string;
  envelope: Envelope;
  delay_ms: string /* bigint */;
  job_id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface OutboxRelayOptions {
  batchSize: number;
  pollMs: number;
}

/**
 * Publishes committed outbox rows. Rows are claimed with FOR UPDATE SKIP LOCKED, so several relays
 * (in several processes) share the work without publishing a row twice; a row is marked sent in the
 * same transaction that claimed it, after BullMQ accepted it. If the process dies in between, the
 * row is still pending and is published again with the same job id: BullMQ ignores a job id it
 * already holds, and the consumer's inbox ignores a message id it already handled.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pendingWake = false;
  /** Rows published by this relay since start (for metrics and benchmarks). */
  published = 0;
  /** Delayed jobs withdrawn after their transaction committed, since start. */
  withdrawn = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly client: BullMqClient,
    private readonly options: OutboxRelayOptions,
  ) {
    assertSchemaName(schema);
    this.logger = new Logger(`OutboxRelay:${schema}`);
  }

  /** Called after an outbox write commits, so messages go out without waiting for the next poll. */
  nudge = (): void => {
    this.pendingWake = true;
    this.wake?.();
  };

  /** True from start() to stop(): readiness reports a relay that is not running. */
  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.dataSource.subscribers.push(this.commitSubscriber);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    const i = this.dataSource.subscribers.indexOf(this.commitSubscriber);
    if (i >= 0) this.dataSource.subscribers.splice(i, 1);
    this.wake?.();
    await this.loop;
  }

  private readonly commitSubscriber: EntitySubscriberInterface = {
    afterTransactionCommit: (event) => {
      const written = (event.queryRunner.data as Record<string, Set<string> | undefined>)[
        OUTBOX_WRITES
      ];
      if (written?.has(this.schema)) this.nudge();
      const withdrawals = takeWithdrawals(event.queryRunner, this.schema);
      if (withdrawals.length) void this.withdraw(withdrawals);
    },
    afterTransactionRollback: (event) => {
      takeWithdrawals(event.queryRunner, this.schema);
    },
  };

  /** Withdraws delayed jobs (see Outbox.withdrawAfterCommit); a failure is logged, never thrown. */
  private async withdraw(items: WithdrawItem[]): Promise<void> {
    try {
      this.withdrawn += await this.client.withdraw(items);
    } catch (error) {
      this.logger.warn(
        `could not withdraw ${items.length} delayed job(s); they will fire and find nothing to do: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Publishes one batch; returns how many rows it published. Two round trips to PostgreSQL, each
   * two statements sent as one simple-protocol query: `BEGIN` with the claim, and after BullMQ
   * accepted the batch, the mark with `COMMIT`. Every round trip costs CPU on both sides (the
   * client's socket write is the largest single cost in profiles), and the relay runs after nearly
   * every transaction that writes to an outbox. A simple query carries no bind parameters, so the
   * batch size and the ids are checked before they are written into the SQL.
   */
  async relayOnce(): Promise<number> {
    const { batchSize } = this.options;
    if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
      throw new Error(`outbox relay batchSize must be a positive integer, not ${batchSize}`);
    }
    const runner = this.dataSource.createQueryRunner();
    // The runner's pg client itself: TypeORM's runner.query reads the rows of one result and
    // returns nothing for a multi-statement query, for which pg gives an array of results.
    const pg = (await runner.connect()) as PoolClient;
    let ids: string[] = [];
    try {
      const [, claim] = (await pg.query(
        `BEGIN; SELECT id, envelope, delay_ms, job_id FROM "${this.schema}".outbox
          WHERE sent_at IS NULL ORDER BY seq LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`,
      )) as unknown as QueryResult<OutboxRow>[];
      const rows = claim.rows;
      ids = rows.map((r) => r.id);
      // The ids come from a uuid column; checked anyway, as they go into the SQL text.
      const notUuid = ids.find((id) => !UUID.test(id));
      if (notUuid !== undefined) throw new Error(`outbox id ${notUuid} is not a uuid`);
      if (rows.length === 0) {
        await pg.query('COMMIT');
        return 0;
      }
      await this.client.publish(
        rows.map((r) => ({ envelope: r.envelope, jobId: r.job_id, delayMs: Number(r.delay_ms) })),
      );
      await pg.query(
        `UPDATE "${this.schema}".outbox SET sent_at = now(), publish_attempts = publish_attempts + 1, last_error = NULL
          WHERE id = ANY('{${ids.join(',')}}'::uuid[]); COMMIT`,
      );
      this.published += rows.length;
      return rows.length;
    } catch (error) {
      // ROLLBACK fails only when the connection broke: the runner has then already given it back
      // to the pool as broken, and the pool discards it.
      await pg.query('ROLLBACK').catch(() => undefined);
      if (ids.length > 0) {
        // Outside the rolled-back transaction, so the attempt and the error stay recorded; a row
        // another relay has published meanwhile is left alone. Failing here (PostgreSQL gone)
        // must not hide the error that brought us here.
        await pg
          .query(
            `UPDATE "${this.schema}".outbox SET publish_attempts = publish_attempts + 1, last_error = $2
              WHERE id = ANY($1) AND sent_at IS NULL`,
            [ids, String((error as Error).message).slice(0, 500)],
          )
          .catch(() => undefined);
      }
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Rows not yet published (outbox backlog). */
  async backlog(): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM "${this.schema}".outbox WHERE sent_at IS NULL`,
    );
    return row.n;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      this.pendingWake = false;
      let published = 0;
      try {
        published = await this.relayOnce();
        failures = 0;
      } catch (error) {
        failures++;
        // Redis or Postgres unavailable: keep the rows, back off, try again.
        if (failures === 1 || failures % 20 === 0) {
          this.logger.warn(
            `publish failed (${failures}x), will retry: ${(error as Error).message}`,
          );
        }
      }
      if (!this.running) break;
      if (published === this.options.batchSize) continue;
      if (this.pendingWake && failures === 0) continue;
      const wait = failures
        ? Math.min(this.options.pollMs * 2 ** Math.min(failures, 5), 10_000)
        : this.options.pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
