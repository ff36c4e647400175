import type { EntityManager } from 'typeorm';

/**
 * How many cases of a kind an acceptance point holds (in one status, if given): the `total` of the
 * clerk lists, read from the per-point counters the rollup triggers keep (`intake.stats_counts`,
 * scope 'A<point>', a few rows whatever the years of history) rather than counted from the cases.
 */
export async function casesAtPoint(
  manager: EntityManager,
  point: string,
  kind: string,
  status?: string,
): Promise<number> {
  const [{ n }]: { n: number }[] = await manager.query(
    `SELECT coalesce(sum(cases), 0)::int AS n FROM intake.stats_counts
      WHERE scope = 'A' || $1 AND measure = 'now' AND kind = $2
        AND ($3::text IS NULL OR status = $3)`,
    [point, kind, status ?? null],
  );
  return n;
}
