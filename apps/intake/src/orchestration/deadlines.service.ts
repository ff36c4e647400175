import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CaseEffect, CaseEventType, Side } from '@app/workflow';
import { CaseEntity } from '../applications/case.entity';
import { CaseCommandsService, TimerKind } from './case-commands.service';
import { CaseWorkflowService, TransitionActor } from './case-workflow.service';
import { RejectedMessageError } from './sender-side';

interface KindInfo {
  event: CaseEventType;
  /** The deadline stored on the case (the source of truth; a timer only reminds). */
  due(c: CaseEntity): Date | null;
  /** True once this deadline has been acted on. */
  done(c: CaseEntity): boolean;
}

export const TIMER_KINDS: Readonly<Record<TimerKind, KindInfo>> = {
  REVIEW_DEADLINE: {
    event: CaseEventType.REVIEW_DEADLINE_PASSED,
    due: (c) => c.reviewDueAt,
    done: (c) => c.reviewOverdue,
  },
  STATUTORY_DEADLINE: {
    event: CaseEventType.STATUTORY_DEADLINE_PASSED,
    due: (c) => c.statutoryDueAt,
    done: (c) => c.statutoryOverdue,
  },
  PICKUP_REMINDER: {
    event: CaseEventType.PICKUP_REMINDER_DUE,
    due: (c) => c.pickupReminderDueAt,
    done: (c) => c.pickupRemindedAt !== null,
  },
};

export type DeadlineOutcome =
  /** The self-loop was applied and its effects carried out. */
  | 'applied'
  /** The timer names another deadline than the one stored (the case got a new one): nothing. */
  | 'stale'
  /** The timer fired before the deadline (a link of a long chain): the next link is scheduled. */
  | 'rescheduled'
  /** Already acted on (by the timer or the reconciler). */
  | 'done'
  /** The case no longer waits for this deadline (moved on or closed): nothing. */
  | 'moved-on';

/**
 * Deadlines stored on the case, reminded by durable delayed `case.timer` messages and, should a
 * timer be lost with Redis, by the reconciler. Either way the workflow's system self-loop decides
 * (REVIEW_DEADLINE_PASSED, STATUTORY_DEADLINE_PASSED, PICKUP_REMINDER_DUE).
 */
@Injectable()
export class DeadlinesService {
  private readonly logger = new Logger(DeadlinesService.name);

  constructor(
    private readonly workflow: CaseWorkflowService,
    private readonly commands: CaseCommandsService,
  ) {}

  async schedule(manager: EntityManager, c: CaseEntity, kind: TimerKind, now = new Date()) {
    const due = TIMER_KINDS[kind].due(c);
    if (!due) throw new Error(`case ${c.id} has no ${kind} deadline to schedule`);
    return this.commands.scheduleTimer(manager, c, kind, due, now);
  }

  /**
   * Acts on a deadline of a locked case. `timerDueAt` is the deadline a timer message carries
   * (undefined when the reconciler calls). Throws only for a refusal that is not "moved on"
   * (a wrong side: forged or misrouted).
   */
  async fire(
    manager: EntityManager,
    c: CaseEntity,
    kind: TimerKind,
    who: TransitionActor,
    timerDueAt?: string,
    now = new Date(),
  ): Promise<DeadlineOutcome> {
    const info = TIMER_KINDS[kind];
    const due = info.due(c);
    const meta = { caseId: c.id, receipt: c.receiptNumber, kind, messageId: who.messageId };
    if (!due || (timerDueAt !== undefined && Date.parse(timerDueAt) !== due.getTime())) {
      this.logger.log('stale timer ignored: the case has another deadline now', meta);
      return 'stale';
    }
    if (info.done(c)) return 'done';
    const result = this.workflow.attempt(c, { type: info.event, side: who.side });
    if (!result.ok) {
      if (result.error.code === 'TERMINAL_STATE' || result.error.code === 'ILLEGAL_TRANSITION') {
        this.logger.log(`deadline ignored: ${result.error.message}`, meta);
        return 'moved-on';
      }
      throw new RejectedMessageError(result.error.code, result.error.message);
    }
    if (now.getTime() < due.getTime()) {
      await this.commands.scheduleTimer(manager, c, kind, due, now);
      return 'rescheduled';
    }
    await this.workflow.apply(manager, c, result, who, `${kind} ${due.toISOString()}`, now);
    for (const effect of result.effects) {
      switch (effect) {
        case CaseEffect.FLAG_REVIEW_OVERDUE:
          c.reviewOverdue = true;
          break;
        case CaseEffect.RESEND_REVIEW_REQUEST:
          // Same round: the hukou side answers a duplicate round with the decision it recorded.
          await this.commands.send(manager, c, 'review.requested', { resend: true, now });
          break;
        case CaseEffect.FLAG_STATUTORY_OVERDUE:
          c.statutoryOverdue = true;
          break;
        case CaseEffect.SEND_PICKUP_REMINDER:
          // No applicant channel in this system yet: the reminder is recorded for the clerk app.
          c.pickupRemindedAt = now;
          break;
      }
    }
    this.logger.warn(`deadline passed: ${kind}`, meta);
    return 'applied';
  }
}

/** The side of the case's own timers and its reconciler. */
export const SYSTEM_ACTOR: TransitionActor = { side: Side.SYSTEM, actor: 'reconciler' };
