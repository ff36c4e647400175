import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hash of the case's last timeline entry, kept on the case row. The case row is locked by every
 * transition, so the head is read with that lock and an append is one INSERT instead of a second
 * lock, a read of the previous entry and the insert. Cases written before this column (or by a bulk
 * loader that leaves it empty) are chained from their last entry once, then carry the head.
 * The unique index (case_id, prev_hash) still refuses a fork should a stale head ever be used.
 */
export class TimelineHead1795409100000 implements MigrationInterface {
  name = 'TimelineHead1795409100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake.cases ADD COLUMN timeline_head text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake.cases DROP COLUMN timeline_head`);
  }
}
