import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

/** The production schema: messaging tables, cards (one per case), attempts, cancellations. */
export class ProductionInit1795400000000 implements MigrationInterface {
  name = 'ProductionInit1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('production')) await queryRunner.query(sql);
    await queryRunner.query(`CREATE SEQUENCE production.card_serial_seq AS bigint START 1`);
    await queryRunner.query(`
      CREATE TABLE production.cards (
        id uuid PRIMARY KEY,
        case_id text NOT NULL,
        province text NOT NULL CHECK (province ~ '^\\d{2}$'),
        serial text NOT NULL,
        status text NOT NULL CHECK (status IN ('IN_PRODUCTION', 'PRODUCED', 'FAILED')),
        receipt_number text NOT NULL,
        acceptance_point text NOT NULL,
        id_number text NOT NULL,
        name text NOT NULL,
        sex text NOT NULL,
        ethnicity text NOT NULL,
        birth_date date NOT NULL,
        address text NOT NULL,
        issuing_authority text NOT NULL,
        issuing_authority_code text NOT NULL,
        issue_date date NOT NULL,
        valid_from date NOT NULL,
        valid_until date,
        validity_years integer,
        photo_id uuid NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        order_message_id uuid NOT NULL,
        correlation_id text NOT NULL,
        started_at timestamptz NOT NULL,
        produced_at timestamptz,
        failed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT cards_case_id_key UNIQUE (case_id),
        CONSTRAINT cards_serial_key UNIQUE (serial),
        CONSTRAINT cards_produced_has_time CHECK (status <> 'PRODUCED' OR produced_at IS NOT NULL)
      )`);
    await queryRunner.query(`
      CREATE TABLE production.card_attempts (
        id bigserial PRIMARY KEY,
        card_id uuid NOT NULL REFERENCES production.cards (id),
        case_id text NOT NULL,
        attempt integer NOT NULL CHECK (attempt >= 1),
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('PASSED', 'FAILED')),
        failure_reason text,
        CONSTRAINT card_attempts_card_attempt_key UNIQUE (card_id, attempt)
      )`);
    await queryRunner.query(
      `CREATE INDEX card_attempts_case_idx ON production.card_attempts (case_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE production.cancellations (
        case_id text PRIMARY KEY,
        province text NOT NULL,
        reason text NOT NULL,
        message_id uuid NOT NULL,
        cancelled_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS production.cancellations`);
    await queryRunner.query(`DROP TABLE IF EXISTS production.card_attempts`);
    await queryRunner.query(`DROP TABLE IF EXISTS production.cards`);
    await queryRunner.query(`DROP SEQUENCE IF EXISTS production.card_serial_seq`);
    for (const sql of messagingTablesDown('production')) await queryRunner.query(sql);
  }
}
