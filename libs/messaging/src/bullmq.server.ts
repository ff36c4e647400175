import { ArgumentsHost, Catch, Logger, RpcExceptionFilter } from '@nestjs/common';
import {
  BaseRpcContext,
  CustomTransportStrategy,
  RpcException,
  Server,
} from '@nestjs/microservices';
import { ConnectionOptions, DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { isUnavailable, OpeningRead, transactionOpenedWith } from '@app/persistence';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import { Catalog, typesConsumedBy } from './catalog';
import { DeadLetterReason, DeadLetterStore, refusalReason } from './dead-letters';
import { Address, Envelope, envelopeShapeProblem, signingBytes } from './envelope';
import type { Keyring } from './keyring';
import { queueName } from './queues';
import type { ForegroundLoad } from './foreground';
import { createRedisClient, DependencyLog, RedisClient, RedisEndpoint } from './redis';
import { openEnvelope } from './sealed-envelope';
import { SealingError } from './sealing';
import { requestContext } from './request-context';
import { assertSchemaName } from './tables';

/**
 * The advisory lock (pg_advisory_xact_lock(hashtextextended(key, 0))) under which `service`
 * handles the messages of one case, taken by the transport with the inbox record. A handler or an
 * HTTP route of the service that must not run beside them takes the same key.
 */
function caseLockKey(service: string, caseId: string): string {
  return `${service}:${caseId}`;
}

/**
 * What a handler gets besides the envelope: the BullMQ job and, above all, the EntityManager of the
 * transaction in which the message id was recorded in the inbox. Every effect of the handler must go
 * through this manager, so the effect and the inbox record commit (or roll back) together.
 */
export class BullMqContext extends BaseRpcContext<[Job, EntityManager, Envelope]> {
  getJob(): Job {
    return this.args[0];
  }
  getManager(): EntityManager {
    return this.args[1];
  }
  getEnvelope(): Envelope {
    return this.args[2];
  }
}

export type MessageOutcome = 'handled' | 'duplicate' | 'failed' | 'dead-lettered' | 'out-of-order';

/**
 * Thrown by a handler for a message that overtook its predecessor (e.g. `production.completed`
 * consumed before `production.started` of the same card): nothing is wrong with it, it is only
 * early. The transport parks it without spending an attempt, and hands it to the handler again as
 * soon as another message of the same case has been handled on this node (its predecessor, most
 * likely), or after OUT_OF_ORDER_RECHECK_MS at the latest (when the predecessor is handled by
 * another node). So an early message never waits for a retry backoff and can never be
 * dead-lettered for being early.
 */
export class OutOfOrderError extends Error {
  override readonly name = 'OutOfOrderError';
}

/** An OutOfOrderError, also when a handler wrapped it in an RpcException. */
export function isOutOfOrder(error: unknown): error is Error {
  if (error instanceof OutOfOrderError) return true;
  return error instanceof RpcException && error.getError() instanceof OutOfOrderError;
}

/** Longest wait of a parked (early) message before it is tried again without a wake-up. */
export const OUT_OF_ORDER_RECHECK_MS = 1000;

/** Hook for metrics: called once per processing attempt. */
export interface MessagingObserver {
  processed(info: {
    queue: string;
    type: string;
    outcome: MessageOutcome;
    ms: number;
    reason?: DeadLetterReason;
  }): void;
}

/** One service hosted by this node: its name, its own schema and the provinces it serves. */
export interface HostedService {
  /** e.g. "verification". */
  service: string;
  /** The service's own schema, holding its inbox and dead letters. */
  schema: string;
  /** Provinces whose queues of that service this node consumes. */
  provinces: readonly string[];
  /**
   * What the service's handlers read first for a message (its case's row, say), sent with the
   * transaction's opening, after the case's lock and the inbox row: a handler that takes the rows
   * with takeOpened(manager, key) before anything else saves a round trip; one that finds none
   * (or has sent anything before) reads for itself. It gets the envelope as received and its
   * payload as opened and validated (what the read needs of it stays out of the logs: it is bound
   * as parameters).
   */
  openingRead?: (envelope: Envelope, payload: unknown) => OpeningRead | undefined;
}

export interface BullMqServerOptions {
  /** A redis:// URL or a redis-cluster:// node list (see RedisEndpoint). */
  redisUrl: RedisEndpoint;
  /** Where connection errors go (one line per outage); by default a log of this server's own. */
  dependencies?: DependencyLog;
  prefix: string;
  /**
   * The services whose queues this node consumes. An all-in-one node hosts all of them in one
   * server, because Nest hands every @EventPattern of the application to every transport.
   */
  services: readonly HostedService[];
  catalog: Catalog;
  keyring: Keyring;
  dataSource: DataSource;
  concurrency: number;
  observer?: MessagingObserver;
  /**
   * Messages sent longer ago than this are refused as replays (the inbox only remembers ids it has
   * seen; this bounds what an attacker could replay). A message whose handler failed here (a
   * HANDLER_FAILED dead letter) may be replayed by ops after the window; a copy refused as STALE
   * stays refused however often it arrives. Default: no limit.
   */
  maxMessageAgeMs?: number;
  /**
   * At most this many messages handled at once by the whole node, across all its queues (each
   * holds a database connection for its inbox transaction). Set below the connection pool so that
   * HTTP requests and outbox relays always find a connection instead of queueing behind a backlog
   * of messages. Default: no limit beyond `concurrency` per queue.
   */
  maxInFlight?: number;
  /**
   * The node's HTTP requests in flight. While any is being answered, at most
   * `maxInFlightWhileServing` messages are handled at once (the front door first: message handlers
   * and requests share one event loop and one connection pool); the rest wait in their queues.
   */
  foreground?: ForegroundLoad;
  maxInFlightWhileServing?: number;
}

/**
 * A counting semaphore whose size may change (FIFO waiters, no timeouts): `limit()` is asked on
 * every acquire and release, and `recheck()` lets waiters in when it grew.
 */
class Slots {
  private used = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly limit: () => number) {}
  async acquire(): Promise<void> {
    if (this.waiters.length === 0 && this.used < this.limit()) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    this.used--;
    this.recheck();
  }
  recheck(): void {
    while (this.waiters.length > 0 && this.used < this.limit()) {
      this.used++;
      this.waiters.shift()!();
    }
  }
}

/** How long a job waits when PostgreSQL is unreachable before it is tried again. */
const UNAVAILABLE_RETRY_MS = 2000;

/** Clock skew tolerated between provinces for a message's sentAt. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

class Rejected extends Error {
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A custom @nestjs/microservices transport over BullMQ: one worker per province queue of the service,
 * dispatching each job to the `@EventPattern(type)` handler of its message type, inside an inbox
 * transaction. Bad messages (malformed, forged, misaddressed, invalid) go straight to the dead-letter
 * table; a failing handler is retried with backoff and dead-lettered after its last attempt; a
 * message that overtook its predecessor (OutOfOrderError) is parked and woken, spending no attempt. Either
 * way the worker keeps going: nothing a message contains can stop the queue.
 */
export class BullMqServer extends Server implements CustomTransportStrategy {
  private readonly workers: Worker[] = [];
  /** Early messages parked (delayed jobs) by case id, woken when that case moves on this node. */
  private readonly parked = new Map<string, Set<Job>>();
  private readonly deadLetters = new Map<string, DeadLetterStore>();
  private readonly log = new Logger('BullMqServer');
  private readonly slots?: Slots;
  private readonly dependencies: DependencyLog;
  /**
   * One connection shared by all workers of this node for their ordinary commands; BullMQ adds one
   * blocking connection per worker (a blocking wait cannot share a connection).
   */
  private connection?: RedisClient;

  constructor(private readonly options: BullMqServerOptions) {
    super();
    this.dependencies = options.dependencies ?? new DependencyLog();
    const { maxInFlight, foreground, maxInFlightWhileServing } = options;
    if (maxInFlight !== undefined || (foreground && maxInFlightWhileServing !== undefined)) {
      const most = Math.max(1, maxInFlight ?? Number.POSITIVE_INFINITY);
      const serving = Math.max(1, Math.min(most, maxInFlightWhileServing ?? most));
      const slots = new Slots(() => (foreground?.busy ? serving : most));
      foreground?.onIdle(() => slots.recheck());
      this.slots = slots;
    }
    for (const hosted of options.services) {
      assertSchemaName(hosted.schema);
      this.deadLetters.set(hosted.service, new DeadLetterStore(options.dataSource, hosted.schema));
    }
  }

  /** Fails when a consumed message type has no handler or two, or a handler has no message type. */
  checkHandlers(): void {
    const hosted = this.options.services.map((s) => s.service).join(', ');
    const expected = new Set(
      this.options.services.flatMap((s) => typesConsumedBy(this.options.catalog, s.service)),
    );
    const problems: string[] = [];
    for (const type of expected) {
      const handler = this.messageHandlers.get(type);
      if (!handler) problems.push(`no handler for ${type}`);
      else if (handler.next) problems.push(`more than one handler for ${type}`);
    }
    for (const pattern of this.messageHandlers.keys()) {
      if (!expected.has(pattern))
        problems.push(`handler for ${pattern}, which the catalog does not route to ${hosted}`);
    }
    if (problems.length) throw new Error(`messaging for ${hosted}: ${problems.join('; ')}`);
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      this.checkHandlers();
      this.connection = this.dependencies.watch(
        createRedisClient(this.options.redisUrl, 'worker', { connectionName: 'idcard:workers' }),
      );
      for (const hosted of this.options.services) {
        for (const province of hosted.provinces) {
          const address = { service: hosted.service, province };
          const name = queueName(address);
          const worker = new Worker(
            name,
            (job, token) => this.process(job, token, address, hosted),
            {
              // bullmq ships its own ioredis copy; it recognises any client by its methods.
              connection: this.connection as unknown as ConnectionOptions,
              prefix: this.options.prefix,
              concurrency: this.options.concurrency,
            },
          );
          worker.on('error', (error) => this.dependencies.error('redis', error, `worker ${name}`));
          // A job whose worker died while handling it too often is failed by BullMQ without
          // reaching process(): record it, so no message ends only in Redis's failed set.
          worker.on('failed', (job, error) => {
            if (!job || !/stalled/i.test(error.message)) return;
            void this.deadLetters
              .get(hosted.service)!
              .record({
                queue: name,
                reason: DeadLetterReason.HANDLER_FAILED,
                error: error.message,
                attempts: job.attemptsMade,
                envelope: job.data,
              })
              .catch((e: Error) =>
                this.log.error(`could not dead-letter stalled job ${job.id}: ${e.message}`),
              );
          });
          this.workers.push(worker);
        }
        this.log.log(
          `consuming ${hosted.provinces.length} queue(s) of ${hosted.service} (provinces ${hosted.provinces.join(',')})`,
        );
      }
    } catch (error) {
      callback(error);
      return;
    }
    // Report "listening" only once every worker is connected: a node closed right after start
    // then closes connected workers instead of racing their connection attempts.
    Promise.all(this.workers.map((w) => w.waitUntilReady())).then(
      () => callback(),
      (error) => callback(error),
    );
  }

  /** Waits for in-flight jobs to finish before the connections close. */
  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    this.workers.length = 0;
    this.connection?.disconnect();
    this.connection = undefined;
  }

  on(): void {
    // Worker events are logged where the workers are created.
  }

  unwrap<T>(): T {
    return this.workers as T;
  }

  /**
   * PostgreSQL (or Redis) unreachable is not the message's fault: the job waits and tries again
   * without spending one of its attempts, however long the outage lasts, so it is neither failed
   * for good nor dead-lettered (the dead-letter table is in PostgreSQL too).
   */
  private async process(
    job: Job,
    token: string | undefined,
    address: Address,
    hosted: HostedService,
  ): Promise<MessageOutcome> {
    await this.slots?.acquire();
    try {
      // The handler's logs and the messages it causes carry the request that started the chain.
      const requestId = (job.data as Partial<Envelope> | null)?.requestId;
      const outcome = await requestContext.run(
        { requestId: typeof requestId === 'string' ? requestId : undefined },
        () => this.processOnce(job, address, hosted),
      );
      if (outcome === 'handled') this.wakeParked((job.data as Envelope).caseId);
      if (this.dependencies.isDown('postgres')) this.dependencies.recovered('postgres');
      return outcome;
    } catch (error) {
      if (isOutOfOrder(error) && token) return this.park(job, token, error);
      if (!isUnavailable(error) || !token) throw error;
      // Once per outage in the log (every waiting job is counted in metrics, not logged).
      this.dependencies.error(
        'postgres',
        new Error(
          `jobs wait ${UNAVAILABLE_RETRY_MS} ms at a time without spending attempts: ${describe(error)}`,
        ),
      );
      this.options.observer?.processed({
        queue: job.queueName,
        type: this.knownType(job.data),
        outcome: 'failed',
        ms: 0,
      });
      await job.moveToDelayed(Date.now() + UNAVAILABLE_RETRY_MS, token);
      throw new DelayedError();
    } finally {
      this.slots?.release();
    }
  }

  /**
   * Parks an early message: the job goes back to the delayed set without spending an attempt
   * (DelayedError), registered under its case so that the next message handled for that case wakes
   * it at once (wakeParked); the delay is only the fallback for a predecessor handled elsewhere.
   */
  private async park(job: Job, token: string, error: Error): Promise<never> {
    const caseId = (job.data as Envelope).caseId;
    this.log.log(`parked early message until its predecessor is handled: ${error.message}`, {
      messageId: (job.data as Envelope).id,
      caseId,
      type: (job.data as Envelope).type,
    });
    this.options.observer?.processed({
      queue: job.queueName,
      type: this.knownType(job.data),
      outcome: 'out-of-order',
      ms: 0,
    });
    await job.moveToDelayed(Date.now() + OUT_OF_ORDER_RECHECK_MS, token);
    let jobs = this.parked.get(caseId);
    if (!jobs) this.parked.set(caseId, (jobs = new Set()));
    jobs.add(job);
    throw new DelayedError();
  }

  /** A message of this case was handled: parked early messages of the case are tried again now. */
  private wakeParked(caseId: string): void {
    const jobs = this.parked.get(caseId);
    if (!jobs) return;
    this.parked.delete(caseId);
    for (const job of jobs) {
      // Already picked up again by its own delay (or gone): nothing to promote.
      job.promote().catch(() => undefined);
    }
  }

  /** The message type as a metrics label: only catalog types, so junk cannot create label values. */
  private knownType(raw: unknown): string {
    const type = (raw as Envelope | null)?.type;
    return typeof type === 'string' &&
      Object.prototype.hasOwnProperty.call(this.options.catalog, type)
      ? type
      : 'unknown';
  }

  private async processOnce(
    job: Job,
    address: Address,
    { schema, openingRead }: HostedService,
  ): Promise<MessageOutcome> {
    const deadLetters = this.deadLetters.get(address.service)!;
    const started = Date.now();
    const raw: unknown = job.data;
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const type = this.knownType(raw);
    const observe = (outcome: MessageOutcome, reason?: DeadLetterReason) =>
      this.options.observer?.processed({
        queue: job.queueName,
        type,
        outcome,
        ms: Date.now() - started,
        reason,
      });
    let envelope: Envelope;
    let payload: unknown;
    try {
      ({ envelope, payload } = this.admit(raw, address));
      await this.checkAge(envelope, deadLetters);
    } catch (error) {
      if (!(error instanceof Rejected)) throw error;
      await deadLetters.record({
        queue: job.queueName,
        reason: error.reason,
        error: error.message,
        attempts: attempt,
        envelope: raw,
      });
      this.log.warn(`dead-lettered job ${job.id}: ${error.reason}: ${error.message}`, {
        messageId: (raw as Envelope)?.id,
        caseId: (raw as Envelope)?.caseId,
      });
      observe('dead-lettered', error.reason);
      // Unrecoverable: no retry can make a forged or malformed message acceptable.
      throw new UnrecoverableError(`${error.reason}: ${error.message}`);
    }
    const meta = { messageId: envelope.id, caseId: envelope.caseId, type: envelope.type, attempt };
    // Whether a failure came from the handler or from the opening before it (for the log).
    let handlerRan = false;
    try {
      // One round trip opens the transaction, takes the case's lock in this service (its messages
      // are handled one at a time, in every service alike), records the message in the inbox (its
      // rows tell a duplicate) and reads what the service's handlers begin with (a duplicate's
      // read is wasted: duplicates are rare, a round trip per message is not).
      const read = openingRead?.(envelope, payload);
      const opening = [
        {
          sql: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
          params: [caseLockKey(address.service, envelope.caseId)],
        },
        {
          sql: `INSERT INTO "${schema}".inbox (message_id, type, case_id, sender_province)
                VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
          params: [envelope.id, envelope.type, envelope.caseId, envelope.sender.province],
        },
        ...(read ? [read] : []),
      ];
      const outcome = await transactionOpenedWith(
        this.options.dataSource,
        opening,
        async (manager, inserted) => {
          if (inserted.length === 0) return 'duplicate' as const;
          handlerRan = true;
          const handler = this.getHandlerByPattern(envelope.type);
          if (!handler) throw new Error(`no handler for ${envelope.type}`);
          const result = await handler(
            { ...envelope, payload },
            new BullMqContext([job, manager, envelope]),
          );
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
          return 'handled' as const;
        },
      );
      if (outcome === 'duplicate') this.log.debug?.('duplicate message ignored', meta);
      observe(outcome);
      return outcome;
    } catch (error) {
      // Not the message's fault (see process()), or merely early (parked, see park()).
      if (isUnavailable(error) || isOutOfOrder(error)) throw error;
      const message = describe(error);
      const refused = refusalReason(error);
      if (refused) {
        // The handler refused the message itself (e.g. a party of the case): no retry can help.
        await deadLetters.record({
          queue: job.queueName,
          reason: refused,
          error: message,
          attempts: attempt,
          envelope,
        });
        this.log.warn(`dead-lettered: ${message}`, meta);
        observe('dead-lettered', refused);
        throw new UnrecoverableError(message);
      }
      // BullMQ does not retry an UnrecoverableError: this attempt is the last one.
      if (lastAttempt || error instanceof UnrecoverableError) {
        await deadLetters.record({
          queue: job.queueName,
          reason: DeadLetterReason.HANDLER_FAILED,
          error: message,
          attempts: attempt,
          envelope,
        });
        this.log.error(`${failed(handlerRan)} on last attempt, dead-lettered: ${message}`, meta);
        observe('dead-lettered', DeadLetterReason.HANDLER_FAILED);
      } else {
        this.log.warn(`${failed(handlerRan)}, will retry: ${message}`, meta);
        observe('failed');
      }
      throw error instanceof Error ? error : new Error(message);
    }
  }

  /** Refuses a message from outside the accepted time window, unless ops replays our own dead letter. */
  private async checkAge(envelope: Envelope, deadLetters: DeadLetterStore): Promise<void> {
    const age = Date.now() - Date.parse(envelope.deliverAt ?? envelope.sentAt);
    if (age < -MAX_CLOCK_SKEW_MS) {
      throw new Rejected(DeadLetterReason.STALE, `sentAt ${envelope.sentAt} is in the future`);
    }
    const max = this.options.maxMessageAgeMs;
    if (max !== undefined && age > max && !(await deadLetters.holds(envelope.id))) {
      throw new Rejected(
        DeadLetterReason.STALE,
        `sent at ${envelope.sentAt}, older than the accepted ${Math.round(max / 60_000)} min: a replayed copy`,
      );
    }
  }

  /**
   * Checks shape, recipient, signature, type and version, opens the sealed payload with this
   * province's key and validates it; returns the parsed plaintext payload. The envelope itself stays
   * sealed (dead letters, replies' request hashes and logs only ever see the sealed form).
   */
  private admit(raw: unknown, address: Address): { envelope: Envelope; payload: unknown } {
    const shape = envelopeShapeProblem(raw);
    if (shape) throw new Rejected(DeadLetterReason.MALFORMED, shape);
    const envelope = raw as Envelope;
    if (
      envelope.recipient.service !== address.service ||
      envelope.recipient.province !== address.province
    ) {
      throw new Rejected(
        DeadLetterReason.WRONG_RECIPIENT,
        `addressed to ${envelope.recipient.service} of ${envelope.recipient.province}, arrived on ${address.service} of ${address.province}`,
      );
    }
    if (
      !this.options.keyring.verify(
        envelope.sender.province,
        signingBytes(envelope),
        envelope.signature,
      )
    ) {
      throw new Rejected(
        DeadLetterReason.SIGNATURE,
        `signature does not verify against the public key of province ${envelope.sender.province}`,
      );
    }
    const definition = this.options.catalog[envelope.type];
    if (!definition || definition.consumer !== address.service) {
      throw new Rejected(
        DeadLetterReason.UNKNOWN_TYPE,
        `${address.service} does not consume ${envelope.type}`,
      );
    }
    if (definition.version !== envelope.schemaVersion) {
      throw new Rejected(
        DeadLetterReason.UNKNOWN_TYPE,
        `${envelope.type} schema version ${envelope.schemaVersion} is not supported (expected ${definition.version})`,
      );
    }
    let plaintext: unknown;
    try {
      plaintext = openEnvelope(this.options.keyring, envelope);
    } catch (error) {
      if (!(error instanceof SealingError)) throw error;
      throw new Rejected(DeadLetterReason.SEALING, error.message);
    }
    const parsed = definition.schema.safeParse(plaintext);
    if (!parsed.success) {
      throw new Rejected(
        DeadLetterReason.VALIDATION,
        parsed.error.issues
          .map(
            (i: { path: (string | number)[]; message: string }) =>
              `payload.${i.path.join('.')}: ${i.message}`,
          )
          .join('; '),
      );
    }
    return { envelope, payload: parsed.data };
  }
}

/** What failed, for the log: the handler, or the transaction's opening before any handler ran. */
function failed(handlerRan: boolean): string {
  return handlerRan ? 'handler failed' : 'opening failed (lock, inbox or opening read)';
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}

/**
 * Nest's default RPC filter turns any handler error into "Internal server error". Messaging needs
 * the real error (for retries, logs and the dead-letter record), so this filter passes it through.
 */
@Catch()
export class RethrowRpcExceptionFilter implements RpcExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
