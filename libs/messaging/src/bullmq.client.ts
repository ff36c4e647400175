import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { ConnectionOptions, JobsOptions, Queue } from 'bullmq';
import type { Address, Envelope } from './envelope';
import { queueName } from './queues';
import { createRedisClient, DependencyLog, RedisClient, RedisEndpoint, whenReady } from './redis';

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

export interface BullMqClientOptions {
  /** A redis:// URL or a redis-cluster:// node list (see RedisEndpoint). */
  redisUrl: RedisEndpoint;
  /** Where connection errors go (one line per outage); by default a log of this client's own. */
  dependencies?: DependencyLog;
  prefix: string;
  retry: RetryPolicy;
}

export interface PublishItem {
  envelope: Envelope;
  jobId: string;
  delayMs?: number;
}

/** A delayed job to withdraw: where it waits (its recipient's queue) and its job id. */
export interface WithdrawItem {
  recipient: Address;
  jobId: string;
}

/**
 * The producer side of the BullMQ transport. `emit(type, envelope)` works as for any Nest client, but
 * services never call it directly: they write to the outbox, and the outbox relay publishes through
 * `publish()`, with the message id as the job id so a re-publish is a no-op while the job exists.
 */
export class BullMqClient extends ClientProxy {
  private readonly queues = new Map<string, Queue>();
  private readonly dependencies: DependencyLog;
  /** One connection shared by every queue this node publishes to (not one per queue). */
  private connection?: RedisClient;

  constructor(private readonly options: BullMqClientOptions) {
    super();
    this.dependencies = options.dependencies ?? new DependencyLog();
  }

  /** The shared producer connection (created on first use). */
  redis(): RedisClient {
    if (!this.connection) {
      this.connection = this.dependencies.watch(
        createRedisClient(this.options.redisUrl, 'producer', { connectionName: 'idcard:producer' }),
      );
    }
    return this.connection;
  }

  /** Whether the shared connection is up now (no wait): publish-on-commit goes ahead only then. */
  connected(): boolean {
    return this.redis().status === 'ready';
  }

  /** Whether Redis answers on the shared connection (health): no new connection per probe. */
  async ping(): Promise<void> {
    const client = this.redis();
    if (client.status !== 'ready') await whenReady(client, 2000);
    await client.ping();
  }

  /** Retries, backoff and retention are set explicitly for every job (see RetryPolicy). */
  jobOptions(item: PublishItem): JobsOptions {
    return {
      jobId: item.jobId,
      delay: item.delayMs && item.delayMs > 0 ? item.delayMs : undefined,
      attempts: this.options.retry.attempts,
      backoff: { type: 'exponential', delay: this.options.retry.backoffMs },
      // Postgres keeps the record of every message; Redis keeps recent jobs only (for the board).
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  }

  queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        // bullmq ships its own ioredis copy; it recognises any client by its methods.
        connection: this.redis() as unknown as ConnectionOptions,
        prefix: this.options.prefix,
      });
      queue.on('error', (error) => this.dependencies.error('redis', error, `queue ${name}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Publishes a batch, one addBulk per destination queue. */
  async publish(items: PublishItem[]): Promise<void>;
  publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void;
  publish(
    itemsOrPacket: PublishItem[] | ReadPacket,
    callback?: (packet: WritePacket) => void,
  ): Promise<void> | (() => void) {
    if (Array.isArray(itemsOrPacket)) return this.publishItems(itemsOrPacket);
    // Request/response over queues is not part of this design: every exchange is an event with a reply event.
    callback?.({
      err: new Error('BullMqClient supports events only (use emit)'),
      isDisposed: true,
    });
    return () => undefined;
  }

  private async publishItems(items: PublishItem[]): Promise<void> {
    // No queue before the shared connection is ready: a BullMQ queue reads the server's version
    // once, when it first connects, and a cluster client still learning its slots (status
    // "connect", which BullMQ takes for ready) refuses commands without an offline queue, which
    // would leave that queue failing for good. While Redis is away this fails after the timeout.
    const client = this.redis();
    if (client.status !== 'ready') await whenReady(client, 5000);
    const byQueue = new Map<string, PublishItem[]>();
    for (const item of items) {
      const name = queueName(item.envelope.recipient);
      byQueue.set(name, [...(byQueue.get(name) ?? []), item]);
    }
    await Promise.all(
      [...byQueue].map(([name, group]) =>
        this.queueFor(name).addBulk(
          group.map((item) => ({
            name: item.envelope.type,
            data: item.envelope,
            opts: this.jobOptions(item),
          })),
        ),
      ),
    );
  }

  /**
   * Removes delayed jobs that are no longer wanted (a durable timer whose deadline the case no
   * longer waits for). Returns how many BullMQ did not refuse: a job a worker holds now (locked) is
   * left alone, so this never touches a message being handled; one that already ran is only
   * dropped from the recent jobs Redis keeps; one that is gone counts as removed (BullMQ answers so).
   */
  async withdraw(items: readonly WithdrawItem[]): Promise<number> {
    const client = this.redis();
    if (client.status !== 'ready') await whenReady(client, 5000);
    const removed = await Promise.all(
      items.map((item) => this.queueFor(queueName(item.recipient)).remove(item.jobId)),
    );
    return removed.reduce((n, r) => n + r, 0);
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket<Envelope>): Promise<T> {
    await this.publishItems([{ envelope: packet.data, jobId: packet.data.id }]);
    return undefined as T;
  }

  async connect(): Promise<void> {
    // Queues connect lazily on first use.
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.connection?.disconnect();
    this.connection = undefined;
  }

  unwrap<T>(): T {
    return this.queues as T;
  }
}
