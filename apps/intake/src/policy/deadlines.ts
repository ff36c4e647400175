import { caseDeadlines, todayInChina } from '@app/domain';

/**
 * The deadlines stored on a case at intake. The law counts whole days from the day after intake
 * (`caseDeadlines` in @app/domain), so a deadline date ends at midnight in China (UTC+8). For
 * tests and drills, REVIEW_DEADLINE_MS / STATUTORY_DEADLINE_MS replace the review and statutory
 * periods by a plain duration from the moment of intake.
 */
export interface DeadlineSettings {
  reviewMs?: number;
  statutoryMs?: number;
}

export interface IntakeDeadlines {
  /** The intake date in China (YYYY-MM-DD). */
  intakeDate: string;
  reviewDueAt: Date;
  promiseDueAt: Date;
  statutoryDueAt: Date;
}

/** The last millisecond of a calendar day in China (UTC+8, no daylight saving). */
export function endOfChinaDay(date: string): Date {
  return new Date(`${date}T23:59:59.999+08:00`);
}

export function intakeDeadlines(now: Date, settings: DeadlineSettings = {}): IntakeDeadlines {
  const intakeDate = todayInChina(now);
  const dates = caseDeadlines(intakeDate);
  return {
    intakeDate,
    reviewDueAt: reviewDueAt(now, settings),
    promiseDueAt: endOfChinaDay(dates.promiseDue),
    statutoryDueAt:
      settings.statutoryMs !== undefined
        ? new Date(now.getTime() + settings.statutoryMs)
        : endOfChinaDay(dates.statutoryDue),
  };
}

/** When the hukou side should have decided a review round sent at `sentAt`. */
export function reviewDueAt(sentAt: Date, settings: DeadlineSettings = {}): Date {
  if (settings.reviewMs !== undefined) return new Date(sentAt.getTime() + settings.reviewMs);
  return endOfChinaDay(caseDeadlines(todayInChina(sentAt)).reviewDue);
}
