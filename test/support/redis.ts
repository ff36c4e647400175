import { Cluster } from 'ioredis';
import { createRedisClient, RedisClient } from '@app/messaging';
import { TEST_REDIS_URL, uniqueName } from './database';

/** A client of the test exchange (a single Redis or the test cluster); the caller disconnects it. */
export function testRedis(): RedisClient {
  return createRedisClient(TEST_REDIS_URL, 'reader');
}

/** A queue prefix of the test's own, and a function that deletes every key under it. */
export function createTestQueuePrefix(prefix = 'test'): {
  prefix: string;
  cleanup: () => Promise<void>;
} {
  const name = uniqueName(prefix);
  return {
    prefix: name,
    cleanup: async () => {
      const client = testRedis();
      try {
        // On a cluster, SCAN walks one node: walk every master.
        const nodes = client instanceof Cluster ? await mastersOf(client) : [client];
        for (const redis of nodes) {
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
            cursor = next;
            // One DEL per key: on a cluster, keys of different queues are in different slots.
            await Promise.all(keys.map((key) => client.del(key)));
          } while (cursor !== '0');
        }
      } finally {
        client.disconnect();
      }
    },
  };
}

async function mastersOf(cluster: Cluster) {
  if (cluster.status !== 'ready') await new Promise((r) => cluster.once('ready', r));
  return cluster.nodes('master');
}
