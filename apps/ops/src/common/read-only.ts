import { ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

/** Longest a dashboard query may run; a slow figure must not hold connections the services need. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Runs `work` in one READ ONLY, REPEATABLE READ transaction: ops reads the services' schemas and
 * never writes them (PostgreSQL refuses any write here), and every figure of one answer comes from
 * the same snapshot, so the totals of one overview agree with each other.
 */
export async function readSnapshot<T>(
  dataSource: DataSource,
  work: (query: Query) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await runner.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
    const result = await work((sql, params) => runner.query(sql, params));
    await runner.query('COMMIT');
    return result;
  } catch (error) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw translateMissingSchema(error);
  } finally {
    await runner.release();
  }
}

/**
 * An ops node may run against a database where a service was never deployed (its schema missing):
 * that is an answer for the operator, not an internal error.
 */
export function translateMissingSchema(error: unknown): unknown {
  const e = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e?.code ?? e?.driverError?.code;
  if (code === '42P01' || code === '3F000') {
    return new ServiceUnavailableException({
      error: 'Service Unavailable',
      message: `a table ops reads does not exist in this database (${e.message ?? 'undefined table'}); is the service deployed and migrated?`,
    });
  }
  return error;
}
