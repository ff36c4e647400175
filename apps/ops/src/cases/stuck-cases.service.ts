import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/platform';
import { readSnapshot } from '../common/read-only';
import { provinceCondition } from '../common/scope';
import { CASE_ROW_COLUMNS, CaseRow, CaseRowRaw, DEADLINE_SQL, toCaseRow } from './case-sql';

/** Why a case is listed as stuck (one case may have several). */
export type StuckReason =
  'COMMAND_UNANSWERED' | 'REVIEW_DEADLINE_PASSED' | 'PROMISE_PASSED' | 'STATUTORY_LIMIT_PASSED';

export interface StuckCase extends CaseRow {
  reasons: StuckReason[];
  /** The earliest moment one of the reasons became true: the list is ordered by it. */
  stuckSince: string;
}

export interface StuckCases {
  asOf: string;
  province: string | null;
  /** RESEND_AFTER_MS of this deployment: a pending command older than this is unanswered. */
  resendAfterMs: number;
  total: number;
  items: StuckCase[];
}

interface StuckRaw extends CaseRowRaw {
  command_stale: boolean;
  review_passed: boolean;
  promise_passed: boolean;
  statutory_passed: boolean;
  stuck_since: Date;
}

/**
 * Open cases that did not move past a deadline, or wait on a command another party has not
 * answered for longer than RESEND_AFTER_MS. Intake's reconciler re-sends such commands on its
 * own; this list is what an operator looks at when that did not help.
 */
@Injectable()
export class StuckCasesService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  list(province: string | null, limit = 100, offset = 0): Promise<StuckCases> {
    const resendAfterMs = this.config.RESEND_AFTER_MS;
    return readSnapshot(this.dataSource, async (q) => {
      const params: unknown[] = [resendAfterMs];
      const stale = DEADLINE_SQL.commandStale('$1');
      const scope = provinceCondition(province, params);
      const where = `${DEADLINE_SQL.open} AND ${scope} AND (${stale} OR ${DEADLINE_SQL.reviewPassed}
        OR ${DEADLINE_SQL.promisePassed} OR ${DEADLINE_SQL.statutoryPassed})`;
      const [{ total, as_of }] = await q<{ total: number; as_of: Date }>(
        `SELECT count(*)::int AS total, now() AS as_of FROM intake_stats.cases c WHERE ${where}`,
        params,
      );
      const rows = await q<StuckRaw>(
        `SELECT * FROM (
           SELECT ${CASE_ROW_COLUMNS},
                  ${stale} AS command_stale,
                  ${DEADLINE_SQL.reviewPassed} AS review_passed,
                  ${DEADLINE_SQL.promisePassed} AS promise_passed,
                  ${DEADLINE_SQL.statutoryPassed} AS statutory_passed,
                  least(
                    CASE WHEN ${stale} THEN coalesce(c.last_sent_at, c.updated_at)
                      + ($1::double precision * interval '1 millisecond') END,
                    CASE WHEN ${DEADLINE_SQL.reviewPassed} THEN c.review_due_at END,
                    CASE WHEN ${DEADLINE_SQL.promisePassed} THEN c.promise_due_at END,
                    CASE WHEN ${DEADLINE_SQL.statutoryPassed} THEN c.statutory_due_at END
                  ) AS stuck_since
             FROM intake_stats.cases c
            WHERE ${where}
         ) s
         ORDER BY s.stuck_since ASC, s.id
         LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
        params,
      );
      return {
        asOf: new Date(as_of).toISOString(),
        province,
        resendAfterMs,
        total,
        items: rows.map((r) => ({
          ...toCaseRow(r),
          reasons: reasonsOf(r),
          stuckSince: new Date(r.stuck_since).toISOString(),
        })),
      };
    });
  }

  /** How many cases are stuck (for the metrics gauge). */
  async count(): Promise<number> {
    return (await this.list(null, 1, 0)).total;
  }
}

function reasonsOf(r: StuckRaw): StuckReason[] {
  const reasons: StuckReason[] = [];
  if (r.command_stale) reasons.push('COMMAND_UNANSWERED');
  if (r.review_passed) reasons.push('REVIEW_DEADLINE_PASSED');
  if (r.promise_passed) reasons.push('PROMISE_PASSED');
  if (r.statutory_passed) reasons.push('STATUTORY_LIMIT_PASSED');
  return reasons;
}
