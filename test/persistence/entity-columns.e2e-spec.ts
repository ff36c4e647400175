import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrationsLocked, snakeCase } from '@app/persistence';
import { ALL_FEATURES } from '../../apps/all-in-one/src/features';
import { createTestDatabase } from '../support/database';

/**
 * The entities' columns (named by the snake_case naming strategy, or by an explicit `name`) are
 * exactly the columns the migrations create: every mapped column exists, with nothing guessed.
 */
describe('persistence: entities match the migrated schema', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('entity_cols');
    ds = new DataSource(
      dataSourceOptions(db.url, {
        entities: ALL_FEATURES.flatMap((f) => f.database.entities as unknown[]) as never,
        migrations: ALL_FEATURES.flatMap((f) => f.database.migrations as unknown[]) as never,
      }),
    );
    await ds.initialize();
    await runMigrationsLocked(ds, new Logger('Migrations'));
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('snake_cases property names', () => {
    expect(snakeCase('hukouAddressCode')).toBe('hukou_address_code');
    expect(snakeCase('id')).toBe('id');
    expect(snakeCase('line2Text')).toBe('line2_text');
  });

  it('maps every entity column to a column of its table', async () => {
    const rows: { table_schema: string; table_name: string; column_name: string }[] =
      await ds.query(
        `SELECT table_schema, table_name, column_name FROM information_schema.columns
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
    const existing = new Set(rows.map((r) => `${r.table_schema}.${r.table_name}.${r.column_name}`));
    const missing: string[] = [];
    let mapped = 0;
    for (const entity of ds.entityMetadatas) {
      for (const column of entity.columns) {
        mapped++;
        const key = `${entity.schema ?? 'public'}.${entity.tableName}.${column.databaseName}`;
        if (!existing.has(key)) missing.push(`${entity.name}.${column.propertyName} → ${key}`);
      }
    }
    expect(missing).toEqual([]);
    expect(mapped).toBeGreaterThan(100);
  });
});
