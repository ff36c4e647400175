/** One write: SQL with its own placeholders $1..$n, and their values. */
export interface SqlWrite {
  sql: string;
  params: unknown[];
}

/**
 * Several writes of one transaction sent as one statement: every write but the last becomes a
 * data-modifying CTE, the last is the main statement. PostgreSQL runs each CTE exactly once and to
 * completion whether or not the main statement reads it, and fires constraints and AFTER triggers
 * (foreign keys, the ops rollups) at the end of the whole statement, when every row it wrote is
 * visible. Why: a round trip to the database costs more CPU, on both sides, than the small writes
 * themselves. The writes share one snapshot: none may read what another one writes (join only
 * independent INSERTs/UPDATEs). Placeholders are renumbered, so a write's SQL must hold `$<digits>`
 * only as placeholders (no dollar-quoted bodies).
 */
export function joinWrites(writes: readonly SqlWrite[]): SqlWrite {
  if (writes.length === 0) throw new Error('joinWrites needs at least one write');
  if (writes.length === 1) return writes[0];
  const params: unknown[] = [];
  const renumbered = writes.map((w) => {
    const offset = params.length;
    params.push(...w.params);
    return offset === 0
      ? w.sql
      : w.sql.replace(/\$(\d+)\b/g, (_m, n: string) => `$${Number(n) + offset}`);
  });
  const main = renumbered.pop()!;
  const ctes = renumbered.map((sql, i) => `w${i} AS (${sql})`);
  return { sql: `WITH ${ctes.join(', ')} ${main}`, params };
}
