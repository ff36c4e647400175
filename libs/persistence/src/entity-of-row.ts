import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * The entity held by a row of a hand-written query, as a repository's find() would give it: columns
 * by their database names (`alias.*` in the SELECT), values converted as TypeORM converts them
 * (timestamps, dates, transformers). For a handler that reads an entity together with other things
 * in one query, because a round trip to the database costs more CPU than the small reads
 * themselves.
 */
export function entityOfRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  row: Record<string, unknown>,
): T {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const entity = metadata.create(manager.queryRunner, { fromDeserializer: true }) as T;
  for (const column of metadata.columns) {
    column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}
