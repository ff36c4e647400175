import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server tests use: the one on 127.0.0.1 unless TEST_DATABASE_URL says otherwise. */
export const TEST_PG_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/**
 * The exchange tests use: the Redis on 127.0.0.1 (or TEST_REDIS_URL), or, in the jest project that
 * sets the global TEST_REDIS_TOPOLOGY to "cluster", the private Redis Cluster its global setup
 * started (`redis-cluster://…`, see RedisEndpoint).
 */
export const TEST_REDIS_URL =
  (globalThis as { TEST_REDIS_TOPOLOGY?: string }).TEST_REDIS_TOPOLOGY === 'cluster'
    ? requiredEnv('TEST_REDIS_CLUSTER_URL')
    : (process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set (the redis-cluster project's global setup sets it)`);
  return value;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * A fresh database for one test file, so test files can run in any order and in parallel.
 * Returns its URL and a function that drops it.
 */
export async function createTestDatabase(
  prefix = 't',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName(prefix).toLowerCase();
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
