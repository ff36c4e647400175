import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counts by scope, so that the ops figures and the clerk lists' totals read a few hundred rows
 * whatever the years of history (issue 14):
 *
 * - `intake.stats_counts`: cases now in each status ('now') and cases that ever entered it
 *   ('reached'), per kind, for the country (scope ''), a residence province ('R31'), a hukou
 *   province ('H34'), a province pair ('P31-34') and an acceptance point ('A310101-01', 'now'
 *   only). It replaces the per-pair tables `stats_case_counts` and `stats_reached` (dropped): the
 *   views `intake_stats.case_counts` and `intake_stats.reached` keep their names and columns and
 *   now read its pair rows. Rows carry a shard (hash of the case id: 0–3, pairs 0–1) so that
 *   concurrent transitions rarely wait on one counter row; readers sum the shards.
 * - The triggers write it with one multi-row INSERT .. ON CONFLICT per transition (the old pair
 *   counters took an UPDATE and an INSERT), and write every other rollup of a transition in that
 *   same statement (data-modifying CTEs) instead of one statement per table. The kind is the
 *   case's own (`cases.kind`; the old triggers wrote 'idcard' for every case).
 * - `intake.stats_rebuild()` recomputes everything set-based: one pass over the cases, one sorted
 *   pass over the timelines (first entries and stays from the same window), then aggregates of
 *   aggregates. Called here to fill the new table from the existing records.
 * - The keyset clerk lists filter on the kind: their indexes lead with (acceptance_point, kind).
 * - The reconciler's re-sends walk (resend_count, last sent) indexes, one range per re-send count.
 */
export class ScopeCounts1795409500000 implements MigrationInterface {
  name = 'ScopeCounts1795409500000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of UP) await q.query(sql);
    await q.query('SELECT intake.stats_rebuild()');
    await q.query('ANALYZE intake.stats_counts');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of DOWN) await q.query(sql);
    await q.query('SELECT intake.stats_rebuild()');
  }
}

const CLOSED = `('REFUSED', 'DELIVERED', 'CANCELLED')`;

/** A case's hash for its shards, as `intake.stats_shard(id, n)` = HASH % n. */
const HASH = (id: string) => `(hashtext(${id}::text) & 2147483647)`;

const UP = [
  `CREATE TABLE intake.stats_counts (
     scope text NOT NULL,
     measure text NOT NULL CHECK (measure IN ('now', 'reached')),
     kind text NOT NULL,
     status text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (scope, measure, kind, status, shard)
   )`,

  // One statement per transition of a case row. Rows whose status is null (the OLD side of an
  // insert, the NEW side of a delete) drop out. Keys are locked in a fixed order.
  `CREATE OR REPLACE FUNCTION intake.stats_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     c intake.cases%ROWTYPE;
     v_hash integer;
     v_old text;
     v_new text;
   BEGIN
     IF TG_OP = 'DELETE' THEN c := OLD; ELSE c := NEW; END IF;
     v_hash := ${HASH('c.id')};
     IF TG_OP IN ('UPDATE', 'DELETE') THEN v_old := OLD.status; END IF;
     IF TG_OP IN ('INSERT', 'UPDATE') THEN v_new := NEW.status; END IF;
     IF TG_OP = 'UPDATE' THEN
       -- OLD's rows -1, NEW's rows +1 (only the status changes in practice).
       INSERT INTO intake.stats_counts AS s
         SELECT v.scope, 'now', v.kind, v.status, v.shard, v.delta
           FROM (VALUES ('', OLD.kind, v_old, v_hash % 4, -1), ('', NEW.kind, v_new, v_hash % 4, 1),
                        ('R' || OLD.residence_province, OLD.kind, v_old, v_hash % 4, -1),
                        ('R' || NEW.residence_province, NEW.kind, v_new, v_hash % 4, 1),
                        ('H' || OLD.hukou_province, OLD.kind, v_old, v_hash % 4, -1),
                        ('H' || NEW.hukou_province, NEW.kind, v_new, v_hash % 4, 1),
                        ('P' || OLD.residence_province || '-' || OLD.hukou_province, OLD.kind, v_old,
                         v_hash % 2, -1),
                        ('P' || NEW.residence_province || '-' || NEW.hukou_province, NEW.kind, v_new,
                         v_hash % 2, 1),
                        ('A' || OLD.acceptance_point, OLD.kind, v_old, v_hash % 4, -1),
                        ('A' || NEW.acceptance_point, NEW.kind, v_new, v_hash % 4, 1))
                AS v (scope, kind, status, shard, delta)
          ORDER BY 1, 3, 4, 5
         ON CONFLICT (scope, measure, kind, status, shard)
         DO UPDATE SET cases = s.cases + EXCLUDED.cases;
       RETURN NEW;
     END IF;
     -- Insert (+1) or delete (-1): the counts, the intakes of the day by pair and by scope.
     WITH sign AS (SELECT CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END AS d),
     by_pair AS (
       INSERT INTO intake.stats_intake_daily AS s
         SELECT c.intake_date, c.kind, c.residence_province, c.hukou_province, v_hash % 4, sign.d
           FROM sign
         ON CONFLICT (day, kind, residence_province, hukou_province, shard)
         DO UPDATE SET cases = s.cases + EXCLUDED.cases
     ), by_scope AS (
       INSERT INTO intake.stats_daily AS s
         SELECT c.intake_date, c.kind, v.scope, 'intake', v.shard, sign.d
           FROM sign, (VALUES ('', v_hash % 4), ('R' || c.residence_province, 0),
                              ('H' || c.hukou_province, 0)) AS v (scope, shard)
          ORDER BY v.scope
         ON CONFLICT (scope, measure, day, kind, shard)
         DO UPDATE SET cases = s.cases + EXCLUDED.cases
     )
     INSERT INTO intake.stats_counts AS s
       SELECT v.scope, 'now', c.kind, coalesce(v_new, v_old), v.shard, sign.d
         FROM sign, (VALUES ('', v_hash % 4), ('R' || c.residence_province, v_hash % 4),
                            ('H' || c.hukou_province, v_hash % 4),
                            ('P' || c.residence_province || '-' || c.hukou_province, v_hash % 2),
                            ('A' || c.acceptance_point, v_hash % 4)) AS v (scope, shard)
        ORDER BY v.scope
       ON CONFLICT (scope, measure, kind, status, shard)
       DO UPDATE SET cases = s.cases + EXCLUDED.cases;
     RETURN c;
   END $$`,

  // Each timeline entry: the first entry of a case into a status counts on its China day and as
  // reached (one statement for the four tables); a status change ends the current stay
  // (histogram) and starts the next one. Self-loops (timers, remakes) do neither.
  `CREATE OR REPLACE FUNCTION intake.stats_on_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     v_kind text;
     v_residence text;
     v_hukou text;
     v_hash integer := ${HASH('NEW.case_id')};
     v_day date := (NEW.at AT TIME ZONE 'Asia/Shanghai')::date;
     v_bucket integer;
     stay intake.stats_open_stays%ROWTYPE;
   BEGIN
     SELECT kind, residence_province, hukou_province INTO v_kind, v_residence, v_hukou
       FROM intake.cases WHERE id = NEW.case_id;
     IF NOT EXISTS (SELECT 1 FROM intake.case_timeline t
                     WHERE t.case_id = NEW.case_id AND t.to_status = NEW.to_status
                       AND t.id <> NEW.id) THEN
       WITH by_pair AS (
         INSERT INTO intake.stats_entered_daily AS s
           VALUES (v_day, v_kind, v_residence, v_hukou, NEW.to_status, v_hash % 4, 1)
           ON CONFLICT (day, kind, residence_province, hukou_province, status, shard)
           DO UPDATE SET cases = s.cases + 1
       ), by_scope AS (
         INSERT INTO intake.stats_daily AS s
           SELECT v_day, v_kind, v.scope, NEW.to_status, v.shard, 1
             FROM (VALUES ('', v_hash % 4), ('R' || v_residence, 0), ('H' || v_hukou, 0))
                  AS v (scope, shard)
            ORDER BY v.scope
           ON CONFLICT (scope, measure, day, kind, shard) DO UPDATE SET cases = s.cases + 1
       )
       INSERT INTO intake.stats_counts AS s
         SELECT v.scope, 'reached', v_kind, NEW.to_status, v.shard, 1
           FROM (VALUES ('', v_hash % 4), ('R' || v_residence, v_hash % 4),
                        ('H' || v_hukou, v_hash % 4),
                        ('P' || v_residence || '-' || v_hukou, v_hash % 2)) AS v (scope, shard)
          ORDER BY v.scope
         ON CONFLICT (scope, measure, kind, status, shard) DO UPDATE SET cases = s.cases + 1;
     END IF;
     SELECT * INTO stay FROM intake.stats_open_stays WHERE case_id = NEW.case_id FOR UPDATE;
     IF NOT FOUND THEN
       IF NEW.to_status NOT IN ${CLOSED} THEN
         INSERT INTO intake.stats_open_stays
           VALUES (NEW.case_id, v_kind, v_residence, v_hukou, NEW.to_status, NEW.at);
       END IF;
     ELSIF stay.status <> NEW.to_status THEN
       v_bucket := intake.stats_stay_bucket(extract(epoch FROM NEW.at - stay.entered_at)::float8);
       INSERT INTO intake.stats_stay_histogram AS s
         VALUES (v_kind, '', stay.status, v_bucket, v_hash % 8, 1),
                (v_kind, 'H' || v_hukou, stay.status, v_bucket, 0, 1),
                (v_kind, 'R' || v_residence, stay.status, v_bucket, 0, 1)
         ON CONFLICT (kind, scope, status, bucket, shard)
         DO UPDATE SET stays = s.stays + 1;
       IF NEW.to_status IN ${CLOSED} THEN
         DELETE FROM intake.stats_open_stays WHERE case_id = NEW.case_id;
       ELSE
         UPDATE intake.stats_open_stays SET status = NEW.to_status, entered_at = NEW.at
          WHERE case_id = NEW.case_id;
       END IF;
     END IF;
     RETURN NULL;
   END $$`,

  // Everything again from the records, set-based (existing data; bulk loads made with triggers
  // off): one pass over the cases, one sorted pass over the timelines, then small aggregates.
  `CREATE OR REPLACE FUNCTION intake.stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
   DECLARE
     started timestamptz := clock_timestamp();
   BEGIN
     SET LOCAL work_mem = '1GB';
     TRUNCATE intake.stats_counts, intake.stats_intake_daily, intake.stats_entered_daily,
              intake.stats_daily, intake.stats_stay_histogram, intake.stats_open_stays;
     CREATE TEMP TABLE stats_c ON COMMIT DROP AS
       SELECT id, kind, residence_province AS r, hukou_province AS h, acceptance_point AS a,
              status, intake_date, ${HASH('id')} AS hash
         FROM intake.cases;
     -- Now: the finest grain once, then every scope from it.
     INSERT INTO intake.stats_counts
       SELECT x.scope, 'now', g.kind, g.status, x.shard, sum(g.n)
         FROM (SELECT kind, r, h, a, status, hash % 4 AS h4, count(*) AS n
                 FROM stats_c GROUP BY 1, 2, 3, 4, 5, 6) g
        CROSS JOIN LATERAL (VALUES ('', g.h4), ('R' || g.r, g.h4), ('H' || g.h, g.h4),
                                   ('P' || g.r || '-' || g.h, g.h4 % 2), ('A' || g.a, g.h4))
              AS x (scope, shard)
        GROUP BY 1, 2, 3, 4, 5;
     INSERT INTO intake.stats_intake_daily
       SELECT intake_date, kind, r, h, hash % 4, count(*) FROM stats_c
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1;
     RAISE NOTICE 'stats_rebuild: cases counted (% s)',
       round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
     -- The status changes of every case in order (self-loops left out), with the case's kind,
     -- provinces and hash: whether the status is entered for the first time, and when the stay
     -- it starts ends. One sort of the timelines.
     CREATE TEMP TABLE stats_t ON COMMIT DROP AS
       SELECT m.kind, m.r, m.h, m.hash, m.case_id, m.to_status, m.at,
              NOT coalesce(m.to_status = ANY (array_agg(m.to_status) OVER (
                PARTITION BY m.case_id ORDER BY m.id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)), false) AS first,
              lead(m.at) OVER (PARTITION BY m.case_id ORDER BY m.id) AS left_at
         FROM (SELECT c.kind, c.r, c.h, c.hash, t.case_id, t.id, t.to_status, t.at,
                      lag(t.to_status) OVER (PARTITION BY t.case_id ORDER BY t.id) AS previous
                 FROM intake.case_timeline t JOIN stats_c c ON c.id = t.case_id) m
        WHERE m.previous IS DISTINCT FROM m.to_status;
     RAISE NOTICE 'stats_rebuild: timelines read (% s)',
       round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
     INSERT INTO intake.stats_entered_daily
       SELECT g.* FROM (
         SELECT (at AT TIME ZONE 'Asia/Shanghai')::date AS day, kind, r, h, to_status,
                hash % 4, count(*)
           FROM stats_t WHERE first GROUP BY 1, 2, 3, 4, 5, 6) g
        ORDER BY g.day;
     RAISE NOTICE 'stats_rebuild: first entries counted (% s)',
       round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
     -- The other per-day and reached rows are sums of those per-pair days (one small aggregate
     -- per scope rather than one large one over every scope).
     INSERT INTO intake.stats_daily
       SELECT day, kind, '', 'intake', shard, sum(cases) FROM intake.stats_intake_daily
        GROUP BY 1, 2, 5
       UNION ALL
       SELECT day, kind, 'R' || residence_province, 'intake', 0, sum(cases)
         FROM intake.stats_intake_daily GROUP BY 1, 2, residence_province
       UNION ALL
       SELECT day, kind, 'H' || hukou_province, 'intake', 0, sum(cases)
         FROM intake.stats_intake_daily GROUP BY 1, 2, hukou_province
       UNION ALL
       SELECT day, kind, '', status, shard, sum(cases) FROM intake.stats_entered_daily
        GROUP BY 1, 2, status, shard
       UNION ALL
       SELECT day, kind, 'R' || residence_province, status, 0, sum(cases)
         FROM intake.stats_entered_daily GROUP BY 1, 2, residence_province, status
       UNION ALL
       SELECT day, kind, 'H' || hukou_province, status, 0, sum(cases)
         FROM intake.stats_entered_daily GROUP BY 1, 2, hukou_province, status;
     INSERT INTO intake.stats_counts
       SELECT x.scope, 'reached', g.kind, g.status, x.shard, sum(g.n)
         FROM (SELECT kind, residence_province AS r, hukou_province AS h, status, shard,
                      sum(cases) AS n
                 FROM intake.stats_entered_daily GROUP BY 1, 2, 3, 4, 5) g
        CROSS JOIN LATERAL (VALUES ('', g.shard), ('R' || g.r, g.shard), ('H' || g.h, g.shard),
                                   ('P' || g.r || '-' || g.h, g.shard % 2)) AS x (scope, shard)
        GROUP BY 1, 2, 3, 4, 5;
     RAISE NOTICE 'stats_rebuild: days and reached counted (% s)',
       round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
     INSERT INTO intake.stats_stay_histogram
       SELECT g.kind, x.scope, g.status, g.bucket, x.shard, sum(g.n)
         FROM (SELECT kind, r, h, to_status AS status,
                      intake.stats_stay_bucket(extract(epoch FROM left_at - at)::float8) AS bucket,
                      hash % 8 AS h8, count(*) AS n
                 FROM stats_t WHERE left_at IS NOT NULL
                GROUP BY 1, 2, 3, 4, 5, 6) g
        CROSS JOIN LATERAL (VALUES ('', g.h8), ('R' || g.r, 0), ('H' || g.h, 0))
              AS x (scope, shard)
        GROUP BY 1, 2, 3, 4, 5;
     INSERT INTO intake.stats_open_stays
       SELECT case_id, kind, r, h, to_status, at FROM stats_t
        WHERE left_at IS NULL AND to_status NOT IN ${CLOSED};
     RAISE NOTICE 'stats_rebuild: stays counted (% s)',
       round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
     DROP TABLE stats_t;
     DROP TABLE stats_c;
   END $$`,

  // The published views keep their names and columns; the pair rows now hold them.
  `CREATE OR REPLACE VIEW intake_stats.case_counts AS
     SELECT kind, substr(scope, 2, 2) AS residence_province, substr(scope, 5, 2) AS hukou_province,
            status, sum(cases)::integer AS cases
       FROM intake.stats_counts
      WHERE scope >= 'P' AND scope < 'Q' AND measure = 'now'
      GROUP BY 1, 2, 3, 4`,
  `CREATE OR REPLACE VIEW intake_stats.reached AS
     SELECT kind, substr(scope, 2, 2) AS residence_province, substr(scope, 5, 2) AS hukou_province,
            status, sum(cases)::integer AS cases
       FROM intake.stats_counts
      WHERE scope >= 'P' AND scope < 'Q' AND measure = 'reached'
      GROUP BY 1, 2, 3, 4`,
  // scope '' = the country, 'R<code>' residence province, 'H<code>' hukou province (a case's two
  // provinces differ: a province's figure is the sum of its R and H rows), 'P<r>-<h>' a pair,
  // 'A<point>' an acceptance point ('now' only).
  `CREATE VIEW intake_stats.scope_counts AS
     SELECT scope, measure, kind, status, sum(cases)::integer AS cases
       FROM intake.stats_counts GROUP BY 1, 2, 3, 4`,
  `DROP TABLE intake.stats_case_counts, intake.stats_reached`,
  `DROP FUNCTION IF EXISTS intake.stats_daily_add(date, text, text, text, text, integer)`,

  // Clerk lists (one kind at a point, optionally one status), keyed to the last row of a page.
  `CREATE INDEX cases_point_kind_page_idx
     ON intake.cases (acceptance_point, kind, created_at DESC, id DESC)`,
  `CREATE INDEX cases_point_kind_status_page_idx
     ON intake.cases (acceptance_point, kind, status, created_at DESC, id DESC)`,
  `DROP INDEX IF EXISTS intake.cases_point_page_idx`,
  `DROP INDEX IF EXISTS intake.cases_point_status_page_idx`,
  `DROP INDEX IF EXISTS intake.cases_point_kind_created_idx`,

  // The reconciler's re-sends: what is due is "sent before now - base × 2^resend_count", one
  // range per count (these replace the indexes on the send time alone, which made a sweep read
  // every case waiting on an answer).
  `CREATE INDEX cases_resend_due_idx ON intake.cases (resend_count, last_sent_at)
     WHERE pending_command IS NOT NULL`,
  `CREATE INDEX cases_delivery_sync_due_idx
     ON intake.cases (resend_count, (coalesce(last_sent_at, updated_at)))
     WHERE status IN ('DISPATCHED', 'READY_FOR_PICKUP')`,
  `DROP INDEX IF EXISTS intake.cases_pending_idx`,
  `DROP INDEX IF EXISTS intake.cases_delivery_sync_idx`,
];

// Back to the per-pair tables and the previous trigger bodies of OpsReadModels1795403500000
// (copied: an old migration is never edited); down() then rebuilds the rollups.
const DOWN: string[] = [
  `DROP INDEX IF EXISTS intake.cases_point_kind_page_idx`,
  `DROP INDEX IF EXISTS intake.cases_point_kind_status_page_idx`,
  `CREATE INDEX IF NOT EXISTS cases_point_page_idx
     ON intake.cases (acceptance_point, created_at DESC, id DESC)`,
  `CREATE INDEX IF NOT EXISTS cases_point_status_page_idx
     ON intake.cases (acceptance_point, status, created_at DESC, id DESC)`,
  `CREATE INDEX IF NOT EXISTS cases_point_kind_created_idx
     ON intake.cases (acceptance_point, kind, created_at DESC)`,
  `DROP INDEX IF EXISTS intake.cases_resend_due_idx`,
  `DROP INDEX IF EXISTS intake.cases_delivery_sync_due_idx`,
  `CREATE INDEX IF NOT EXISTS cases_pending_idx ON intake.cases (last_sent_at)
     WHERE pending_command IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS cases_delivery_sync_idx
     ON intake.cases ((coalesce(last_sent_at, updated_at)))
     WHERE status IN ('DISPATCHED', 'READY_FOR_PICKUP')`,
  `DROP VIEW IF EXISTS intake_stats.scope_counts`,
  `CREATE TABLE intake.stats_case_counts (
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     status text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (kind, residence_province, hukou_province, status, shard)
   )`,
  `CREATE TABLE intake.stats_reached (
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     status text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (kind, residence_province, hukou_province, status, shard)
   )`,
  `CREATE FUNCTION intake.stats_daily_add(p_day date, p_kind text, p_residence text,
       p_hukou text, p_measure text, p_shard integer) RETURNS void LANGUAGE sql AS $$
     INSERT INTO intake.stats_daily AS s
       VALUES (p_day, p_kind, '', p_measure, p_shard, 1),
              (p_day, p_kind, 'R' || p_residence, p_measure, 0, 1),
              (p_day, p_kind, 'H' || p_hukou, p_measure, 0, 1)
       ON CONFLICT (scope, measure, day, kind, shard) DO UPDATE SET cases = s.cases + 1
   $$`,
  `CREATE OR REPLACE FUNCTION intake.stats_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     v_kind text := TG_ARGV[0];
   BEGIN
     IF TG_OP IN ('UPDATE', 'DELETE') THEN
       UPDATE intake.stats_case_counts SET cases = cases - 1
        WHERE stats_case_counts.kind = v_kind AND residence_province = OLD.residence_province
          AND hukou_province = OLD.hukou_province AND status = OLD.status
          AND shard = intake.stats_shard(OLD.id, 8);
     END IF;
     IF TG_OP = 'DELETE' THEN
       UPDATE intake.stats_daily SET cases = cases - 1
        WHERE day = OLD.intake_date AND stats_daily.kind = v_kind AND measure = 'intake'
          AND ((scope = '' AND shard = intake.stats_shard(OLD.id, 4))
               OR scope IN ('R' || OLD.residence_province, 'H' || OLD.hukou_province));
       UPDATE intake.stats_intake_daily SET cases = cases - 1
        WHERE day = OLD.intake_date AND stats_intake_daily.kind = v_kind
          AND residence_province = OLD.residence_province AND hukou_province = OLD.hukou_province
          AND shard = intake.stats_shard(OLD.id, 4);
       RETURN OLD;
     END IF;
     INSERT INTO intake.stats_case_counts AS s
       VALUES (v_kind, NEW.residence_province, NEW.hukou_province, NEW.status,
               intake.stats_shard(NEW.id, 8), 1)
       ON CONFLICT (kind, residence_province, hukou_province, status, shard)
       DO UPDATE SET cases = s.cases + 1;
     IF TG_OP = 'INSERT' THEN
       PERFORM intake.stats_daily_add(NEW.intake_date, v_kind, NEW.residence_province,
                                      NEW.hukou_province, 'intake', intake.stats_shard(NEW.id, 4));
       INSERT INTO intake.stats_intake_daily AS s
         VALUES (NEW.intake_date, v_kind, NEW.residence_province, NEW.hukou_province,
                 intake.stats_shard(NEW.id, 4), 1)
         ON CONFLICT (day, kind, residence_province, hukou_province, shard)
         DO UPDATE SET cases = s.cases + 1;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE OR REPLACE FUNCTION intake.stats_on_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     v_kind text := TG_ARGV[0];
     v_residence text;
     v_hukou text;
     v_shard smallint := intake.stats_shard(NEW.case_id, 8);
     v_bucket integer;
     stay intake.stats_open_stays%ROWTYPE;
   BEGIN
     EXECUTE format('SELECT residence_province, hukou_province FROM %s WHERE id = $1', TG_ARGV[1])
       INTO v_residence, v_hukou USING NEW.case_id;
     IF NOT EXISTS (SELECT 1 FROM intake.case_timeline t
                     WHERE t.case_id = NEW.case_id AND t.to_status = NEW.to_status
                       AND t.id <> NEW.id) THEN
       INSERT INTO intake.stats_entered_daily AS s
         VALUES ((NEW.at AT TIME ZONE 'Asia/Shanghai')::date, v_kind, v_residence, v_hukou,
                 NEW.to_status, v_shard % 4, 1)
         ON CONFLICT (day, kind, residence_province, hukou_province, status, shard)
         DO UPDATE SET cases = s.cases + 1;
       PERFORM intake.stats_daily_add((NEW.at AT TIME ZONE 'Asia/Shanghai')::date, v_kind,
                                      v_residence, v_hukou, NEW.to_status, v_shard % 4);
       INSERT INTO intake.stats_reached AS s
         VALUES (v_kind, v_residence, v_hukou, NEW.to_status, v_shard, 1)
         ON CONFLICT (kind, residence_province, hukou_province, status, shard)
         DO UPDATE SET cases = s.cases + 1;
     END IF;
     SELECT * INTO stay FROM intake.stats_open_stays WHERE case_id = NEW.case_id FOR UPDATE;
     IF NOT FOUND THEN
       IF NEW.to_status NOT IN ${CLOSED} THEN
         INSERT INTO intake.stats_open_stays
           VALUES (NEW.case_id, v_kind, v_residence, v_hukou, NEW.to_status, NEW.at);
       END IF;
     ELSIF stay.status <> NEW.to_status THEN
       v_bucket := intake.stats_stay_bucket(extract(epoch FROM NEW.at - stay.entered_at)::float8);
       INSERT INTO intake.stats_stay_histogram AS s
         VALUES (v_kind, '', stay.status, v_bucket, v_shard, 1),
                (v_kind, 'R' || v_residence, stay.status, v_bucket, 0, 1),
                (v_kind, 'H' || v_hukou, stay.status, v_bucket, 0, 1)
         ON CONFLICT (kind, scope, status, bucket, shard)
         DO UPDATE SET stays = s.stays + 1;
       IF NEW.to_status IN ${CLOSED} THEN
         DELETE FROM intake.stats_open_stays WHERE case_id = NEW.case_id;
       ELSE
         UPDATE intake.stats_open_stays SET status = NEW.to_status, entered_at = NEW.at
          WHERE case_id = NEW.case_id;
       END IF;
     END IF;
     RETURN NULL;
   END $$`,
  `CREATE OR REPLACE FUNCTION intake.stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
   BEGIN
     SET LOCAL work_mem = '256MB';
     TRUNCATE intake.stats_case_counts, intake.stats_intake_daily, intake.stats_entered_daily,
              intake.stats_daily, intake.stats_reached, intake.stats_stay_histogram, intake.stats_open_stays;
     INSERT INTO intake.stats_case_counts
       SELECT 'idcard', residence_province, hukou_province, status, intake.stats_shard(id, 8),
              count(*)
         FROM intake.cases GROUP BY 1, 2, 3, 4, 5;
     INSERT INTO intake.stats_intake_daily
       SELECT intake_date, 'idcard', residence_province, hukou_province,
              intake.stats_shard(id, 4), count(*)
         FROM intake.cases GROUP BY 1, 2, 3, 4, 5;
     CREATE TEMP TABLE stats_first ON COMMIT DROP AS
       SELECT c.id, c.residence_province, c.hukou_province, f.to_status, f.day
         FROM (SELECT DISTINCT ON (case_id, to_status) case_id, to_status,
                      (at AT TIME ZONE 'Asia/Shanghai')::date AS day
                 FROM intake.case_timeline ORDER BY case_id, to_status, id) f
         JOIN intake.cases c ON c.id = f.case_id;
     INSERT INTO intake.stats_entered_daily
       SELECT day, 'idcard', residence_province, hukou_province, to_status,
              intake.stats_shard(id, 8) % 4, count(*)
         FROM stats_first GROUP BY 1, 2, 3, 4, 5, 6;
     INSERT INTO intake.stats_reached
       SELECT 'idcard', residence_province, hukou_province, to_status, intake.stats_shard(id, 8),
              count(*)
         FROM stats_first GROUP BY 1, 2, 3, 4, 5;
     INSERT INTO intake.stats_daily
       SELECT day, 'idcard', x.scope, x.measure,
              CASE WHEN x.scope = '' THEN x.shard ELSE 0 END, count(*)
         FROM (SELECT intake_date AS day, residence_province, hukou_province, 'intake' AS measure,
                      intake.stats_shard(id, 4) AS shard
                 FROM intake.cases
               UNION ALL
               SELECT day, residence_province, hukou_province, to_status,
                      intake.stats_shard(id, 8) % 4
                 FROM stats_first) f
        CROSS JOIN LATERAL (VALUES ('', f.measure, f.shard),
                                   ('R' || f.residence_province, f.measure, f.shard),
                                   ('H' || f.hukou_province, f.measure, f.shard))
              AS x (scope, measure, shard)
        GROUP BY 1, 2, 3, 4, 5;
     DROP TABLE stats_first;
     CREATE TEMP TABLE stats_stays ON COMMIT DROP AS
       WITH moves AS (
         SELECT case_id, id, at, to_status,
                lag(to_status) OVER (PARTITION BY case_id ORDER BY id) AS previous
           FROM intake.case_timeline
       )
       SELECT case_id, to_status AS status, at AS entered_at,
              lead(at) OVER (PARTITION BY case_id ORDER BY id) AS left_at
         FROM moves WHERE previous IS DISTINCT FROM to_status;
     INSERT INTO intake.stats_stay_histogram
       SELECT 'idcard', x.scope, s.status,
              intake.stats_stay_bucket(extract(epoch FROM s.left_at - s.entered_at)::float8),
              CASE WHEN x.scope = '' THEN intake.stats_shard(c.id, 8) ELSE 0 END, count(*)
         FROM stats_stays s JOIN intake.cases c ON c.id = s.case_id
        CROSS JOIN LATERAL (VALUES (''), ('R' || c.residence_province), ('H' || c.hukou_province))
              AS x (scope)
        WHERE s.left_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5;
     INSERT INTO intake.stats_open_stays
       SELECT s.case_id, 'idcard', c.residence_province, c.hukou_province, s.status, s.entered_at
         FROM stats_stays s JOIN intake.cases c ON c.id = s.case_id
        WHERE s.left_at IS NULL AND s.status NOT IN ${CLOSED};
     DROP TABLE stats_stays;
   END $$`,
  `CREATE OR REPLACE VIEW intake_stats.case_counts AS
     SELECT kind, residence_province, hukou_province, status, sum(cases)::integer AS cases
       FROM intake.stats_case_counts GROUP BY 1, 2, 3, 4`,
  `CREATE OR REPLACE VIEW intake_stats.reached AS
     SELECT kind, residence_province, hukou_province, status, sum(cases)::integer AS cases
       FROM intake.stats_reached GROUP BY 1, 2, 3, 4`,
  `DROP TABLE intake.stats_counts`,
];
