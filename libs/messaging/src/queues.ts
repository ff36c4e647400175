import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Address } from './envelope';

/**
 * The queue of one service of one province, e.g. `{verification.34}`. The braces are a Redis Cluster
 * hash tag: all keys of one queue land in one slot, different queues spread over the cluster.
 */
export function queueName(address: Address): string {
  return `{${address.service}.${address.province}}`;
}

function baseOptions(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

/**
 * Workers block on Redis and must retry forever (BullMQ requires maxRetriesPerRequest: null);
 * producers fail fast so a request or the outbox relay sees an error instead of hanging: the
 * outbox keeps the message and the relay tries again later.
 */
export function workerConnection(redisUrl: string): ConnectionOptions {
  return { ...baseOptions(redisUrl), maxRetriesPerRequest: null };
}

export function producerConnection(redisUrl: string): ConnectionOptions {
  return {
    ...baseOptions(redisUrl),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5000,
  };
}
