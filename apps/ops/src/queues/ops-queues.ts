import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConnectionOptions, Queue } from 'bullmq';
import { SERVICES, Service } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import { createRedisClient, DependencyLog, queueName, RedisClient } from '@app/messaging';
import { APP_CONFIG, AppConfig, redisEndpoint, servedProvinces } from '@app/platform';
import { provinceLabel } from '../common/scope';

export interface QueueRef {
  name: string;
  service: Service;
  province: string;
  provinceName: string;
}

export interface QueueDepth extends QueueRef {
  /** false: no key of this queue in Redis yet (nothing was ever sent to it, or Redis lost it). */
  exists: boolean;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Age of the oldest job waiting to be taken, in ms (null when none waits). */
  oldestWaitingAgeMs: number | null;
}

/**
 * The province queues of this deployment, `{service.province}` for the four services and every
 * province it serves (PROVINCES), read through ONE shared Redis connection: 124 Queue objects
 * with a connection each would be 124 connections. Ops only reads them (and bull-board shows
 * them read-only); publishing stays with the shared BullMqClient.
 */
@Injectable()
export class OpsQueues implements OnApplicationShutdown {
  private readonly logger = new Logger(OpsQueues.name);
  readonly refs: readonly QueueRef[];
  private connection?: RedisClient;
  private readonly queues = new Map<string, Queue>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dependencies: DependencyLog,
  ) {
    const provinces = servedProvinces(config, PROVINCE_CODES);
    this.refs = SERVICES.flatMap((service) =>
      provinces.map((province) => ({
        name: queueName({ service, province }),
        service,
        province,
        provinceName: provinceLabel(province),
      })),
    );
  }

  get prefix(): string {
    return this.config.QUEUE_PREFIX;
  }

  redis(): RedisClient {
    if (!this.connection) {
      // Shared by many Queue objects: queue commands while connecting instead of failing them.
      this.connection = this.dependencies.watch(
        createRedisClient(redisEndpoint(this.config), 'reader', {
          connectionName: 'idcard:ops',
          // On shutdown, drop a connection that is still trying to reach a Redis that is down at
          // once (ioredis waits 2 s by default, holding the process open).
          disconnectTimeout: 100,
        }),
      );
    }
    return this.connection;
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      // bullmq ships its own ioredis copy; it recognises any client by its methods.
      const connection = this.redis() as unknown as ConnectionOptions;
      // skipMetasUpdate: looking at a queue must not create it in Redis.
      queue = new Queue(name, { connection, prefix: this.prefix, skipMetasUpdate: true });
      queue.on('error', (error) => this.dependencies.error('redis', error, `queue ${name}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Which of the served queues have keys in Redis: one EXISTS per queue meta key, sent together
   * (not as one pipeline: on a cluster the queues' keys sit in different slots, on different nodes).
   */
  async existing(): Promise<Set<string>> {
    const redis = this.redis();
    const replies = await Promise.all(
      this.refs.map((ref) => redis.exists(`${this.prefix}:${ref.name}:meta`)),
    );
    return new Set(this.refs.filter((_, i) => replies[i] > 0).map((ref) => ref.name));
  }

  /** Depth and age per queue; only queues that exist in Redis unless `all`. 503 if Redis fails. */
  async depths(opts: { all?: boolean; province?: string | null } = {}): Promise<QueueDepth[]> {
    try {
      return await this.readDepths(opts);
    } catch (error) {
      this.logger.warn(`queue depths unavailable: ${(error as Error).message}`);
      throw new ServiceUnavailableException({
        error: 'Service Unavailable',
        message: `Redis did not answer (${(error as Error).message}); the case records in PostgreSQL are unaffected`,
      });
    }
  }

  private async readDepths(opts: {
    all?: boolean;
    province?: string | null;
  }): Promise<QueueDepth[]> {
    const existing = await this.existing();
    const refs = this.refs.filter(
      (r) => (opts.all || existing.has(r.name)) && (!opts.province || r.province === opts.province),
    );
    const now = Date.now();
    return Promise.all(
      refs.map(async (ref): Promise<QueueDepth> => {
        if (!existing.has(ref.name))
          return {
            ...ref,
            exists: false,
            waiting: 0,
            active: 0,
            delayed: 0,
            failed: 0,
            completed: 0,
            oldestWaitingAgeMs: null,
          };
        const queue = this.queue(ref.name);
        const counts = await queue.getJobCounts(
          'waiting',
          'prioritized',
          'active',
          'delayed',
          'failed',
          'completed',
        );
        const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
        return {
          ...ref,
          exists: true,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          delayed: counts.delayed ?? 0,
          failed: counts.failed ?? 0,
          completed: counts.completed ?? 0,
          oldestWaitingAgeMs: oldest ? Math.max(0, now - oldest.timestamp) : null,
        };
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.connection?.disconnect();
    this.connection = undefined;
  }
}
