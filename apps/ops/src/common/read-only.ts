import { ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type Query = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * The time budget of one ops read statement (the request class "ops reads"): the figures come
 * from rollups and partial indexes and answer in milliseconds, so a statement still running after
 * this is refused (503) rather than left to hold connections the services need. Tests lower it.
 */
export const opsReadBudget = { statementTimeoutMs: 5_000 };

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
    await runner.query(
      `SET LOCAL statement_timeout = ${Math.trunc(opsReadBudget.statementTimeoutMs)}`,
    );
    const result = await work((sql, params) => runner.query(sql, params));
    await runner.query('COMMIT');
    return result;
  } catch (error) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw translateTimeout(translateMissingSchema(error));
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

/** A statement cancelled by its time budget (SQLSTATE 57014): 503 with what happened, never 500. */
export function translateTimeout(error: unknown): unknown {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.code ?? e?.driverError?.code;
  if (code !== '57014') return error;
  return new ServiceUnavailableException({
    error: 'Service Unavailable',
    message: `the figures did not come within this node's time budget for ops reads (${opsReadBudget.statementTimeoutMs} ms statement timeout); nothing is wrong with the request: retry shortly, or narrow it (?province=, a shorter from..to)`,
  });
}
