import { PrivateRedisCluster } from './private-servers';

/**
 * Global setup of the `redis-cluster` jest project: a private three-master Redis Cluster for the
 * messaging suite, named to the tests by TEST_REDIS_CLUSTER_URL (workers inherit the environment).
 * An already running cluster can be given instead with TEST_REDIS_CLUSTER_URL.
 */
export default async function setup(): Promise<void> {
  if (process.env.TEST_REDIS_CLUSTER_URL) return;
  const cluster = await PrivateRedisCluster.start();
  (globalThis as { __redisCluster?: PrivateRedisCluster }).__redisCluster = cluster;
  process.env.TEST_REDIS_CLUSTER_URL = cluster.endpoint;
}
