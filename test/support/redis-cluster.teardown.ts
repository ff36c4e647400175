import type { PrivateRedisCluster } from './private-servers';

export default async function teardown(): Promise<void> {
  const holder = globalThis as { __redisCluster?: PrivateRedisCluster };
  await holder.__redisCluster?.stop();
  if (holder.__redisCluster) delete process.env.TEST_REDIS_CLUSTER_URL;
  holder.__redisCluster = undefined;
}
