import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  GENESIS_HASH,
  timelineContent,
  timelineEntryHash,
  TimelineRowLike,
} from '../case/timeline-chain';

interface RawRow {
  id: string;
  case_id: string;
  from_status: string | null;
  to_status: string;
  event: string;
  side: string;
  actor: string | null;
  sender_province: string | null;
  sender_service: string | null;
  message_id: string | null;
  reason: string | null;
  at: Date;
}

/**
 * The case timeline becomes append-only and tamper-evident: `prev_hash` and `hash` columns (filled
 * for existing rows, in id order per case, with the same function the application uses), a unique
 * (case_id, prev_hash) so a chain cannot fork, and triggers refusing UPDATE, DELETE and TRUNCATE.
 * Existing times are truncated to milliseconds first (the precision the application writes and
 * hashes).
 */
export class TimelineHashChain1795401000000 implements MigrationInterface {
  name = 'TimelineHashChain1795401000000';

  /** Rows hashed per round trip while filling existing rows (tests use a small one). */
  constructor(private readonly batchSize = 5000) {}

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE intake.case_timeline
        ADD COLUMN prev_hash text CONSTRAINT case_timeline_prev_hash_format
          CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
        ADD COLUMN hash text CONSTRAINT case_timeline_hash_format
          CHECK (hash ~ '^[0-9a-f]{64}$')`);
    await q.query(
      `UPDATE intake.case_timeline SET at = date_trunc('milliseconds', at)
       WHERE at <> date_trunc('milliseconds', at)`,
    );
    await this.fillHashes(q);
    await q.query(
      `CREATE UNIQUE INDEX case_timeline_chain_key ON intake.case_timeline (case_id, prev_hash)`,
    );
    await q.query(`
      CREATE FUNCTION intake.case_timeline_append_only() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'case_timeline is append-only'
          USING DETAIL = format('%s on intake.case_timeline refused', TG_OP),
                HINT = 'the timeline of a case is its audit trail: add an entry instead';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER case_timeline_no_update_delete
        BEFORE UPDATE OR DELETE ON intake.case_timeline
        FOR EACH STATEMENT EXECUTE FUNCTION intake.case_timeline_append_only()`);
    await q.query(`
      CREATE TRIGGER case_timeline_no_truncate
        BEFORE TRUNCATE ON intake.case_timeline
        FOR EACH STATEMENT EXECUTE FUNCTION intake.case_timeline_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS case_timeline_no_truncate ON intake.case_timeline`);
    await q.query(`DROP TRIGGER IF EXISTS case_timeline_no_update_delete ON intake.case_timeline`);
    await q.query(`DROP FUNCTION IF EXISTS intake.case_timeline_append_only()`);
    await q.query(`DROP INDEX IF EXISTS intake.case_timeline_chain_key`);
    await q.query(`ALTER TABLE intake.case_timeline DROP COLUMN hash, DROP COLUMN prev_hash`);
  }

  /** Chains the existing rows of every case, in (case_id, id) order, a batch at a time. */
  private async fillHashes(q: QueryRunner): Promise<void> {
    let after: { caseId: string; id: string } | null = null;
    let previous: { caseId: string; hash: string } | null = null;
    for (;;) {
      const rows: RawRow[] = await q.query(
        `SELECT id::text AS id, case_id::text AS case_id, from_status, to_status, event, side,
                actor, sender_province, sender_service, message_id::text AS message_id, reason, at
         FROM intake.case_timeline
         ${after ? 'WHERE (case_id, id) > ($1::uuid, $2::bigint)' : ''}
         ORDER BY case_id, id LIMIT ${this.batchSize}`,
        after ? [after.caseId, after.id] : [],
      );
      if (!rows.length) return;
      const ids: string[] = [];
      const prevHashes: string[] = [];
      const hashes: string[] = [];
      for (const r of rows) {
        const prevHash: string =
          previous && previous.caseId === r.case_id ? previous.hash : GENESIS_HASH;
        const hash = timelineEntryHash(timelineContent(toRowLike(r)), prevHash);
        ids.push(r.id);
        prevHashes.push(prevHash);
        hashes.push(hash);
        previous = { caseId: r.case_id, hash };
      }
      await q.query(
        `UPDATE intake.case_timeline t SET prev_hash = v.prev_hash, hash = v.hash
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v (id, prev_hash, hash)
         WHERE t.id = v.id`,
        [ids, prevHashes, hashes],
      );
      const last = rows[rows.length - 1];
      after = { caseId: last.case_id, id: last.id };
    }
  }
}

function toRowLike(r: RawRow): TimelineRowLike {
  return {
    caseId: r.case_id,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    event: r.event,
    side: r.side,
    actor: r.actor,
    senderProvince: r.sender_province,
    senderService: r.sender_service,
    messageId: r.message_id,
    reason: r.reason,
    at: r.at,
  };
}
