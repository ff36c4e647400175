import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Newborn registrations are cases of kind `newborn` in the same table: what only an ID card has
 * (portrait, fingerprints) becomes optional, what only a newborn registration has sits in `newborn`
 * (the child, the parents, the certificate, and once registered the child's citizen ID number and
 * household-register page). "One open first application per person" concerns ID cards only: a
 * parent may register twins at once.
 */
export class NewbornCases1795406000000 implements MigrationInterface {
  name = 'NewbornCases1795406000000';

  async up(q: QueryRunner): Promise<void> {
    // The status is one of the case kind's machine: the newborn machine adds REGISTERED.
    await q.query(`ALTER TABLE intake.cases DROP CONSTRAINT IF EXISTS cases_status_check`);
    await q.query(
      `ALTER TABLE intake.cases ADD CONSTRAINT cases_status_check CHECK (
         (kind = 'idcard' AND status IN ('ACCEPTED', 'UNDER_REVIEW', 'SUPPLEMENT_REQUIRED', 'REFUSED',
           'APPROVED', 'IN_PRODUCTION', 'PRODUCED', 'DISPATCHED', 'READY_FOR_PICKUP', 'DELIVERED',
           'CANCELLED'))
         OR (kind = 'newborn' AND status IN ('ACCEPTED', 'UNDER_REVIEW', 'SUPPLEMENT_REQUIRED',
           'REFUSED', 'REGISTERED', 'DISPATCHED', 'READY_FOR_PICKUP', 'DELIVERED', 'CANCELLED')))`,
    );
    await q.query(`ALTER TABLE intake.cases ALTER COLUMN photo_id DROP NOT NULL`);
    await q.query(`ALTER TABLE intake.cases ALTER COLUMN fingerprints DROP NOT NULL`);
    await q.query(`ALTER TABLE intake.cases ADD COLUMN newborn jsonb`);
    await q.query(
      `ALTER TABLE intake.cases ADD CONSTRAINT cases_kind_parts CHECK (
         (kind = 'newborn' AND newborn IS NOT NULL)
         OR (kind <> 'newborn' AND newborn IS NULL AND photo_id IS NOT NULL AND fingerprints IS NOT NULL))`,
    );
    await q.query(`DROP INDEX IF EXISTS intake.cases_one_open_per_person`);
    await q.query(
      `CREATE UNIQUE INDEX cases_one_open_per_person ON intake.cases ((applicant->>'idNumber'))
       WHERE kind = 'idcard' AND status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED')`,
    );
    await q.query(
      `CREATE INDEX cases_point_kind_created_idx ON intake.cases (acceptance_point, kind, created_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS intake.cases_point_kind_created_idx`);
    await q.query(`DELETE FROM intake.cases WHERE kind = 'newborn'`);
    await q.query(`ALTER TABLE intake.cases DROP CONSTRAINT IF EXISTS cases_status_check`);
    await q.query(
      `ALTER TABLE intake.cases ADD CONSTRAINT cases_status_check CHECK (status IN ('ACCEPTED',
         'UNDER_REVIEW', 'SUPPLEMENT_REQUIRED', 'REFUSED', 'APPROVED', 'IN_PRODUCTION', 'PRODUCED',
         'DISPATCHED', 'READY_FOR_PICKUP', 'DELIVERED', 'CANCELLED'))`,
    );
    await q.query(`DROP INDEX IF EXISTS intake.cases_one_open_per_person`);
    await q.query(
      `CREATE UNIQUE INDEX cases_one_open_per_person ON intake.cases ((applicant->>'idNumber'))
       WHERE status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED')`,
    );
    await q.query(`ALTER TABLE intake.cases DROP CONSTRAINT IF EXISTS cases_kind_parts`);
    await q.query(`ALTER TABLE intake.cases DROP COLUMN IF EXISTS newborn`);
    await q.query(`ALTER TABLE intake.cases ALTER COLUMN fingerprints SET NOT NULL`);
    await q.query(`ALTER TABLE intake.cases ALTER COLUMN photo_id SET NOT NULL`);
  }
}
