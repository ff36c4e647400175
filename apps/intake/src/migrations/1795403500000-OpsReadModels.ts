import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models for operations, so that no ops figure costs O(history):
 *
 * - rollup tables in `intake` (counts by kind, province pair and status; first entries into each
 *   status and intakes per China day; a histogram of completed stays per status; the current stay
 *   of every open case), maintained by triggers on `intake.cases` and `intake.case_timeline` in the
 *   same transaction as the transition, whatever code path moves a case;
 * - partial indexes on what is due (review, promise, statutory and pickup deadlines, open cases,
 *   flags), for the ops breach and stuck-case queries and the reconciler's sweeps;
 * - the schema `intake_stats`: the views and functions intake publishes for ops. Ops reads these,
 *   never intake's private tables; `intake_stats.daily_counts_since(date)` is the "counts by
 *   status, province pair and day since X" a statistics snapshot for a national node is read from.
 *
 * Rollup rows carry a `shard` (a hash of the case id, 0–7) so that concurrent transitions of
 * different cases on the same pair and day rarely wait on one counter row; readers sum the shards.
 * `intake.stats_rebuild()` recomputes every rollup from the cases and timelines (used here for
 * existing data and by the bulk history seeder, which loads with triggers off).
 */
export class OpsReadModels1795403500000 implements MigrationInterface {
  name = 'OpsReadModels1795403500000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of UP) await q.query(sql);
    await q.query('SELECT intake.stats_rebuild()');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of DOWN) await q.query(sql);
  }
}

const CLOSED = `('REFUSED', 'DELIVERED', 'CANCELLED')`;

const UP = [
  `CREATE TABLE intake.stats_case_counts (
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     status text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (kind, residence_province, hukou_province, status, shard)
   )`,
  `CREATE TABLE intake.stats_intake_daily (
     day date NOT NULL,
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (day, kind, residence_province, hukou_province, shard)
   )`,
  `CREATE TABLE intake.stats_entered_daily (
     day date NOT NULL,
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     status text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (day, kind, residence_province, hukou_province, status, shard)
   )`,
  // The dashboard's days: per China day, nationally (scope '', sharded) and per residence ('R31')
  // and hukou ('H34') province; measure 'intake' (by intake date) or the status first entered.
  `CREATE TABLE intake.stats_daily (
     day date NOT NULL,
     kind text NOT NULL,
     scope text NOT NULL,
     measure text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (scope, measure, day, kind, shard)
   )`,
  `CREATE FUNCTION intake.stats_daily_add(p_day date, p_kind text, p_residence text,
       p_hukou text, p_measure text, p_shard integer) RETURNS void LANGUAGE sql AS $$
     INSERT INTO intake.stats_daily AS s
       VALUES (p_day, p_kind, '', p_measure, p_shard, 1),
              (p_day, p_kind, 'R' || p_residence, p_measure, 0, 1),
              (p_day, p_kind, 'H' || p_hukou, p_measure, 0, 1)
       ON CONFLICT (scope, measure, day, kind, shard) DO UPDATE SET cases = s.cases + 1
   $$`,
  `CREATE TABLE intake.stats_reached (
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     status text NOT NULL,
     shard smallint NOT NULL,
     cases integer NOT NULL,
     PRIMARY KEY (kind, residence_province, hukou_province, status, shard)
   )`,
  // Completed stays by length bucket, three times: nationally (scope ''), by residence province
  // ('R31') and by hukou province ('H34'); a case's two provinces always differ, so a province's
  // figure is the sum of its R and H rows. Only the national rows are sharded.
  `CREATE TABLE intake.stats_stay_histogram (
     kind text NOT NULL,
     scope text NOT NULL,
     status text NOT NULL,
     bucket integer NOT NULL,
     shard smallint NOT NULL,
     stays integer NOT NULL,
     PRIMARY KEY (kind, scope, status, bucket, shard)
   )`,
  `CREATE TABLE intake.stats_open_stays (
     case_id uuid PRIMARY KEY,
     kind text NOT NULL,
     residence_province text NOT NULL,
     hukou_province text NOT NULL,
     status text NOT NULL,
     entered_at timestamptz NOT NULL
   )`,
  `CREATE INDEX stats_open_stays_status_idx ON intake.stats_open_stays (status, entered_at)`,

  // Buckets of a stay's length: 0 for under a millisecond, else 1 + floor(log_1.01(ms)); a bucket
  // spans 1 % and is read back at its geometric middle (within 0.5 % of any value in it).
  `CREATE FUNCTION intake.stats_stay_bucket(seconds double precision) RETURNS integer
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT CASE WHEN seconds * 1000 < 1 THEN 0
                  ELSE 1 + floor(ln(seconds * 1000) / ln(1.01))::integer END $$`,
  `CREATE FUNCTION intake.stats_bucket_seconds(bucket integer) RETURNS double precision
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT CASE WHEN bucket = 0 THEN 0 ELSE exp((bucket - 0.5) * ln(1.01)) / 1000 END $$`,
  `CREATE FUNCTION intake.stats_shard(id uuid, shards integer) RETURNS smallint
     LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
   $$ SELECT ((hashtext(id::text) & 2147483647) % shards)::smallint $$`,

  // Current status counts and intakes per day follow the case row.
  `CREATE FUNCTION intake.stats_on_case() RETURNS trigger LANGUAGE plpgsql AS $$
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
  `CREATE TRIGGER cases_stats_insert AFTER INSERT ON intake.cases
     FOR EACH ROW EXECUTE FUNCTION intake.stats_on_case('idcard')`,
  `CREATE TRIGGER cases_stats_update AFTER UPDATE OF status ON intake.cases
     FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
     EXECUTE FUNCTION intake.stats_on_case('idcard')`,
  `CREATE TRIGGER cases_stats_delete AFTER DELETE ON intake.cases
     FOR EACH ROW EXECUTE FUNCTION intake.stats_on_case('idcard')`,

  // Each timeline entry: the first entry of a case into a status counts on its China day; a status
  // change ends the current stay (histogram) and starts the next one. Self-loops (timers, remakes)
  // do neither. TG_ARGV: kind, and the table holding the cases of that kind.
  `CREATE FUNCTION intake.stats_on_timeline() RETURNS trigger LANGUAGE plpgsql AS $$
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
  `CREATE TRIGGER case_timeline_stats AFTER INSERT ON intake.case_timeline
     FOR EACH ROW EXECUTE FUNCTION intake.stats_on_timeline('idcard', 'intake.cases')`,

  // Recomputes every rollup from the records (existing data; bulk loads made with triggers off).
  `CREATE FUNCTION intake.stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
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

  // What is due: the ops breach and stuck-case queries and the reconciler's sweeps.
  `CREATE INDEX cases_open_idx ON intake.cases (status) WHERE status NOT IN ${CLOSED}`,
  `CREATE INDEX cases_review_due_idx ON intake.cases (review_due_at)
     WHERE status IN ('UNDER_REVIEW', 'SUPPLEMENT_REQUIRED')`,
  `CREATE INDEX cases_review_timer_idx ON intake.cases (review_due_at)
     WHERE status = 'UNDER_REVIEW' AND NOT review_overdue`,
  `CREATE INDEX cases_promise_due_idx ON intake.cases (promise_due_at)
     WHERE status NOT IN ${CLOSED}`,
  `CREATE INDEX cases_statutory_due_idx ON intake.cases (statutory_due_at)
     WHERE status NOT IN ${CLOSED}`,
  `CREATE INDEX cases_statutory_timer_idx ON intake.cases (statutory_due_at)
     WHERE status NOT IN ${CLOSED} AND NOT statutory_overdue`,
  `CREATE INDEX cases_pickup_timer_idx ON intake.cases (pickup_reminder_due_at)
     WHERE status = 'READY_FOR_PICKUP' AND pickup_reminded_at IS NULL`,
  `CREATE INDEX cases_delivery_sync_idx ON intake.cases ((coalesce(last_sent_at, updated_at)))
     WHERE status IN ('DISPATCHED', 'READY_FOR_PICKUP')`,
  `CREATE INDEX cases_review_flagged_idx ON intake.cases (id) WHERE review_overdue`,
  `CREATE INDEX cases_statutory_flagged_idx ON intake.cases (id) WHERE statutory_overdue`,
  // Clerk lists: keyset pages per acceptance point, newest first, with or without a status.
  `DROP INDEX IF EXISTS intake.cases_point_created_idx`,
  `DROP INDEX IF EXISTS intake.cases_point_status_idx`,
  `CREATE INDEX cases_point_page_idx ON intake.cases (acceptance_point, created_at DESC, id DESC)`,
  `CREATE INDEX cases_point_status_page_idx
     ON intake.cases (acceptance_point, status, created_at DESC, id DESC)`,

  // What intake publishes for ops.
  `CREATE SCHEMA intake_stats`,
  `CREATE VIEW intake_stats.case_counts AS
     SELECT kind, residence_province, hukou_province, status, sum(cases)::integer AS cases
       FROM intake.stats_case_counts GROUP BY 1, 2, 3, 4`,
  `CREATE VIEW intake_stats.intake_daily AS
     SELECT day, kind, residence_province, hukou_province, sum(cases)::integer AS cases
       FROM intake.stats_intake_daily GROUP BY 1, 2, 3, 4`,
  `CREATE VIEW intake_stats.entered_daily AS
     SELECT day, kind, residence_province, hukou_province, status, sum(cases)::integer AS cases
       FROM intake.stats_entered_daily GROUP BY 1, 2, 3, 4, 5`,
  // Per day for the dashboard: scope '' (national), 'R<code>' (residence), 'H<code>' (hukou).
  `CREATE VIEW intake_stats.daily AS
     SELECT day, kind, scope, measure, sum(cases)::integer AS cases
       FROM intake.stats_daily GROUP BY 1, 2, 3, 4`,
  `CREATE VIEW intake_stats.reached AS
     SELECT kind, residence_province, hukou_province, status, sum(cases)::integer AS cases
       FROM intake.stats_reached GROUP BY 1, 2, 3, 4`,
  // scope '' = national, 'R<code>' residence province, 'H<code>' hukou province.
  `CREATE VIEW intake_stats.stay_histogram AS
     SELECT kind, scope, status, bucket, intake.stats_bucket_seconds(bucket) AS seconds,
            sum(stays)::integer AS stays
       FROM intake.stats_stay_histogram GROUP BY 1, 2, 3, 4`,
  `CREATE VIEW intake_stats.open_stays AS
     SELECT case_id, kind, residence_province, hukou_province, status, entered_at
       FROM intake.stats_open_stays`,
  // Exact stays from the timeline: for small deployments only (ops uses the histogram beyond).
  `CREATE VIEW intake_stats.completed_stays AS
     WITH moves AS (
       SELECT t.case_id, t.id, t.at, t.to_status,
              lag(t.to_status) OVER (PARTITION BY t.case_id ORDER BY t.at, t.id) AS previous
         FROM intake.case_timeline t
     ), stays AS (
       SELECT case_id, to_status AS status, at AS entered_at,
              lead(at) OVER (PARTITION BY case_id ORDER BY at, id) AS left_at
         FROM moves WHERE previous IS DISTINCT FROM to_status
     )
     SELECT 'idcard'::text AS kind, c.residence_province, c.hukou_province, s.status,
            extract(epoch FROM s.left_at - s.entered_at)::float8 AS seconds
       FROM stays s JOIN intake.cases c ON c.id = s.case_id
      WHERE s.left_at IS NOT NULL`,
  // One row per case without personal data (the ID number masked): deadlines, flags, commands.
  `CREATE VIEW intake_stats.cases AS
     SELECT c.id, 'idcard'::text AS kind, c.status, c.residence_province, c.hukou_province,
            c.acceptance_point, c.intake_date,
            CASE WHEN length(c.applicant->>'idNumber') = 18
                 THEN left(c.applicant->>'idNumber', 6) || '********' ||
                      upper(right(c.applicant->>'idNumber', 4))
                 ELSE repeat('*', least(length(coalesce(c.applicant->>'idNumber', '')), 18)) END
              AS id_number_masked,
            c.review_due_at, c.promise_due_at, c.statutory_due_at, c.review_overdue,
            c.statutory_overdue, c.pending_command, c.last_sent_at, c.resend_count, c.updated_at,
            (SELECT max(t.at) FROM intake.case_timeline t
              WHERE t.case_id = c.id AND t.from_status IS DISTINCT FROM t.to_status) AS last_moved_at
       FROM intake.cases c`,
  // Counts by day, kind, province pair and status since a day: what a statistics snapshot carries.
  // measure 'intake': cases taken in that day (status null); 'entered': cases that first entered
  // the status that day (China days).
  `CREATE FUNCTION intake_stats.daily_counts_since(since date)
     RETURNS TABLE (day date, kind text, residence_province text, hukou_province text,
                    measure text, status text, cases integer)
     LANGUAGE sql STABLE AS $$
       SELECT day, kind, residence_province, hukou_province, 'intake', NULL::text, cases
         FROM intake_stats.intake_daily WHERE day >= since
       UNION ALL
       SELECT day, kind, residence_province, hukou_province, 'entered', status, cases
         FROM intake_stats.entered_daily WHERE day >= since
       ORDER BY 1, 2, 3, 4, 5, 6
   $$`,
];

const DOWN = [
  `DROP SCHEMA IF EXISTS intake_stats CASCADE`,
  `DROP INDEX IF EXISTS intake.cases_point_status_page_idx`,
  `DROP INDEX IF EXISTS intake.cases_point_page_idx`,
  `CREATE INDEX cases_point_created_idx ON intake.cases (acceptance_point, created_at DESC)`,
  `CREATE INDEX cases_point_status_idx ON intake.cases (acceptance_point, status)`,
  ...[
    'cases_open_idx',
    'cases_review_due_idx',
    'cases_review_timer_idx',
    'cases_promise_due_idx',
    'cases_statutory_due_idx',
    'cases_statutory_timer_idx',
    'cases_pickup_timer_idx',
    'cases_delivery_sync_idx',
    'cases_review_flagged_idx',
    'cases_statutory_flagged_idx',
  ].map((i) => `DROP INDEX IF EXISTS intake.${i}`),
  `DROP TRIGGER IF EXISTS case_timeline_stats ON intake.case_timeline`,
  `DROP TRIGGER IF EXISTS cases_stats_insert ON intake.cases`,
  `DROP TRIGGER IF EXISTS cases_stats_update ON intake.cases`,
  `DROP TRIGGER IF EXISTS cases_stats_delete ON intake.cases`,
  `DROP FUNCTION IF EXISTS intake.stats_rebuild()`,
  `DROP FUNCTION IF EXISTS intake.stats_daily_add(date, text, text, text, text, integer)`,
  `DROP FUNCTION IF EXISTS intake.stats_on_timeline()`,
  `DROP FUNCTION IF EXISTS intake.stats_on_case()`,
  `DROP FUNCTION IF EXISTS intake.stats_shard(uuid, integer)`,
  `DROP FUNCTION IF EXISTS intake.stats_bucket_seconds(integer)`,
  `DROP FUNCTION IF EXISTS intake.stats_stay_bucket(double precision)`,
  `DROP TABLE IF EXISTS intake.stats_open_stays, intake.stats_stay_histogram,
     intake.stats_entered_daily, intake.stats_intake_daily, intake.stats_case_counts,
     intake.stats_reached, intake.stats_daily`,
];
