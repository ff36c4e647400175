import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

/**
 * The national operations node's own tables, in schema `ops` of its own database: the messaging
 * tables (inbox and dead letters of its queue `{ops.national}`; it sends nothing) and the newest
 * statistics snapshot of each province.
 */
export class NationalSnapshots1795408600000 implements MigrationInterface {
  name = 'NationalSnapshots1795408600000';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('ops')) await q.query(sql);
    await q.query(`CREATE TABLE ops.province_snapshots (
       province text PRIMARY KEY,
       -- the publisher's snapshot sequence: a snapshot replaces the stored one only if higher
       sequence bigint NOT NULL,
       as_of timestamptz NOT NULL,
       window_start date NOT NULL,
       counts jsonb NOT NULL,
       daily jsonb NOT NULL,
       message_id uuid NOT NULL,
       received_at timestamptz NOT NULL DEFAULT now()
     )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS ops.province_snapshots`);
    for (const sql of messagingTablesDown('ops')) await q.query(sql);
    await q.query(`DROP SCHEMA IF EXISTS ops`);
  }
}
