import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  dataSourceOptions,
  takeOpened,
  transactionOpenedWith,
  writeWithCommit,
} from '@app/persistence';
import { createTestDatabase } from '../support/database';
import { recordStatements } from '../support/statements';

/**
 * A transaction opened together with its first statements (BEGIN and them in one round trip) and
 * committed together with its last writes, as the transport handles every message: atomic like any
 * other, values bound as parameters, statements in their order.
 */
describe('persistence: a transaction opened and committed with its statements', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('pipelined_tx');
    ds = new DataSource(dataSourceOptions(db.url, { entities: [], migrations: [] }));
    await ds.initialize();
    await ds.query(`CREATE SCHEMA t`);
    await ds.query(
      `CREATE TABLE t.inbox (message_id uuid PRIMARY KEY, type text NOT NULL, n int NOT NULL)`,
    );
    await ds.query(
      `CREATE TABLE t.effects (message_id uuid NOT NULL, note text NOT NULL CHECK (note <> 'bad'))`,
    );
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const opening = (id: string, type: string, n: number) => [
    { sql: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, params: [`t:${id}`] },
    {
      sql: `INSERT INTO t.inbox (message_id, type, n) VALUES ($1, $2, $3)
            ON CONFLICT (message_id) DO NOTHING RETURNING message_id, type, n`,
      params: [id, type, n],
    },
  ];
  const effect = (id: string, note: string) => ({
    sql: `INSERT INTO t.effects (message_id, note) VALUES ($1, $2)`,
    params: [id, note],
  });
  const count = async (table: string, id: string) =>
    Number(
      (await ds.query(`SELECT count(*) AS n FROM t.${table} WHERE message_id = $1`, [id]))[0].n,
    );
  /** Every pooled connection is outside any transaction. */
  const poolIsClean = async () => {
    const states = await Promise.all(
      Array.from({ length: 5 }, () => ds.query(`SELECT now() = statement_timestamp() AS fresh`)),
    );
    return states.every((s) => s[0].fresh === true);
  };

  it('opens with its first statements in one round trip, values bound, and commits with the last write', async () => {
    const id = randomUUID();
    const personal = `O'Brien 张三 $2`;
    const statements = recordStatements();
    try {
      const seen = await transactionOpenedWith(ds, opening(id, 'a.b', 7), async (manager, rows) => {
        await manager.query(effect(id, 'first').sql, effect(id, 'first').params);
        await writeWithCommit(manager, effect(id, personal));
        return rows;
      });
      expect(seen).toEqual([{ message_id: id, type: 'a.b', n: 7 }]);
      const trips = statements.handlingOf(id);
      expect(trips).toEqual([
        expect.stringMatching(
          /^START TRANSACTION; SELECT pg_advisory_xact_lock\(hashtextextended\(\$1, 0\)\); INSERT INTO t\.inbox .*VALUES \(\$1, \$2, \$3\)/,
        ),
        expect.stringMatching(/^INSERT INTO t\.effects/),
        expect.stringMatching(/^INSERT INTO t\.effects .*; COMMIT$/),
      ]);
      // Values stay parameters: nothing of them in the statements' text.
      expect(trips.join(' ')).not.toMatch(/O'Brien|张三|a\.b/);
    } finally {
      statements.restore();
    }
    expect(await count('inbox', id)).toBe(1);
    expect(
      (await ds.query(`SELECT note FROM t.effects WHERE message_id = $1 ORDER BY note`, [id])).map(
        (r: { note: string }) => r.note,
      ),
    ).toEqual([personal, 'first'].sort());
    // A duplicate: the opening's rows are empty, the work decides what that means.
    const again = await transactionOpenedWith(ds, opening(id, 'a.b', 7), async (_m, rows) => rows);
    expect(again).toEqual([]);
  });

  it('keeps the rows of a read sent with the opening for the one who takes them, once', async () => {
    const earlier = randomUUID();
    await transactionOpenedWith(ds, opening(earlier, 'a.b', 3), async (manager) => {
      await writeWithCommit(manager, effect(earlier, 'kept'));
    });
    const id = randomUUID();
    const read = {
      key: `effects:${earlier}`,
      sql: `SELECT note FROM t.effects WHERE message_id = $1 FOR UPDATE`,
      params: [earlier],
    };
    const statements = recordStatements();
    try {
      const [lock, inbox] = opening(id, 'a.b', 4);
      const seen = await transactionOpenedWith(ds, [lock, inbox, read], async (manager, rows) => ({
        inbox: rows,
        taken: takeOpened(manager, `effects:${earlier}`),
        again: takeOpened(manager, `effects:${earlier}`),
        other: takeOpened(manager, `effects:${id}`),
      }));
      // The work gets the last statement's rows that are not a keyed read's (the inbox); the
      // read's rows are taken once.
      expect(seen).toEqual({
        inbox: [{ message_id: id, type: 'a.b', n: 4 }],
        taken: [{ note: 'kept' }],
        again: undefined,
        other: undefined,
      });
      expect(statements.handlingOf(id)).toEqual([
        expect.stringMatching(
          /^START TRANSACTION; SELECT pg_advisory_xact_lock.*; INSERT INTO t\.inbox .*; SELECT note FROM t\.effects .*FOR UPDATE$/,
        ),
        'COMMIT',
      ]);
    } finally {
      statements.restore();
    }
    // Outside a transaction that was opened with it, nothing is there to take.
    expect(takeOpened(ds.manager, `effects:${earlier}`)).toBeUndefined();
    // Once anything else went out or waits for the commit, the rows would not show it: dropped.
    for (const before of ['statement', 'write for the commit'] as const) {
      const other = randomUUID();
      const [lock2, inbox2] = opening(other, 'a.b', 5);
      const taken = await transactionOpenedWith(ds, [lock2, inbox2, read], async (manager) => {
        if (before === 'statement') await manager.query(`SELECT 1`);
        else await writeWithCommit(manager, effect(earlier, 'later'));
        return takeOpened(manager, `effects:${earlier}`);
      });
      expect(taken).toBeUndefined();
    }
  });

  it('sends a waiting write before any later statement, so the later one sees it', async () => {
    const id = randomUUID();
    const seen = await transactionOpenedWith(ds, opening(id, 'a.b', 1), async (manager) => {
      await writeWithCommit(manager, effect(id, 'one'));
      await writeWithCommit(manager, effect(id, 'two'));
      const [{ n }] = await manager.query(
        `SELECT count(*)::int AS n FROM t.effects WHERE message_id = $1`,
        [id],
      );
      return n;
    });
    expect(seen).toBe(2);
    expect(await count('effects', id)).toBe(2);
  });

  it('a waiting write that fails fails the COMMIT: nothing of the transaction stays', async () => {
    const id = randomUUID();
    const error = await transactionOpenedWith(ds, opening(id, 'a.b', 1), async (manager) => {
      await manager.query(effect(id, 'ok').sql, effect(id, 'ok').params);
      await writeWithCommit(manager, effect(id, 'bad'));
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as { driverError: { code: string } }).driverError.code).toBe('23514');
    expect(await count('inbox', id)).toBe(0);
    expect(await count('effects', id)).toBe(0);
    expect(await poolIsClean()).toBe(true);
  });

  it('a statement that failed and was caught fails the COMMIT (PostgreSQL answers it "ROLLBACK"), and no after-commit work runs', async () => {
    const id = randomUUID();
    let committed = 0;
    const subscriber = { afterTransactionCommit: () => void committed++ };
    ds.subscribers.push(subscriber);
    try {
      const error = await transactionOpenedWith(ds, opening(id, 'a.b', 1), async (manager) => {
        // Wrong, and forbidden by the conventions: going on after a failed statement.
        await manager.query(effect(id, 'bad').sql, effect(id, 'bad').params).catch(() => undefined);
      }).catch((e: unknown) => e);
      expect(String(error)).toMatch(/rolled back at COMMIT/);
    } finally {
      ds.subscribers.splice(ds.subscribers.indexOf(subscriber), 1);
    }
    expect(committed).toBe(0);
    expect(await count('inbox', id)).toBe(0);
    expect(await poolIsClean()).toBe(true);
  });

  it('work that fails rolls back the opening and drops the waiting writes', async () => {
    const id = randomUUID();
    await expect(
      transactionOpenedWith(ds, opening(id, 'a.b', 1), async (manager) => {
        await manager.query(effect(id, 'x').sql, effect(id, 'x').params);
        await writeWithCommit(manager, effect(id, 'y'));
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await count('inbox', id)).toBe(0);
    expect(await count('effects', id)).toBe(0);
    expect(await poolIsClean()).toBe(true);
  });

  it('a value that cannot be sent (a BigInt inside JSON) fails the transaction before anything goes out, locks released', async () => {
    const id = randomUUID();
    const error = await transactionOpenedWith(ds, opening(id, 'a.b', 1), async (manager) => {
      await writeWithCommit(manager, {
        sql: `INSERT INTO t.effects (message_id, note) VALUES ($1, $2::jsonb::text)`,
        params: [id, { n: 1n }],
      });
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/BigInt/);
    expect(await count('inbox', id)).toBe(0);
    expect(await count('effects', id)).toBe(0);
    const [{ free }] = await ds.query(
      `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS free`,
      [`t:${id}`],
    );
    expect(free).toBe(true);
    expect(await poolIsClean()).toBe(true);
  });

  it('reports a failing opening as TypeORM does (QueryFailedError with the SQLSTATE), the work not run', async () => {
    const id = randomUUID();
    let work = false;
    const error = await transactionOpenedWith(
      ds,
      {
        sql: `INSERT INTO t.inbox (message_id, type, n) VALUES ($1, $2, $3)`,
        params: [id, 'a', 'x'],
      },
      async () => {
        work = true;
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as { driverError: { code: string } }).driverError.code).toBe('22P02');
    expect(work).toBe(false);
    expect(await count('inbox', id)).toBe(0);
    expect(await poolIsClean()).toBe(true);
    const rows = await transactionOpenedWith(ds, opening(id, 'a.b', 2), async (_m, r) => r);
    expect(rows).toHaveLength(1);
  });

  it('outside such a transaction a write for the commit runs at once', async () => {
    const id = randomUUID();
    await ds.transaction(async (manager) => {
      await writeWithCommit(manager, effect(id, 'now'));
      const [{ n }] = await manager.query(
        `SELECT count(*)::int AS n FROM t.effects WHERE message_id = $1`,
        [id],
      );
      expect(n).toBe(1);
    });
    await writeWithCommit(ds.manager, effect(id, 'again'));
    expect(await count('effects', id)).toBe(2);
  });
});
