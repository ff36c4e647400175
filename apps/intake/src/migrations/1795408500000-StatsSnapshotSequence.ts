import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sequence numbering a province's statistics snapshots (`stats.published`): one per province
 * database, shared by all its intake nodes, so the national node can keep the newest snapshot
 * whichever node published it.
 */
export class StatsSnapshotSequence1795408500000 implements MigrationInterface {
  name = 'StatsSnapshotSequence1795408500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE intake.stats_snapshot_seq`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE IF EXISTS intake.stats_snapshot_seq`);
  }
}
