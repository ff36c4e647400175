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
    const jobId = message.jobId ?? id;
    return {
      envelope,
      jobId,
      delayMs,
      row: [id, queueName(to), message.type, message.caseId, envelope, delayMs, jobId],
    };
  }

  /** Writes prepared messages in the caller's transaction, all in one INSERT. */
  async write(manager: EntityManager, messages: readonly PreparedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { sql, params } = this.insertOf(messages);
    await manager.query(sql, params);
    this.written(manager, messages);
  }

  /**
   * The INSERT of prepared messages, for a caller that joins it to other writes of its transaction
   * in one statement (see joinWrites); it then calls `written` with them once the statement ran (or
   * was queued for the COMMIT).
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
    if (items.length === 0) return;
    if (!manager.queryRunner) {
      throw new Error('withdrawAfterCommit needs a transaction: it runs when that commits');
    }
    afterCommitOf(manager.queryRunner, this.schema).withdrawals.push(...items);
  }

  /**
   * Records the messages this transaction wrote to this outbox: once it commits, this process's
   * relay publishes them at once (see OutboxRelay); nothing is published if it rolls back.
   */
  written(manager: EntityManager, messages: readonly PreparedMessage[]): void {
    if (!manager.queryRunner) return; // not in a transaction: the polling finds the rows
    const after = afterCommitOf(manager.queryRunner, this.schema);
    if (after.messages !== 'unknown') after.messages.push(...messages);
  }

  /**
   * Deletes messages this transaction wrote and must not send after all (an answer superseded
   * within the transaction): their rows, and the record that would publish them on commit.
   */
  async discard(manager: EntityManager, ids: readonly string[]): Promise<void> {
    await manager.query(`DELETE FROM "${this.schema}".outbox WHERE id = ANY($1::uuid[])`, [ids]);
    const after = manager.queryRunner && afterCommitOf(manager.queryRunner, this.schema);
    if (after && after.messages !== 'unknown') {
      const drop = new Set(ids);
      after.messages = after.messages.filter((m) => !drop.has(m.envelope.id));
    }
  }
}

/** The columns of an outbox row, in the order `PreparedMessage.row` holds them. */
const OUTBOX_COLUMNS = 7;

/** A message built, sealed and signed, ready for `Outbox.write`. */
export interface PreparedMessage {
  envelope: Envelope<SealedPayload>;
  /** id, queue, type, case_id, envelope, delay_ms, job_id */
  row: readonly unknown[];
  /** Its BullMQ job id (the message id unless the caller chose one) and delay, as published. */
  jobId: string;
  delayMs: number;
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
 * What a transaction leaves for its outbox's relay to do once it commits, by outbox schema, kept on
 * its query runner: the messages it wrote (the relay of this process publishes them as soon as it
 * commits; nothing if it rolls back) and the delayed jobs it made useless (withdrawn then). Rows
 * this misses (the process died, Redis was away, a savepoint rolled back) are found by the relays'
 * polling. (LISTEN/NOTIFY would wake other processes' relays, but NOTIFY serialises commits: it
 * halved producer throughput in the messaging benchmark.)
 */
interface AfterCommit {
  /** 'unknown' once a savepoint was rolled back after some were written: the table then tells. */
  messages: PreparedMessage[] | 'unknown';
  withdrawals: WithdrawItem[];
}

const AFTER_COMMIT = 'outboxAfterCommit';

function afterCommitOf(queryRunner: QueryRunner, schema: string): AfterCommit {
  const data = queryRunner.data as Record<string, Map<string, AfterCommit> | undefined>;
  const bySchema = (data[AFTER_COMMIT] ??= new Map());
  let after = bySchema.get(schema);
  if (!after) bySchema.set(schema, (after = { messages: [], withdrawals: [] }));
  return after;
}

/** What a transaction that ended left for `schema`'s relay, taken once (by one relay). */
function takeAfterCommit(queryRunner: QueryRunner, schema: string): AfterCommit | undefined {
  const bySchema = (queryRunner.data as Record<string, Map<string, AfterCommit> | undefined>)[
    AFTER_COMMIT
  ];
  const after = bySchema?.get(schema);
  bySchema?.delete(schema);
  return after;
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

/** How long marks of rows published on commit wait to go to PostgreSQL together, in ms. */
export const MARK_SENT_DELAY_MS = 20;

/**
 * Publishes committed outbox rows, two ways:
 * - **On commit**: the messages a transaction of this process wrote are published as soon as it
 *   commits, from memory (no claim, no read back), and marked sent a moment later, the marks of
 *   all messages published meanwhile in one statement (MARK_SENT_DELAY_MS). Why: the claim's
 *   transaction was two of a message's round trips to PostgreSQL, and a round trip costs more CPU
 *   on both sides than the statements themselves.
 * - **By polling**, for every row the first way missed (the process died before publishing or
 *   marking, Redis was away, another process wrote the row): rows are claimed with FOR UPDATE
 *   SKIP LOCKED, so several relays share the work without publishing a row twice, and marked sent
 *   in the same transaction that claimed them, after BullMQ accepted them. Rows this relay is
 *   publishing on commit, or has published and not yet marked, are left out of its claims.
 * A row published twice (by both ways: another process's polling may claim it between this
 * relay's publish and its mark; or again after a crash before its mark) carries the same job id:
 * BullMQ ignores a job id it already holds, and the consumer's inbox ignores a message id it
 * already handled.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private pendingWake = false;
  /** Rows published by this relay since start (for metrics and benchmarks). */
  published = 0;
  /** Delayed jobs asked to be withdrawn after their transaction committed, since start. */
  withdrawn = 0;
  /** Messages published on commit, from then until marked sent (left out of this relay's claims). */
  private readonly unmarked = new Set<string>();
  /** Committed in this turn of the event loop, published together at its end. */
  private committed: PreparedMessage[] = [];
  /** Published on commit, waiting for the next mark. */
  private toMark: string[] = [];
  private markTimer?: NodeJS.Timeout;
  /** Publishes and marks under way (stop() waits for them). */
  private readonly underWay = new Set<Promise<void>>();
  private publishFailures = 0;

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
    // Connects now (the producer connection is made on first use), so that what commits first is
    // published on commit rather than left to the polling.
    this.client.connected();
    this.dataSource.subscribers.push(this.commitSubscriber);
    this.loop = this.run();
  }

  /** Stops polling, then lets what was published on commit finish and marks it sent. */
  async stop(): Promise<void> {
    this.running = false;
    const i = this.dataSource.subscribers.indexOf(this.commitSubscriber);
    if (i >= 0) this.dataSource.subscribers.splice(i, 1);
    this.wake?.();
    await this.loop;
    if (this.committed.length) void this.track(this.publishBatch(this.committed.splice(0)));
    while (this.underWay.size) await Promise.allSettled([...this.underWay]);
    await this.track(this.markSent());
  }

  private readonly commitSubscriber: EntitySubscriberInterface = {
    afterTransactionCommit: (event) => {
      // A savepoint released (a nested transaction) is no commit: wait for the outermost one.
      if (event.queryRunner.isTransactionActive) return;
      const after = takeAfterCommit(event.queryRunner, this.schema);
      if (!after) return;
      if (after.messages === 'unknown') this.nudge();
      else if (after.messages.length) this.publishCommitted(after.messages);
      if (after.withdrawals.length) void this.track(this.withdraw(after.withdrawals));
    },
    afterTransactionRollback: (event) => {
      const after = takeAfterCommit(event.queryRunner, this.schema);
      if (after && event.queryRunner.isTransactionActive) {
        // Rolled back to a savepoint: which of the messages recorded so far survive is not known
        // here. The polling publishes what the outer transaction commits, from the table; the
        // withdrawals are dropped (best effort).
        afterCommitOf(event.queryRunner, this.schema).messages = 'unknown';
      }
    },
  };

  private track(work: Promise<void>): Promise<void> {
    this.underWay.add(work);
    return work.finally(() => this.underWay.delete(work));
  }

  /**
   * Publishes what a transaction of this process committed, now. If Redis is not connected, or
   * refuses, the rows stay pending and the polling takes them (with its backoff and its record of
   * attempts and errors).
   */
  private publishCommitted(messages: PreparedMessage[]): void {
    if (!this.client.connected()) {
      this.nudge();
      return;
    }
    for (const m of messages) this.unmarked.add(m.envelope.id);
    // The commits of one turn of the event loop go out together (one addBulk per queue), as the
    // polling's batches did: a publish per commit cost more CPU than the claims it saved.
    if (this.committed.length === 0) {
      setImmediate(() => void this.track(this.publishBatch(this.committed.splice(0))));
    }
    this.committed.push(...messages);
  }

  private async publishBatch(messages: PreparedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const ids = messages.map((m) => m.envelope.id);
    try {
      await this.client.publish(
        messages.map((m) => ({ envelope: m.envelope, jobId: m.jobId, delayMs: m.delayMs })),
      );
    } catch (error) {
      for (const id of ids) this.unmarked.delete(id);
      if (this.publishFailures++ % 100 === 0) {
        this.logger.warn(
          `publish on commit failed (${this.publishFailures}x); the rows stay for the polling: ${(error as Error).message}`,
        );
      }
      this.nudge();
      return;
    }
    this.publishFailures = 0;
    this.published += ids.length;
    this.toMark.push(...ids);
    this.markTimer ??= setTimeout(() => void this.track(this.markSent()), MARK_SENT_DELAY_MS);
  }

  /**
   * Marks what was published on commit as sent, in one statement. If PostgreSQL refuses, the rows
   * stay pending and the polling publishes them again (same job ids: nothing is applied twice).
   */
  private async markSent(): Promise<void> {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    const ids = this.toMark.splice(0);
    if (ids.length === 0) return;
    try {
      await this.dataSource.query(
        `UPDATE "${this.schema}".outbox SET sent_at = now(), publish_attempts = publish_attempts + 1, last_error = NULL
          WHERE id = ANY($1::uuid[]) AND sent_at IS NULL`,
        [ids],
      );
    } catch (error) {
      this.logger.warn(
        `could not mark ${ids.length} published row(s) sent; the polling publishes them again: ${(error as Error).message}`,
      );
    } finally {
      for (const id of ids) this.unmarked.delete(id);
    }
  }

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
    // Rows this relay published on commit and has not marked yet: not published again.
    const own = [...this.unmarked].filter((id) => UUID.test(id));
    const notOwn = own.length ? `AND id <> ALL('{${own.join(',')}}'::uuid[])` : '';
    try {
      const [, claim] = (await pg.query(
        `BEGIN; SELECT id, envelope, delay_ms, job_id FROM "${this.schema}".outbox
          WHERE sent_at IS NULL ${notOwn} ORDER BY seq LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`,
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
