import { escapeLiteral } from 'pg';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import type { SqlWrite } from './one-statement';

/**
 * A statement's text with its values written in as literals, for the simple query protocol (which
 * takes several statements in one message but no parameters). Only strings and finite numbers: the
 * opening statements are made of ids, types and codes. An untyped literal is resolved by its context
 * exactly like an untyped parameter.
 */
export function inlineValues(write: SqlWrite): string {
  return write.sql.replace(/\$(\d+)\b/g, (_m, n: string) => {
    const value = write.params[Number(n) - 1];
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string') return escapeLiteral(value);
    throw new TypeError(`inlineValues: $${n} must be a string or a finite number`);
  });
}

/**
 * Runs `work` in a transaction whose BEGIN travels to the server with `opening` in one round trip
 * (the simple query protocol: `START TRANSACTION; <opening>`), instead of one round trip each.
 * Why: on these machines a round trip costs more CPU, on both sides, than small statements; every
 * message a service handles opens a transaction this way. `work` gets the opening's rows and a
 * manager in the transaction; TypeORM commits or rolls back as in `dataSource.transaction`.
 *
 * The opening's values become part of the statement's text (the server's activity view and error
 * log show it): only ids, types and codes, never personal data, belong there.
 */
export async function transactionOpenedWith<T>(
  dataSource: DataSource,
  opening: SqlWrite,
  work: (manager: EntityManager, openingRows: Record<string, unknown>[]) => Promise<T>,
): Promise<T> {
  const text = `START TRANSACTION; ${inlineValues(opening)}`;
  const runner = dataSource.createQueryRunner();
  const query = runner.query.bind(runner) as (
    sql: string,
    params?: unknown[],
    structured?: boolean,
  ) => Promise<unknown>;
  let rows: Record<string, unknown>[] | undefined;
  // TypeORM's own START TRANSACTION (its runner then knows it is in a transaction) goes out with
  // the opening; every other statement as usual.
  runner.query = (async (sql: string, params?: unknown[], structured?: boolean) => {
    if (sql !== 'START TRANSACTION' || rows) return query(sql, params, structured);
    const client = (await runner.connect()) as PoolClient;
    try {
      const results = (await client.query(text)) as unknown as QueryResult[];
      rows = results[results.length - 1].rows as Record<string, unknown>[];
    } catch (error) {
      // As TypeORM reports a failed statement (constraint, SQLSTATE in driverError).
      throw new QueryFailedError(text, [], error as Error);
    }
  }) as typeof runner.query;
  try {
    return await runner.manager.transaction((manager) => work(manager, rows!));
  } finally {
    await runner.release();
  }
}
