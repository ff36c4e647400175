import { DefaultNamingStrategy, NamingStrategyInterface } from 'typeorm';

/** `hukouAddressCode` → `hukou_address_code`, `line2Text` → `line2_text`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Columns are snake_case in PostgreSQL and camelCase in TypeScript: the column of a property is
 * its name in snake_case unless the entity names it (`@Column({ name })`, for a column whose name
 * is not its property's). Table, index and constraint names are written out in the entities and
 * migrations, and stay as they are.
 */
export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override columnName(
    propertyName: string,
    customName: string | undefined,
    prefixes: string[],
  ): string {
    return customName ?? snakeCase([...prefixes, propertyName].join('_'));
  }
}
