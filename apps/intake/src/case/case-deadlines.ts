import { CaseEventType, DeadlineKind } from '@app/workflow';
import type { CaseEntity } from './case.entity';
import { reviewDueAt } from '../policy/deadlines';
import type { IntakePolicy } from '../policy/intake-policy';

export interface DeadlineInfo {
  /** The system event the machine applies when the deadline passes. */
  event: CaseEventType;
  /** The deadline stored on the case (the source of truth; a timer only reminds). */
  due(c: CaseEntity): Date | null;
  /** True once this deadline has been acted on. */
  done(c: CaseEntity): boolean;
  /** (Re)starts the deadline from `now` on the case, when a transition declares it. */
  arm(c: CaseEntity, now: Date, policy: IntakePolicy): void;
}

/** Every deadline a case keeps, by kind: what passing it means and how it is (re)started. */
export const DEADLINES: Readonly<Record<DeadlineKind, DeadlineInfo>> = {
  REVIEW_DEADLINE: {
    event: CaseEventType.REVIEW_DEADLINE_PASSED,
    due: (c) => c.reviewDueAt,
    done: (c) => c.reviewOverdue,
    arm: (c, now, policy) => {
      c.reviewDueAt = reviewDueAt(now, policy.deadlines);
      c.reviewOverdue = false;
    },
  },
  STATUTORY_DEADLINE: {
    event: CaseEventType.STATUTORY_DEADLINE_PASSED,
    due: (c) => c.statutoryDueAt,
    done: (c) => c.statutoryOverdue,
    // Counted from intake once and for all (set when the case is created).
    arm: () => undefined,
  },
  PICKUP_REMINDER: {
    event: CaseEventType.PICKUP_REMINDER_DUE,
    due: (c) => c.pickupReminderDueAt,
    done: (c) => c.pickupRemindedAt !== null,
    arm: (c, now, policy) => {
      c.pickupReminderDueAt = new Date(now.getTime() + policy.pickupReminderMs);
      c.pickupRemindedAt = null;
    },
  },
};
