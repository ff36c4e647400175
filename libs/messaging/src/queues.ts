import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Address } from './envelope';
import { parseRedisEndpoint } from './redis';

/**
 * The queue of one service of one province, e.g. `{verification.34}`. The braces are a Redis Cluster
 * hash tag: all keys of one queue land in one slot, different queues spread over the cluster.
 */
export function queueName(address: Address): string {
  return `{${address.service}.${address.province}}`;
}

function baseOptions(redisUrl: string): RedisOptions {
  const parsed = parseRedisEndpoint(redisUrl);
  if (parsed.cluster)
    throw new Error(
      'a Redis Cluster needs client instances: use createRedisClient() (or BullMqClient/BullMqServer)',
    );
  return parsed.options;
}

/**
 * Connection options for a BullMQ object that owns its connection (tools, benchmarks, tests).
 * Workers block on Redis and must retry forever (BullMQ requires maxRetriesPerRequest: null);
 * producers fail fast so a request or the outbox relay sees an error instead of hanging: the
 * outbox keeps the message and the relay tries again later. The backbone itself shares clients
 * (see BullMqClient, BullMqServer and createRedisClient).
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
