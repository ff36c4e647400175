import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Side } from '@app/workflow';
import { CaseEntity } from '../case/case.entity';
import { CaseCommandsService, TimerKind } from '../case/case-commands.service';
import { DEADLINES } from '../case/case-deadlines';
import { RejectedMessageError } from '../case/case-parties';
import { CaseService, TransitionActor } from '../case/case.service';

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
 * (REVIEW_DEADLINE_PASSED, STATUTORY_DEADLINE_PASSED, PICKUP_REMINDER_DUE), through the case's
 * front door. Deadlines are started by the transitions that declare them (see case-deadlines.ts).
 */
@Injectable()
export class DeadlinesService {
  private readonly logger = new Logger(DeadlinesService.name);

  constructor(
    private readonly cases: CaseService,
    private readonly commands: CaseCommandsService,
  ) {}

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
    const info = DEADLINES[kind];
    const due = info.due(c);
    const meta = { caseId: c.id, receipt: c.receiptNumber, kind, messageId: who.messageId };
    if (!due || (timerDueAt !== undefined && Date.parse(timerDueAt) !== due.getTime())) {
      this.logger.log('stale timer ignored: the case has another deadline now', meta);
      return 'stale';
    }
    if (info.done(c)) return 'done';
    const result = this.cases.attempt(c, { type: info.event, side: who.side });
    if (!result.ok) {
      if (result.error.code === 'TERMINAL_STATE' || result.error.code === 'ILLEGAL_TRANSITION') {
        this.logger.log(`deadline ignored: ${result.error.message}`, meta);
        return 'moved-on';
      }
      throw new RejectedMessageError(result.error.code, result.error.message);
    }
    if (now.getTime() < due.getTime()) {
      // The next link replaces the recorded one: this link, or (a link delivered twice over
      // another path) a stray one, withdrawn so that one chain runs.
      await this.commands.scheduleTimer(manager, c, kind, due, {
        now,
        handling: who.messageId ?? undefined,
      });
      return 'rescheduled';
    }
    const outcome = await this.cases.transition(
      manager,
      c.id,
      { type: info.event, reason: `${kind} ${due.toISOString()}` },
      who,
      { at: now },
    );
    if (outcome.kind !== 'applied') return 'moved-on';
    this.logger.warn(`deadline passed: ${kind}`, meta);
    return 'applied';
  }
}

/** The side of the case's own timers and its reconciler. */
export const SYSTEM_ACTOR: TransitionActor = { side: Side.SYSTEM, actor: 'reconciler' };
