import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A card made for a case that was withdrawn meanwhile (the withdrawal overtook nothing: the order
 * was already queued) is VOIDED: it must be destroyed, never dispatched.
 */
export class VoidedCards1795403000000 implements MigrationInterface {
  name = 'VoidedCards1795403000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE production.cards DROP CONSTRAINT IF EXISTS cards_status_check`);
    await q.query(
      `ALTER TABLE production.cards ADD CONSTRAINT cards_status_check CHECK (status IN ('IN_PRODUCTION', 'PRODUCED', 'FAILED', 'VOIDED'))`,
    );
    await q.query(
      `ALTER TABLE production.cards ADD COLUMN voided_at timestamptz, ADD COLUMN void_reason text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE production.cards DROP COLUMN voided_at, DROP COLUMN void_reason`);
    await q.query(`ALTER TABLE production.cards DROP CONSTRAINT IF EXISTS cards_status_check`);
    await q.query(
      `ALTER TABLE production.cards ADD CONSTRAINT cards_status_check CHECK (status IN ('IN_PRODUCTION', 'PRODUCED', 'FAILED'))`,
    );
  }
}
