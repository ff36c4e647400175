import IORedis, { Cluster } from 'ioredis';
import { createRedisClient, parseRedisEndpoint, RedisClient } from '@app/messaging';
import { TEST_REDIS_URL, uniqueName } from './database';

/** A client of the test exchange (a single Redis or the test cluster); the caller disconnects it. */
export function testRedis(): RedisClient {
  return createRedisClient(TEST_REDIS_URL, 'reader');
}

/**
 * The node configuration naming the test exchange: REDIS_URL alone for a single Redis, or
 * REDIS_URL (credentials) plus REDIS_CLUSTER_NODES for the test cluster, as a deployment sets them.
 */
export function testRedisEnv(): { REDIS_URL: string; REDIS_CLUSTER_NODES?: string } {
  const parsed = parseRedisEndpoint(TEST_REDIS_URL);
  if (!parsed.cluster) return { REDIS_URL: TEST_REDIS_URL };
  const nodes = parsed.nodes.map((n) => {
    const { host, port } = n as { host: string; port: number };
    return `${host}:${port}`;
  });
  const url = new URL(`${parsed.options.tls ? 'rediss' : 'redis'}://${nodes[0]}`);
  if (parsed.options.username) url.username = parsed.options.username;
  if (parsed.options.password) url.password = parsed.options.password;
  return { REDIS_URL: url.toString(), REDIS_CLUSTER_NODES: nodes.join(',') };
}

/** The servers behind a client: itself for a single Redis, every master of a cluster. */
export async function serversOf(client: RedisClient): Promise<IORedis[]> {
  if (!(client instanceof Cluster)) return [client];
  if (client.status !== 'ready') await new Promise((r) => client.once('ready', r));
  return client.nodes('master');
}

/**
 * Every key matching `pattern` on the test exchange. KEYS and SCAN read one server: on a cluster
 * each master is scanned.
 */
export async function testRedisKeys(pattern: string): Promise<string[]> {
  const client = testRedis();
  try {
    const keys: string[] = [];
    for (const server of await serversOf(client)) {
      let cursor = '0';
      do {
        const [next, found] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    return keys;
  } finally {
    client.disconnect();
  }
}

/** Deletes keys one by one (on a cluster, keys of different queues are in different slots). */
export async function deleteTestRedisKeys(keys: string[]): Promise<void> {
  const client = testRedis();
  try {
    await Promise.all(keys.map((key) => client.del(key)));
  } finally {
    client.disconnect();
  }
}

/** A queue prefix of the test's own, and a function that deletes every key under it. */
export function createTestQueuePrefix(prefix = 'test'): {
  prefix: string;
  cleanup: () => Promise<void>;
} {
  const name = uniqueName(prefix);
  return {
    prefix: name,
    cleanup: async () => deleteTestRedisKeys(await testRedisKeys(`${name}:*`)),
  };
}
