import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import {
  dataSourceOptions,
  entityInsert,
  entityUpdate,
  runMigrationsLocked,
  snakeCase,
} from '@app/persistence';
import { CaseEntity } from '../../apps/intake/src/case/case.entity';
import { CardAttempt } from '../../apps/production/src/cards/card-attempt.entity';
import { Card } from '../../apps/production/src/cards/card.entity';
import { DeliveryEvent } from '../../apps/delivery/src/deliveries/delivery-event.entity';
import { Delivery } from '../../apps/delivery/src/deliveries/delivery.entity';
import { Notification } from '../../apps/delivery/src/deliveries/notification.entity';
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

  /** A value for a column of its type (every column set but an identity, one left to its default). */
  const sampleOf = (c: ColumnMetadata, i: number): unknown => {
    if (c.generationStrategy) return undefined;
    if (i === 3) return undefined;
    if (c.isNullable && i % 4 === 1) return null;
    const type = String(c.type);
    if (type === 'uuid') return randomUUID();
    if (type === 'jsonb') return { at: i, list: [1, 'two', { three: null }] };
    if (type === 'boolean') return i % 2 === 0;
    if (type === 'timestamptz') return new Date(Date.UTC(2026, 11, 4, 8, i));
    if (type === 'date') return '2026-12-04';
    if (['int', 'integer', 'bigint', 'smallint'].includes(type)) return i + 1;
    if (type === 'numeric') return 12.5 + i;
    if (c.isArray) return ['A', 'B'];
    return `text ${i}`;
  };
  /** Column → bound value (or DEFAULT) of an INSERT's one row or an UPDATE's SET. */
  const bound = (sql: string, params: unknown[]): Record<string, unknown> => {
    const value = (v: string) => (v === 'DEFAULT' ? 'DEFAULT' : params[Number(v.slice(1)) - 1]);
    const insert = /^INSERT INTO \S+\s*\(([^)]*)\) VALUES \(([^)]*)\)/.exec(sql);
    if (insert) {
      const names = insert[1].split(',').map((n) => n.trim().replace(/"/g, ''));
      const values = insert[2].split(',').map((v) => v.trim());
      return Object.fromEntries(names.map((n, i) => [n, value(values[i])]));
    }
    const set = /^UPDATE \S+ SET (.*) WHERE "id" = (\$\d+)/.exec(sql)!;
    return Object.fromEntries([
      ...set[1].split(', ').map((a) => {
        const [n, v] = a.split(' = ');
        return [n.replace(/"/g, ''), value(v)];
      }),
      ['WHERE id', value(set[2])],
    ]);
  };

  it.each([
    ['CaseEntity', CaseEntity],
    ['Card', Card],
    ['CardAttempt', CardAttempt],
    ['Delivery', Delivery],
    ['DeliveryEvent', DeliveryEvent],
    ['Notification', Notification],
  ])(
    "entityInsert and entityUpdate bind what TypeORM's query builder binds (%s)",
    (_name, target) => {
      const metadata = ds.getMetadata(target);
      const row = Object.fromEntries(
        metadata.columns.map((c, i) => [c.propertyName, sampleOf(c, i)]),
      ) as never;
      const ours = entityInsert(ds.manager, target, row);
      const [sql, params] = ds
        .createQueryBuilder()
        .insert()
        .into(target)
        .values(row)
        .getQueryAndParameters();
      const theirs = bound(sql, params);
      // The builder leaves an identity column out; ours gives it its DEFAULT.
      for (const c of metadata.columns.filter((x) => x.generationStrategy))
        theirs[c.databaseName] ??= 'DEFAULT';
      expect(bound(ours.sql, ours.params)).toEqual(theirs);

      const changes = Object.fromEntries(
        metadata.columns
          .filter((c) => !c.isPrimary && !c.generationStrategy)
          .slice(0, 6)
          .map((c, i) => [c.propertyName, sampleOf(c, i + 10)]),
      );
      const id = randomUUID();
      const update = entityUpdate(ds.manager, target, changes, id);
      const [usql, uparams] = ds
        .createQueryBuilder()
        .update(target)
        .set(changes as never)
        .where({ id })
        .getQueryAndParameters();
      expect(bound(update.sql, update.params)).toEqual(bound(usql, uparams));
    },
  );

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
