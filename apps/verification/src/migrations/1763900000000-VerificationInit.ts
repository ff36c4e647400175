import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

/** The verification schema: messaging tables, the population registry and the review record. */
export class VerificationInit1763900000000 implements MigrationInterface {
  name = 'VerificationInit1763900000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('verification')) await runner.query(sql);
    await runner.query(`
      CREATE TABLE verification.registry_persons (
        id_number text PRIMARY KEY CHECK (id_number ~ '^[0-9]{17}[0-9X]$'),
        name text NOT NULL,
        sex char(1) NOT NULL CHECK (sex IN ('M', 'F')),
        ethnicity text NOT NULL,
        birth_date date NOT NULL,
        hukou_address_code char(6) NOT NULL CHECK (hukou_address_code ~ '^[0-9]{6}$'),
        hukou_address text NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'CANCELLED', 'DECEASED')),
        card_issued boolean NOT NULL,
        flags text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX registry_persons_hukou_code_idx ON verification.registry_persons (hukou_address_code)`,
    );
    await runner.query(`
      CREATE TABLE verification.reviews (
        id bigserial PRIMARY KEY,
        case_id text NOT NULL,
        round integer NOT NULL CHECK (round >= 1),
        hukou_province char(2) NOT NULL,
        residence_province char(2) NOT NULL,
        request_message_id uuid NOT NULL,
        request_hash text NOT NULL,
        payload_hash text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('APPROVED', 'REFUSED', 'SUPPLEMENT_REQUIRED')),
        refusal_code text,
        supplement_codes text[] NOT NULL DEFAULT '{}',
        decision jsonb NOT NULL,
        decided_at timestamptz NOT NULL,
        resend_count integer NOT NULL DEFAULT 0,
        last_request_message_id uuid,
        last_resent_at timestamptz,
        CONSTRAINT reviews_case_round_key UNIQUE (case_id, round)
      )`);
    await runner.query(
      `CREATE INDEX reviews_decided_at_idx ON verification.reviews (decided_at DESC)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE IF EXISTS verification.reviews`);
    await runner.query(`DROP TABLE IF EXISTS verification.registry_persons`);
    for (const sql of messagingTablesDown('verification')) await runner.query(sql);
  }
}
