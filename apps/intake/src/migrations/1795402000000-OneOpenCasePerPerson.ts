import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person has at most one open first application: a second one (a retry under a new
 * Idempotency-Key, or the same person at another point) would otherwise be reviewed and approved
 * again and end with two cards. Closed cases (refused, withdrawn, delivered) do not count.
 */
export class OneOpenCasePerPerson1795402000000 implements MigrationInterface {
  name = 'OneOpenCasePerPerson1795402000000';

  async up(q: QueryRunner): Promise<void> {
    // Existing duplicates are not closed silently: the migration stops and names them.
    const duplicates: { receipts: string[] }[] = await q.query(
      `SELECT array_agg(receipt_number ORDER BY created_at) AS receipts FROM intake.cases
       WHERE status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED')
       GROUP BY applicant->>'idNumber' HAVING count(*) > 1`,
    );
    if (duplicates.length) {
      throw new Error(
        `cannot enforce one open application per person: ${duplicates.length} person(s) have several open cases ` +
          `(receipts ${duplicates.map((d) => d.receipts.join(' + ')).join('; ')}); withdraw the extra cases, then start again`,
      );
    }
    await q.query(
      `CREATE UNIQUE INDEX cases_one_open_per_person ON intake.cases ((applicant->>'idNumber'))
       WHERE status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS intake.cases_one_open_per_person`);
  }
}
