import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { FeatureDefinition, loadConfig, RunningNode, startNode } from '@app/platform';
import { TEST_REDIS_URL } from '../../support/database';
import { PrivatePostgres } from '../../support/private-servers';
import { createTestQueuePrefix } from '../../support/redis';

/**
 * A national topology in one test process: each province has a PostgreSQL server of its own
 * (private, on a free port) and its nodes use only that server; all nodes share one exchange
 * (one queue prefix) and one keyring folder (development keys: every province's pair).
 */
export class NationalTopology {
  private readonly servers = new Map<string, PrivatePostgres>();
  private readonly nodes: RunningNode[] = [];
  readonly keyringDir = mkdtempSync(join(tmpdir(), 'keys-national-'));
  private readonly queues = createTestQueuePrefix('national');

  get queuePrefix(): string {
    return this.queues.prefix;
  }

  /** Starts (once) the PostgreSQL server of a province. */
  async database(province: string): Promise<PrivatePostgres> {
    let server = this.servers.get(province);
    if (!server) {
      server = await PrivatePostgres.start();
      this.servers.set(province, server);
    }
    return server;
  }

  /** A node of a province: its features, on its province's database, serving that province only. */
  async node(
    province: string,
    features: FeatureDefinition[],
    env: Record<string, string> = {},
  ): Promise<RunningNode> {
    const pg = await this.database(province);
    const node = await startNode({
      name: `${province}:${features.map((f) => f.service ?? 'ops').join('+')}`,
      features,
      port: 0,
      config: loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: pg.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: this.queues.prefix,
        KEYRING_DIR: this.keyringDir,
        PROVINCES: province,
        PORT: '0',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
        MESSAGE_BACKOFF_MS: '50',
        OUTBOX_POLL_MS: '100',
        // No statistics snapshots unless a test asks for them.
        STATS_PUBLISH_INTERVAL_MS: '0',
        RECONCILE_INTERVAL_MS: '0',
        ...env,
      }),
    });
    this.nodes.push(node);
    return node;
  }

  /** A direct connection to a province's database (for checks), closed by close(). */
  async query<T = Record<string, unknown>>(province: string, sql: string, params: unknown[] = []) {
    const pg = await this.database(province);
    const ds = new DataSource({ type: 'postgres', url: pg.url });
    await ds.initialize();
    try {
      return (await ds.query(sql, params)) as T[];
    } finally {
      await ds.destroy();
    }
  }

  async close(): Promise<void> {
    for (const node of this.nodes.reverse()) await node.close().catch(() => undefined);
    for (const server of this.servers.values()) await server.destroy();
    await this.queues.cleanup();
    rmSync(this.keyringDir, { recursive: true, force: true });
  }
}
