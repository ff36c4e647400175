import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The job id of the reminder (durable timer) now waiting for each of the case's deadlines, so it is
 * withdrawn from Redis once the case no longer waits for that deadline (decided, closed, re-armed)
 * instead of firing days later only to find the case moved on. A case written before this column
 * names none: its timers fire and are ignored, as before. Adding a column with a constant default
 * rewrites no rows.
 */
export class TimerJobs1795409800000 implements MigrationInterface {
  name = 'TimerJobs1795409800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake.cases ADD COLUMN timer_jobs jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE intake.cases DROP COLUMN timer_jobs`);
  }
}
