import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What intake needs to publish statistics snapshots (`stats.published`) to the national node:
 * - the sequence numbering a province's snapshots: one per province database, shared by all its
 *   intake nodes, so the national node can keep the newest whichever node published it;
 * - a partial index on sent snapshots in the outbox, which the publisher deletes after an hour (a
 *   newer snapshot supersedes them) without scanning the outbox's history.
 */
export class StatsSnapshots1795408500000 implements MigrationInterface {
  name = 'StatsSnapshots1795408500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE intake.stats_snapshot_seq`);
    await q.query(
      `CREATE INDEX outbox_stats_sent_idx ON intake.outbox (sent_at) WHERE type = 'stats.published'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS intake.outbox_stats_sent_idx`);
    await q.query(`DROP SEQUENCE IF EXISTS intake.stats_snapshot_seq`);
  }
}
