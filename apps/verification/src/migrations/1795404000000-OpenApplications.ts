import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One open first application per person, nationwide. Every application for a resident of this
 * province comes here for review, from whichever residence province took it, so the hukou side is
 * the one place that sees them all: the first case to reach review claims the person; a second case
 * from anywhere is refused while the claim stands. A refusal releases the claim.
 */
export class OpenApplications1795404000000 implements MigrationInterface {
  name = 'OpenApplications1795404000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE verification.open_applications (
        id_number text PRIMARY KEY,
        case_id text NOT NULL UNIQUE,
        residence_province char(2) NOT NULL,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Cases reviewed before this table existed claim their person at their next round.
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE verification.open_applications`);
  }
}
