import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureDefinition, loadConfig, RunningNode, startNode } from '@app/platform';
import { createTestDatabase } from './database';
import { createTestQueuePrefix, testRedisEnv } from './redis';

export interface TestSystem {
  node: RunningNode;
  url: string;
  databaseUrl: string;
  queuePrefix: string;
  keyringDir: string;
  close(): Promise<void>;
}

/**
 * Boots the given features as one node against a fresh database of its own and a queue prefix of
 * its own (real PostgreSQL and Redis), on a free port. Extra environment overrides defaults.
 */
export async function startTestSystem(
  features: FeatureDefinition[],
  env: Record<string, string> = {},
): Promise<TestSystem> {
  const db = await createTestDatabase('sys');
  const queues = createTestQueuePrefix('sys');
  const keyringDir = mkdtempSync(join(tmpdir(), 'keys-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    // The test exchange (a single Redis, or the cluster in the redis-cluster project), unless the
    // test names an exchange of its own.
    ...(env.REDIS_URL || env.REDIS_CLUSTER_NODES ? {} : testRedisEnv()),
    QUEUE_PREFIX: queues.prefix,
    KEYRING_DIR: keyringDir,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    MESSAGE_BACKOFF_MS: '50',
    OUTBOX_POLL_MS: '100',
    // No statistics snapshots unless a test asks for them.
    STATS_PUBLISH_INTERVAL_MS: '0',
    ...env,
  });
  const node = await startNode({ name: 'test', features, config, port: 0 });
  return {
    node,
    url: node.url,
    databaseUrl: db.url,
    queuePrefix: queues.prefix,
    keyringDir,
    async close() {
      await node.close();
      await db.drop();
      await queues.cleanup();
      rmSync(keyringDir, { recursive: true, force: true });
    },
  };
}
