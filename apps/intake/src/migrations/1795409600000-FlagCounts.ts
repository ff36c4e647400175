import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts of flagged cases by scope: how many cases the review timer (`review_overdue`) and the
 * statutory timer (`statutory_overdue`) ever flagged, for the country and each residence and hukou
 * province, in `intake.stats_counts` (measure 'flagged', status 'review' or 'statutory'). A flag
 * stays on a case for good, so counting the flagged cases grew with the years of history (the
 * breach figures read every flagged case, and with `?province=` each one's row); the figures now
 * read these counters and walk only the open cases past a deadline.
 *
 * A flag is set once by its timer (a self-loop, the status unchanged): its own trigger, which fires
 * only when a flag changes. A case inserted or deleted with a flag set counts in the case trigger.
 */
export class FlagCounts1795409600000 implements MigrationInterface {
  name = 'FlagCounts1795409600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE intake.stats_counts DROP CONSTRAINT IF EXISTS stats_counts_measure_check`,
    );
    await q.query(
      `ALTER TABLE intake.stats_counts ADD CONSTRAINT stats_counts_measure_check
         CHECK (measure IN ('now', 'reached', 'flagged'))`,
    );
    await q.query(FLAG_FUNCTION);
    await q.query(
      `CREATE TRIGGER cases_stats_flags AFTER UPDATE OF review_overdue, statutory_overdue
         ON intake.cases FOR EACH ROW
         WHEN (OLD.review_overdue IS DISTINCT FROM NEW.review_overdue
               OR OLD.statutory_overdue IS DISTINCT FROM NEW.statutory_overdue)
         EXECUTE FUNCTION intake.stats_on_flags()`,
    );
    // Inserted or deleted with a flag set (bulk loads, tests): the insert and delete triggers.
    await q.query(
      `CREATE TRIGGER cases_stats_flags_insert AFTER INSERT ON intake.cases FOR EACH ROW
         WHEN (NEW.review_overdue OR NEW.statutory_overdue)
         EXECUTE FUNCTION intake.stats_on_flags()`,
    );
    await q.query(
      `CREATE TRIGGER cases_stats_flags_delete AFTER DELETE ON intake.cases FOR EACH ROW
         WHEN (OLD.review_overdue OR OLD.statutory_overdue)
         EXECUTE FUNCTION intake.stats_on_flags()`,
    );
    for (const sql of REBUILD_WITH_FLAGS) await q.query(sql);
    await q.query(`INSERT INTO intake.stats_counts ${FLAGGED_ROWS}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS cases_stats_flags ON intake.cases`);
    await q.query(`DROP TRIGGER IF EXISTS cases_stats_flags_insert ON intake.cases`);
    await q.query(`DROP TRIGGER IF EXISTS cases_stats_flags_delete ON intake.cases`);
    await q.query(`DROP FUNCTION IF EXISTS intake.stats_rebuild()`);
    await q.query(`ALTER FUNCTION intake.stats_rebuild_counts() RENAME TO stats_rebuild`);
    await q.query(`DROP FUNCTION IF EXISTS intake.stats_on_flags()`);
    await q.query(`DELETE FROM intake.stats_counts WHERE measure = 'flagged'`);
    await q.query(
      `ALTER TABLE intake.stats_counts DROP CONSTRAINT IF EXISTS stats_counts_measure_check`,
    );
    await q.query(
      `ALTER TABLE intake.stats_counts ADD CONSTRAINT stats_counts_measure_check
         CHECK (measure IN ('now', 'reached'))`,
    );
  }
}

const HASH = (id: string) => `(hashtext(${id}::text) & 2147483647)`;

/** Flagged cases by scope, counted from the cases (the rebuild, and this migration's fill). */
const FLAGGED_ROWS = `
  SELECT x.scope, 'flagged', c.kind, f.flag, x.shard, count(*)
    FROM (SELECT kind, residence_province, hukou_province, review_overdue, statutory_overdue,
                 ${HASH('id')} % 4 AS shard
            FROM intake.cases WHERE review_overdue OR statutory_overdue) c
   CROSS JOIN LATERAL (VALUES ('review', c.review_overdue), ('statutory', c.statutory_overdue))
         AS f (flag, set)
   CROSS JOIN LATERAL (VALUES ('', c.shard), ('R' || c.residence_province, c.shard),
                              ('H' || c.hukou_province, c.shard)) AS x (scope, shard)
   WHERE f.set
   GROUP BY 1, 2, 3, 4, 5`;

// +1 for a flag set, -1 for a flag cleared (by an update, or the case deleted).
const FLAG_FUNCTION = `CREATE OR REPLACE FUNCTION intake.stats_on_flags() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE
    v_review integer := 0;
    v_statutory integer := 0;
    c intake.cases%ROWTYPE;
  BEGIN
    IF TG_OP = 'DELETE' THEN c := OLD; ELSE c := NEW; END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      v_review := v_review - OLD.review_overdue::integer;
      v_statutory := v_statutory - OLD.statutory_overdue::integer;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      v_review := v_review + NEW.review_overdue::integer;
      v_statutory := v_statutory + NEW.statutory_overdue::integer;
    END IF;
    INSERT INTO intake.stats_counts AS s
      SELECT x.scope, 'flagged', c.kind, f.flag, ${HASH('c.id')} % 4, f.delta
        FROM (VALUES ('review', v_review), ('statutory', v_statutory)) AS f (flag, delta)
       CROSS JOIN (VALUES (''), ('R' || c.residence_province), ('H' || c.hukou_province))
             AS x (scope)
       WHERE f.delta <> 0
       ORDER BY 1, 4
      ON CONFLICT (scope, measure, kind, status, shard)
      DO UPDATE SET cases = s.cases + EXCLUDED.cases;
    RETURN NULL;
  END $$`;

// stats_rebuild(): what ScopeCounts recomputes (renamed stats_rebuild_counts), then these counters.
const REBUILD_WITH_FLAGS = [
  `ALTER FUNCTION intake.stats_rebuild() RENAME TO stats_rebuild_counts`,
  `CREATE FUNCTION intake.stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM intake.stats_rebuild_counts();
     INSERT INTO intake.stats_counts ${FLAGGED_ROWS};
   END $$`,
];
