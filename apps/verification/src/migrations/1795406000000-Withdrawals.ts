import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cases withdrawn at the residence side (`review.withdrawn`, `registration.withdrawn`): one row per
 * case, bound to the residence and hukou provinces of the notice. The claim on the person is
 * released when the row is written; a later request for the case from the same residence province
 * is not reviewed (a newborn not registered).
 */
export class Withdrawals1795406000000 implements MigrationInterface {
  name = 'Withdrawals1795406000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE verification.withdrawals (
        case_id text PRIMARY KEY,
        residence_province char(2) NOT NULL,
        hukou_province char(2) NOT NULL,
        round integer NOT NULL CHECK (round >= 1),
        message_id uuid NOT NULL,
        withdrawn_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE verification.withdrawals`);
  }
}
