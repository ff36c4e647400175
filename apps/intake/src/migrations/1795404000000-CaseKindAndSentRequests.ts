import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The kind of each case (the workflow machine it runs; existing cases are first ID cards), and the
 * requests the case sent that await an answer: a reply is accepted only when its `inReplyTo.hash`
 * names one of them (for a review decision: one of the current round).
 */
export class CaseKindAndSentRequests1795404000000 implements MigrationInterface {
  name = 'CaseKindAndSentRequests1795404000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake.cases ADD COLUMN kind text NOT NULL DEFAULT 'idcard'`);
    await q.query(
      `CREATE TABLE intake.case_requests (
         message_id uuid PRIMARY KEY,
         case_id uuid NOT NULL,
         type text NOT NULL,
         round integer,
         hash text NOT NULL,
         sent_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await q.query(
      `CREATE INDEX case_requests_case_hash_idx ON intake.case_requests (case_id, hash)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS intake.case_requests`);
    await q.query(`ALTER TABLE intake.cases DROP COLUMN IF EXISTS kind`);
  }
}
