import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Newborn hukou registration on the hukou side: households on the registry, the registration
 * record per case and round, the birth medical certificates used (one child each), and the counters
 * that give out citizen ID sequence codes per address code, birth date and sex.
 */
export class NewbornRegistration1795405000000 implements MigrationInterface {
  name = 'NewbornRegistration1795405000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE verification.registry_persons ADD COLUMN household_number text`);
    await q.query(
      `CREATE INDEX registry_persons_household_idx ON verification.registry_persons (household_number)
       WHERE household_number IS NOT NULL`,
    );
    // 户号: the hukou county code and a number from this sequence.
    await q.query(`CREATE SEQUENCE verification.household_number_seq`);
    await q.query(`CREATE SEQUENCE verification.register_page_seq`);
    await q.query(`
      CREATE TABLE verification.registrations (
        id bigserial PRIMARY KEY,
        case_id text NOT NULL,
        round integer NOT NULL CHECK (round >= 1),
        hukou_province char(2) NOT NULL,
        residence_province char(2) NOT NULL,
        request_message_id uuid NOT NULL,
        request_hash text NOT NULL,
        payload_hash text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('REGISTERED', 'REFUSED', 'SUPPLEMENT_REQUIRED')),
        refusal_code text,
        supplement_codes text[] NOT NULL DEFAULT '{}',
        child_id_number text,
        decision jsonb NOT NULL,
        decided_at timestamptz NOT NULL,
        resend_count integer NOT NULL DEFAULT 0,
        last_request_message_id uuid,
        last_resent_at timestamptz,
        CONSTRAINT registrations_case_round_key UNIQUE (case_id, round)
      )`);
    // A certificate registers one child, once: the primary key decides between concurrent cases.
    await q.query(`
      CREATE TABLE verification.birth_certificates (
        number text PRIMARY KEY,
        case_id text NOT NULL,
        child_id_number text NOT NULL,
        registered_at timestamptz NOT NULL
      )`);
    // The last ordinal given out per address code, birth date and sex (odd boys, even girls).
    await q.query(`
      CREATE TABLE verification.citizen_id_sequences (
        address_code char(6) NOT NULL,
        birth_date date NOT NULL,
        sex char(1) NOT NULL CHECK (sex IN ('M', 'F')),
        last integer NOT NULL CHECK (last >= 1),
        PRIMARY KEY (address_code, birth_date, sex)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS verification.citizen_id_sequences`);
    await q.query(`DROP TABLE IF EXISTS verification.birth_certificates`);
    await q.query(`DROP TABLE IF EXISTS verification.registrations`);
    await q.query(`DROP SEQUENCE IF EXISTS verification.register_page_seq`);
    await q.query(`DROP SEQUENCE IF EXISTS verification.household_number_seq`);
    await q.query(`DROP INDEX IF EXISTS verification.registry_persons_household_idx`);
    await q.query(
      `ALTER TABLE verification.registry_persons DROP COLUMN IF EXISTS household_number`,
    );
  }
}
