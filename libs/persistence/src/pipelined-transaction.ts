import { Query } from 'pg';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';
import type { SqlWrite } from './one-statement';

// pg's own mapping of JS values to parameters (Date, Buffer, arrays, JSON), as its Query binds them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (v: unknown) => unknown };

/** The part of pg's connection a query writes protocol messages to. */
interface WireConnection {
  parse(m: { text: string; name: string; types: unknown[] }): void;
  bind(m: {
    portal: string;
    statement: string;
    values: unknown[];
    binary: boolean;
    valueMapper: (v: unknown) => unknown;
  }): void;
  describe(m: { type: 'P'; name: string }): void;
  execute(m: { portal: string; rows?: number }): void;
  sync(): void;
}

/**
 * Several statements in one round trip: each goes out as Parse/Bind/Describe/Execute with its values
 * bound as parameters (never written into the text), and one Sync after the last; PostgreSQL runs
 * them in order and answers all at once. If one fails, the server skips the rest up to the Sync and
 * the error is reported (an explicit transaction is then aborted, as after any failed statement).
 * pg's Query collects the results (one per statement) the way it does for a multi-statement query.
 */
class Pipeline extends Query {
  constructor(
    private readonly statements: readonly SqlWrite[],
    callback: (error: Error | undefined, results: QueryResult | QueryResult[]) => void,
  ) {
    // text and values as a log or a test reads them; the statements go out as `prepare` sends them.
    super(
      {
        text: statements.map((s) => s.sql).join(';\n'),
        values: statements.flatMap((s) => s.params),
      },
      callback as never,
    );
  }

  requiresPreparation(): boolean {
    return true;
  }

  // Called by pg's Query.submit with the stream corked: every message leaves in one write.
  prepare(connection: WireConnection): void {
    for (const s of this.statements) {
      connection.parse({ text: s.sql, name: '', types: [] });
      connection.bind({
        portal: '',
        statement: '',
        values: s.params,
        binary: false,
        // Already converted by pipelined(), before anything was sent.
        valueMapper: (v) => v,
      });
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '', rows: undefined });
    }
    connection.sync();
  }
}

/** Runs `statements` in one round trip on `client`; the results, one per statement. */
function pipelined(client: PoolClient, statements: readonly SqlWrite[]): Promise<QueryResult[]> {
  // Every value is converted (JSON, dates, arrays) before the first message goes out: a value that
  // cannot be (a BigInt inside an object, say) must fail here, not halfway through the messages,
  // which would leave the connection waiting for a Sync that never comes.
  let converted: SqlWrite[];
  try {
    converted = statements.map((s) => ({ sql: s.sql, params: s.params.map(prepareValue) }));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  return new Promise((resolve, reject) => {
    const query = new Pipeline(converted, (error, results) => {
      if (error) {
        // As TypeORM reports a failed statement (constraint, SQLSTATE in driverError).
        reject(new QueryFailedError(statements.map((s) => s.sql).join(';\n'), [], error));
      } else resolve(Array.isArray(results) ? results : [results]);
    });
    void client.query(query as never);
  });
}

const START: SqlWrite = { sql: 'START TRANSACTION', params: [] };
const COMMIT: SqlWrite = { sql: 'COMMIT', params: [] };

/** Writes waiting for the next round trip of their transaction's runner (see writeWithCommit). */
const waiting = new WeakMap<QueryRunner, SqlWrite[]>();

/**
 * A read sent with a transaction's opening, kept under `key` for the code that would otherwise
 * send it as its own first statement (see takeOpened).
 */
export interface OpeningRead extends SqlWrite {
  key: string;
}

/** Rows of the opening's keyed reads, by transaction runner, until taken or out of date. */
const openedReads = new WeakMap<QueryRunner, Map<string, Record<string, unknown>[]>>();

/**
 * The rows of the read that went with this transaction's opening under `key`, once (a second call
 * gets undefined), or undefined when none did: the caller then reads for itself. They are the
 * transaction's first look only: once anything else was sent or queued in it (a statement, a
 * write for the commit), they are dropped, since they would not show what came after.
 */
export function takeOpened(
  manager: EntityManager,
  key: string,
): Record<string, unknown>[] | undefined {
  const reads = manager.queryRunner ? openedReads.get(manager.queryRunner) : undefined;
  const rows = reads?.get(key);
  reads?.delete(key);
  return rows;
}

/**
 * Runs `work` in a transaction whose BEGIN travels to the server with `opening` (one or more
 * statements) in one round trip (pipelined, values bound as parameters), and whose last writes handed to
 * `writeWithCommit` travel with the COMMIT. Why: on these machines a round trip costs more CPU, on
 * both sides, than small statements; every message a service handles and every intake opens its
 * transaction this way. `work` gets the rows of the opening's last statement that is not an
 * OpeningRead (whose rows wait for takeOpened) and a manager in the transaction; TypeORM commits or
 * rolls back as in `dataSource.transaction`.
 */
export async function transactionOpenedWith<T>(
  dataSource: DataSource,
  /** Statements, in order; an OpeningRead's rows are kept for takeOpened. */
  opening: SqlWrite | readonly (SqlWrite | OpeningRead)[],
  /** Gets the rows of the last opening statement that is not an OpeningRead. */
  work: (manager: EntityManager, openingRows: Record<string, unknown>[]) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const query = runner.query.bind(runner) as (
    sql: string,
    params?: unknown[],
    structured?: boolean,
  ) => Promise<unknown>;
  const client = () => runner.connect() as Promise<PoolClient>;
  let rows: Record<string, unknown>[] | undefined;
  waiting.set(runner, []);
  // TypeORM's own START TRANSACTION and COMMIT (its runner then knows where its transaction
  // stands) go out with the opening and with the waiting writes; anything else sends the waiting
  // writes first, so every statement sees what came before it (and the opening's reads are out
  // of date: see takeOpened).
  runner.query = (async (sql: string, params?: unknown[], structured?: boolean) => {
    if (sql === 'START TRANSACTION' && !rows) {
      const statements = [opening].flat();
      const results = await pipelined(await client(), [START, ...statements]);
      const reads = new Map<string, Record<string, unknown>[]>();
      statements.forEach((s, i) => {
        const found = results[i + 1].rows as Record<string, unknown>[];
        if ('key' in s) reads.set(s.key, found);
        else rows = found;
      });
      rows ??= [];
      if (reads.size) openedReads.set(runner, reads);
      return undefined;
    }
    openedReads.delete(runner);
    const writes = waiting.get(runner)!.splice(0);
    if (sql === 'COMMIT') {
      const results = await pipelined(await client(), [...writes, COMMIT]);
      // A transaction in which a statement failed (and something went on regardless) is rolled
      // back by its COMMIT, which PostgreSQL answers "ROLLBACK" without an error: say so, or its
      // after-commit work (publishing its messages) would act on what never committed.
      if (results.at(-1)?.command === 'ROLLBACK') {
        throw new Error('the transaction was rolled back at COMMIT: a statement in it had failed');
      }
      return undefined;
    }
    // A rollback (to a savepoint, too: every statement sends what waits before it) drops them.
    if (writes.length && !sql.startsWith('ROLLBACK')) await pipelined(await client(), writes);
    return query(sql, params, structured);
  }) as typeof runner.query;
  try {
    return await runner.manager.transaction((manager) => {
      // TypeORM (0.3) begins with exactly this text; should another version not, say so at once.
      if (!rows) throw new Error('transactionOpenedWith: TypeORM began without START TRANSACTION');
      return work(manager, rows);
    });
  } finally {
    waiting.delete(runner);
    openedReads.delete(runner);
    await runner.release();
  }
}

/**
 * A write whose result the caller does not need, sent with the next statement of its transaction
 * (in a transaction of transactionOpenedWith: with the COMMIT, when it is the last); elsewhere it
 * runs at once. Its failure (a constraint, say) surfaces there: at the COMMIT, which then fails and
 * rolls everything back. Nothing may catch a write's error inside the transaction and go on.
 */
export async function writeWithCommit(manager: EntityManager, write: SqlWrite): Promise<void> {
  const queue = manager.queryRunner ? waiting.get(manager.queryRunner) : undefined;
  if (queue) {
    queue.push(write);
    openedReads.delete(manager.queryRunner!);
  } else await manager.query(write.sql, write.params);
}
