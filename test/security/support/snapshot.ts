import { DataSource } from 'typeorm';

/** Row count and a digest of the content of one table. */
export interface TableState {
  rows: number;
  digest: string;
}

export type DatabaseSnapshot = Record<string, TableState>;

/** The service schemas whose tables a refused request must leave alone. */
export const SERVICE_SCHEMAS = ['intake', 'verification', 'production', 'delivery'];

/**
 * Every table of the given schemas: its row count and an md5 over its rows (so an UPDATE shows
 * too, not only an INSERT or DELETE). Meant for small test databases.
 */
export async function snapshotTables(
  dataSource: DataSource,
  schemas: readonly string[] = SERVICE_SCHEMAS,
): Promise<DatabaseSnapshot> {
  const tables: { schema: string; name: string }[] = await dataSource.query(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'
       -- intake's ops rollups (stats_*) are derived from the cases by triggers: not a write of their own
       AND NOT (table_schema = 'intake' AND table_name LIKE 'stats\\_%')
     ORDER BY 1, 2`,
    [schemas],
  );
  if (!tables.length) throw new Error(`no tables in schemas ${schemas.join(', ')}`);
  const sql = tables
    .map(
      ({ schema, name }) =>
        `SELECT '${schema}.${name}' AS t, count(*)::int AS rows,
                coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS digest
         FROM "${schema}"."${name}" x`,
    )
    .join(' UNION ALL ');
  const rows: { t: string; rows: number; digest: string }[] = await dataSource.query(sql);
  return Object.fromEntries(rows.map((r) => [r.t, { rows: r.rows, digest: r.digest }]));
}

/** Tables whose row count differs: `{table: after - before}` (empty when nothing was added or removed). */
export function rowCountChanges(before: DatabaseSnapshot, after: DatabaseSnapshot) {
  const out: Record<string, number> = {};
  for (const t of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const d = (after[t]?.rows ?? 0) - (before[t]?.rows ?? 0);
    if (d !== 0) out[t] = d;
  }
  return out;
}

/** Tables whose content changed at all (rows added, removed or updated). */
export function changedTables(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  return Object.keys({ ...before, ...after })
    .filter((t) => before[t]?.digest !== after[t]?.digest || before[t]?.rows !== after[t]?.rows)
    .sort();
}
