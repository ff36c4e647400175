import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { dataSourceOptions, inlineValues, transactionOpenedWith } from '@app/persistence';
import { createTestDatabase } from '../support/database';
import { recordStatements } from '../support/statements';

/**
 * A transaction opened together with its first statement (BEGIN and the statement in one round
 * trip), as the transport opens every message's transaction: atomic like any other, its values
 * inlined as literals that mean exactly what the bound values meant.
 */
describe('persistence: a transaction opened with its first statement', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('opened_tx');
    ds = new DataSource(dataSourceOptions(db.url, { entities: [], migrations: [] }));
    await ds.initialize();
    await ds.query(`CREATE SCHEMA t`);
    await ds.query(
      `CREATE TABLE t.inbox (message_id uuid PRIMARY KEY, type text NOT NULL, n int NOT NULL)`,
    );
    await ds.query(`CREATE TABLE t.effects (message_id uuid NOT NULL, note text NOT NULL)`);
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const opening = (id: string, type: string, n: number) => ({
    sql: `INSERT INTO t.inbox (message_id, type, n) VALUES ($1, $2, $3)
          ON CONFLICT (message_id) DO NOTHING RETURNING message_id, type, n`,
    params: [id, type, n],
  });
  const count = async (table: string, id: string) =>
    Number(
      (await ds.query(`SELECT count(*) AS n FROM t.${table} WHERE message_id = $1`, [id]))[0].n,
    );

  it('inlines strings (quotes, backslashes, unicode) and numbers as literals with the same value', async () => {
    const tricky = `O'Brien \\x41 '' \\' 张三 $2 -- ;`;
    const sql = inlineValues({
      sql: 'SELECT $1::text AS s, $2::int AS n, $10 AS ten',
      params: [tricky, 42, 0, 0, 0, 0, 0, 0, 0, 'x'],
    });
    // $10 is the tenth value, not $1 and a 0; a "$2" inside a value stays text.
    expect(sql).toContain(`'x' AS ten`);
    const [row] = await ds.query(sql);
    expect(row).toEqual({ s: tricky, n: 42, ten: 'x' });
    expect(() => inlineValues({ sql: 'SELECT $1', params: [{ a: 1 }] })).toThrow(TypeError);
    expect(() => inlineValues({ sql: 'SELECT $1', params: [null] })).toThrow(TypeError);
    expect(() => inlineValues({ sql: 'SELECT $1', params: [Number.NaN] })).toThrow(TypeError);
  });

  it('opens the transaction and its first statement in one round trip, then commits both with the work', async () => {
    const id = randomUUID();
    const statements = recordStatements();
    try {
      const seen = await transactionOpenedWith(ds, opening(id, 'a.b', 7), async (manager, rows) => {
        await manager.query(`INSERT INTO t.effects (message_id, note) VALUES ($1, $2)`, [
          id,
          'done',
        ]);
        return rows;
      });
      expect(seen).toEqual([{ message_id: id, type: 'a.b', n: 7 }]);
      expect(statements.handlingOf(id)).toEqual([
        expect.stringMatching(
          /^START TRANSACTION; INSERT INTO t.inbox .*VALUES \('[0-9a-f-]+', 'a\.b', 7\)/,
        ),
        expect.stringMatching(/^INSERT INTO t.effects/),
        'COMMIT',
      ]);
    } finally {
      statements.restore();
    }
    expect(await count('inbox', id)).toBe(1);
    expect(await count('effects', id)).toBe(1);
    // A duplicate: the opening's rows are empty, the work decides what that means.
    const again = await transactionOpenedWith(ds, opening(id, 'a.b', 7), async (_m, rows) => rows);
    expect(again).toEqual([]);
  });

  it('rolls the opening back with work that fails, and leaves the connection clean', async () => {
    const id = randomUUID();
    await expect(
      transactionOpenedWith(ds, opening(id, 'a.b', 1), async (manager) => {
        await manager.query(`INSERT INTO t.effects (message_id, note) VALUES ($1, $2)`, [id, 'x']);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await count('inbox', id)).toBe(0);
    expect(await count('effects', id)).toBe(0);
    // Every pooled connection is outside any transaction afterwards.
    const states = await Promise.all(
      Array.from({ length: 5 }, () => ds.query(`SELECT now() = statement_timestamp() AS fresh`)),
    );
    expect(states.map((s) => s[0].fresh)).toEqual([true, true, true, true, true]);
  });

  it('reports a failing opening as TypeORM does (QueryFailedError with the SQLSTATE), nothing written', async () => {
    const id = randomUUID();
    const failing = {
      sql: `INSERT INTO t.inbox (message_id, type, n) VALUES ($1, $2, $3)`,
      params: [id, 'a.b', 'not a number'],
    };
    let work = false;
    const error = await transactionOpenedWith(ds, failing, async () => {
      work = true;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect((error as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe(
      '22P02',
    );
    expect(work).toBe(false);
    expect(await count('inbox', id)).toBe(0);
    // The pool still works, in and out of transactions.
    const rows = await transactionOpenedWith(ds, opening(id, 'a.b', 2), async (_m, r) => r);
    expect(rows).toHaveLength(1);
  });
});
