import { Logger } from '@nestjs/common';
import IORedis, { Cluster, ClusterNode, ClusterOptions, RedisOptions } from 'ioredis';

/**
 * Where the exchange is. One string names either a single Redis server or a Redis Cluster, so every
 * place that took a Redis URL takes a cluster too:
 *   redis://[user:password@]host:port[/db]           one server (rediss:// for TLS)
 *   redis-cluster://[user:password@]host:port,host:port,…   a cluster, by any of its nodes
 *                                                    (rediss-cluster:// for TLS)
 * Every key BullMQ writes for a queue carries the queue's hash tag (`{verification.34}`), so each
 * queue lives in one slot and its Lua scripts and MULTIs stay on one node.
 */
export type RedisEndpoint = string;

export type RedisClient = IORedis | Cluster;

interface ParsedEndpoint {
  cluster: boolean;
  nodes: ClusterNode[];
  options: RedisOptions;
}

export function isClusterEndpoint(endpoint: RedisEndpoint): boolean {
  return /^rediss?-cluster:\/\//.test(endpoint);
}

/** Builds the cluster form from a node list (`host:port,host:port`) and optional credentials. */
export function clusterEndpoint(
  nodes: string,
  auth: { username?: string; password?: string; tls?: boolean } = {},
): RedisEndpoint {
  const credentials =
    auth.username || auth.password
      ? `${encodeURIComponent(auth.username ?? '')}:${encodeURIComponent(auth.password ?? '')}@`
      : '';
  return `${auth.tls ? 'rediss' : 'redis'}-cluster://${credentials}${nodes}`;
}

/** The problem with a `host:port,host:port` list, or null. */
export function clusterNodesProblem(nodes: string): string | null {
  const list = nodes.split(',').map((n) => n.trim());
  if (list.length === 0 || list.some((n) => n === '')) return 'an empty node';
  for (const node of list) {
    const m = /^([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(node);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535)
      return `"${node}" is not host:port (port 1-65535)`;
  }
  return null;
}

export function parseRedisEndpoint(endpoint: RedisEndpoint): ParsedEndpoint {
  const cluster = /^(rediss?)-cluster:\/\/(?:([^@]*)@)?(.+)$/.exec(endpoint);
  if (cluster) {
    const [, scheme, credentials, list] = cluster;
    const problem = clusterNodesProblem(list);
    if (problem) throw new Error(`Redis cluster endpoint: ${problem}`);
    const [username, password] = (credentials ?? '').split(':').map(decodeURIComponent);
    return {
      cluster: true,
      nodes: list.split(',').map((node) => {
        const i = node.lastIndexOf(':');
        return { host: node.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(node.slice(i + 1)) };
      }),
      options: {
        username: username || undefined,
        password: password || undefined,
        tls: scheme === 'rediss' ? {} : undefined,
      },
    };
  }
  const url = new URL(endpoint);
  return {
    cluster: false,
    nodes: [],
    options: {
      host: url.hostname,
      port: Number(url.port || 6379),
      username: url.username || undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
      tls: url.protocol === 'rediss:' ? {} : undefined,
    },
  };
}

/**
 * What a connection is for:
 * - `worker`: shared by the workers of a node (and duplicated by BullMQ for each worker's blocking
 *   connection); commands wait and retry forever (BullMQ requires maxRetriesPerRequest: null).
 * - `producer`: shared by every queue a node publishes to; fails fast, so the outbox relay sees an
 *   error and keeps the rows instead of hanging.
 * - `reader`: ops pages, health and rate limits; fails fast but queues commands while (re)connecting.
 */
export type RedisRole = 'worker' | 'producer' | 'reader';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  worker: { maxRetriesPerRequest: null },
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5000 },
  reader: { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 2000 },
};

/** A client for the endpoint (a Cluster when it names a cluster), configured for its role. */
export function createRedisClient(
  endpoint: RedisEndpoint,
  role: RedisRole,
  extra: RedisOptions = {},
): RedisClient {
  const parsed = parseRedisEndpoint(endpoint);
  const roleOptions = { ...ROLE_OPTIONS[role], ...extra };
  // Reconnect attempts back off to at most 5 s: a Redis outage is retried quietly, not 20 times a second.
  const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 6), 5000);
  if (!parsed.cluster) return new IORedis({ ...parsed.options, retryStrategy, ...roleOptions });
  const { enableOfflineQueue, ...perNode } = roleOptions;
  const options: ClusterOptions = {
    redisOptions: { ...parsed.options, ...perNode },
    enableOfflineQueue: enableOfflineQueue ?? true,
    clusterRetryStrategy: retryStrategy,
    // BullMQ's scripts run on the master of their queue's slot.
    scaleReads: 'master',
    slotsRefreshTimeout: 2000,
  };
  return new Cluster(parsed.nodes, options);
}

/** Resolves when the client is connected, rejects after `timeoutMs` (it keeps trying in the background). */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') void client.connect().catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(
      () => done(new Error(`Redis not connected within ${timeoutMs} ms (${client.status})`)),
      timeoutMs,
    );
    client.once('ready', onReady);
  });
}

/**
 * Logs a dependency's loss and recovery once, a summary every `summaryMs` while it stays down, and
 * counts every error (via `count`) instead of logging it: a Redis outage of 10 s on a node with
 * hundreds of queues is two or three log lines, not thousands.
 */
export class DependencyLog {
  private readonly logger = new Logger('Dependencies');
  private readonly down = new Map<string, { since: number; errors: number; lastSummary: number }>();

  constructor(
    private readonly options: {
      summaryMs?: number;
      /** Called for every error (e.g. a Prometheus counter by dependency). */
      count?: (dependency: string) => void;
    } = {},
  ) {}

  /** Reports an error of a dependency ("redis", "postgres"); logs only the first of an outage. */
  error(dependency: string, error: unknown, where?: string): void {
    this.options.count?.(dependency);
    const now = Date.now();
    const state = this.down.get(dependency);
    const message = error instanceof Error ? error.message : String(error);
    if (!state) {
      this.down.set(dependency, { since: now, errors: 1, lastSummary: now });
      this.logger.error(
        `${dependency} unavailable${where ? ` (${where})` : ''}: ${message}; further errors are counted, not logged, until it recovers`,
      );
      return;
    }
    state.errors++;
    if (now - state.lastSummary >= (this.options.summaryMs ?? 30_000)) {
      state.lastSummary = now;
      this.logger.warn(
        `${dependency} still unavailable after ${Math.round((now - state.since) / 1000)} s: ${state.errors} errors so far, last: ${message}`,
      );
    }
  }

  /** Reports that a dependency answers again; logs the recovery once if it was down. */
  recovered(dependency: string): void {
    const state = this.down.get(dependency);
    if (!state) return;
    this.down.delete(dependency);
    // As visible as the loss was (a node logging at warn must see both).
    this.logger.warn(
      `${dependency} available again after ${Math.round((Date.now() - state.since) / 1000)} s (${state.errors} errors while it was down)`,
    );
  }

  isDown(dependency: string): boolean {
    return this.down.has(dependency);
  }

  /** Follows a client's connection events: errors are reported, `ready` is a recovery. */
  watch(client: RedisClient, dependency = 'redis'): RedisClient {
    client.on('error', (error: Error) => this.error(dependency, error));
    client.on('ready', () => this.recovered(dependency));
    return client;
  }
}
