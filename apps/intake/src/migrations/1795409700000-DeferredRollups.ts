import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ops rollups are maintained at COMMIT instead of at each statement: their triggers become
 * deferred constraint triggers. The rollup rows are few and hot (a province's row of the day, the
 * country's four shards), and a row lock is held until the transaction ends: taken at the
 * statement, it was held across the rest of the transaction and the round trips to the node, and
 * intakes of one province waited on each other (seen as Lock:transactionid waits, throughput flat
 * from 8 to 32 clients). Taken at COMMIT, it is held only while the commit runs. Same rows, same
 * counts, in the same transaction: the rollups still commit or roll back with the records.
 *
 * The timeline trigger asked whether another entry of the case already has the new status
 * (`t.id <> NEW.id`); at COMMIT the transaction's later entries are visible too, so it now asks for
 * an earlier one (`t.id < NEW.id`: a case's entries are written in order under its lock). The
 * function is patched in place from its current definition (ScopeCounts) rather than copied.
 */
export class DeferredRollups1795409700000 implements MigrationInterface {
  name = 'DeferredRollups1795409700000';

  async up(q: QueryRunner): Promise<void> {
    await patchTimelineFunction(q, 't.id <> NEW.id', 't.id < NEW.id');
    for (const t of TRIGGERS) {
      await q.query(`DROP TRIGGER IF EXISTS ${t.name} ON ${t.table}`);
      await q.query(
        `CREATE CONSTRAINT TRIGGER ${t.name} AFTER ${t.on} ON ${t.table}
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW ${t.when ? `WHEN (${t.when})` : ''}
           EXECUTE FUNCTION ${t.run}`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of TRIGGERS) {
      await q.query(`DROP TRIGGER IF EXISTS ${t.name} ON ${t.table}`);
      await q.query(
        `CREATE TRIGGER ${t.name} AFTER ${t.on} ON ${t.table}
           FOR EACH ROW ${t.when ? `WHEN (${t.when})` : ''} EXECUTE FUNCTION ${t.run}`,
      );
    }
    await patchTimelineFunction(q, 't.id < NEW.id', 't.id <> NEW.id');
  }
}

/** The rollup triggers as ScopeCounts and FlagCounts left them. */
const TRIGGERS: { name: string; table: string; on: string; when?: string; run: string }[] = [
  {
    name: 'cases_stats_insert',
    table: 'intake.cases',
    on: 'INSERT',
    run: `intake.stats_on_case('idcard')`,
  },
  {
    name: 'cases_stats_update',
    table: 'intake.cases',
    on: 'UPDATE OF status',
    when: 'OLD.status IS DISTINCT FROM NEW.status',
    run: `intake.stats_on_case('idcard')`,
  },
  {
    name: 'cases_stats_delete',
    table: 'intake.cases',
    on: 'DELETE',
    run: `intake.stats_on_case('idcard')`,
  },
  {
    name: 'cases_stats_flags',
    table: 'intake.cases',
    on: 'UPDATE OF review_overdue, statutory_overdue',
    when: `OLD.review_overdue IS DISTINCT FROM NEW.review_overdue
           OR OLD.statutory_overdue IS DISTINCT FROM NEW.statutory_overdue`,
    run: 'intake.stats_on_flags()',
  },
  {
    name: 'cases_stats_flags_insert',
    table: 'intake.cases',
    on: 'INSERT',
    when: 'NEW.review_overdue OR NEW.statutory_overdue',
    run: 'intake.stats_on_flags()',
  },
  {
    name: 'cases_stats_flags_delete',
    table: 'intake.cases',
    on: 'DELETE',
    when: 'OLD.review_overdue OR OLD.statutory_overdue',
    run: 'intake.stats_on_flags()',
  },
  {
    name: 'case_timeline_stats',
    table: 'intake.case_timeline',
    on: 'INSERT',
    run: `intake.stats_on_timeline('idcard', 'intake.cases')`,
  },
];

async function patchTimelineFunction(q: QueryRunner, from: string, to: string): Promise<void> {
  const [{ def }]: { def: string }[] = await q.query(
    `SELECT pg_get_functiondef('intake.stats_on_timeline()'::regprocedure) AS def`,
  );
  if (!def.includes(from)) {
    throw new Error(`intake.stats_on_timeline() does not hold "${from}": not the expected version`);
  }
  await q.query(def.split(from).join(to));
}
