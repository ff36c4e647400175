import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Payload } from '@app/contracts';
import { Envelope, OutOfOrderError } from '@app/messaging';
import { CaseEventType, CaseStatus, TransitionSuccess } from '@app/workflow';
import { CaseEntity } from '../applications/case.entity';
import { IntakePolicy } from '../policy/intake-policy';
import { CaseCommandsService } from './case-commands.service';
import { CaseWorkflowService, TransitionActor } from './case-workflow.service';
import { DeadlinesService } from './deadlines.service';
import { isEarly } from './message-timing';
import { RejectedMessageError, senderSide } from './sender-side';

interface Step {
  /** The workflow event this message means for the case as it stands. */
  event: CaseEventType;
  /** Why to leave an otherwise acceptable message alone (e.g. a decision on an old round). */
  ignore?: string;
  reason?: string;
  /** Effects on the locked case (fields, outbox) after the transition is applied. */
  effects?: (c: CaseEntity, result: TransitionSuccess) => Promise<void> | void;
}

/**
 * The orchestrator: applies the answers of verification (hukou province), production and delivery
 * (residence province) and the case's own timers to the one canonical case record, and issues the
 * next command. Runs inside the transaction of the message's inbox row (`ctx.getManager()`).
 *
 * Refusals by the state machine: TERMINAL_STATE and ILLEGAL_TRANSITION for a case that moved past
 * the event mean a late or duplicate message: logged and acknowledged. ILLEGAL_TRANSITION for a
 * case not yet there (the message overtook its predecessor) is an OutOfOrderError: the transport
 * parks it until the case moves, without spending an attempt. WRONG_SIDE,
 * UNKNOWN_EVENT and GUARD_FAILED (e.g. an arrival overtaking a postal return), and a sender with
 * no side for the case, are thrown: retried, then dead-lettered for operations to see.
 */
@Injectable()
export class OrchestratorService {
  private readonly logger = new Logger(OrchestratorService.name);

  constructor(
    private readonly workflow: CaseWorkflowService,
    private readonly commands: CaseCommandsService,
    private readonly deadlines: DeadlinesService,
    @Inject(IntakePolicy) private readonly policy: IntakePolicy,
  ) {}

  async reviewDecided(env: Envelope<Payload<'review.decided'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, (c) => {
      const event = {
        APPROVED: CaseEventType.REVIEW_APPROVED,
        REFUSED: CaseEventType.REVIEW_REFUSED,
        SUPPLEMENT_REQUIRED: CaseEventType.SUPPLEMENT_REQUESTED,
      }[p.outcome];
      if (p.round !== c.reviewRound) {
        return {
          event,
          ignore: `decision for round ${p.round}, the case is in round ${c.reviewRound}`,
        };
      }
      const problem = decisionProblem(p, c);
      if (problem) throw new RejectedMessageError('INCONSISTENT_DECISION', problem);
      return {
        event,
        reason: p.outcome === 'REFUSED' ? `${p.refusal!.code}: ${p.refusal!.reason}` : p.outcome,
        effects: async (c2) => {
          c2.decidedAt = new Date(p.decidedAt);
          c2.pendingCommand = null;
          if (p.outcome === 'APPROVED') {
            c2.issue = p.issue;
            await this.commands.send(manager, c2, 'production.ordered', { causedBy: env });
          } else if (p.outcome === 'REFUSED') {
            c2.refusalCode = p.refusal!.code;
            c2.refusalReason = p.refusal!.reason;
          } else {
            c2.supplementRequested = p.supplement!.items;
          }
        },
      };
    });
  }

  async productionStarted(env: Envelope<Payload<'production.started'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      event: CaseEventType.PRODUCTION_STARTED,
      // production.ordered stays pending until the card is produced (see WAITING_STATUSES).
      effects: (c) => {
        c.productionHistory = [
          ...c.productionHistory,
          { attempt: p.attempt, startedAt: p.startedAt },
        ];
      },
    }));
  }

  async productionFailed(
    env: Envelope<Payload<'production.attempt_failed'>>,
    manager: EntityManager,
  ) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      event: CaseEventType.PRODUCTION_FAILED,
      reason: p.reason,
      effects: (c) => {
        c.productionHistory = [
          ...c.productionHistory,
          { attempt: p.attempt, failedAt: p.failedAt, reason: p.reason },
        ];
      },
    }));
  }

  async productionCompleted(
    env: Envelope<Payload<'production.completed'>>,
    manager: EntityManager,
  ) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      event: CaseEventType.PRODUCTION_COMPLETED,
      effects: async (c) => {
        c.cardSerial = p.cardSerial;
        c.productionHistory = [
          ...c.productionHistory,
          { attempt: p.attempts, completedAt: p.producedAt },
        ];
        await this.commands.send(manager, c, 'delivery.ordered', { causedBy: env });
      },
    }));
  }

  async deliveryDispatched(env: Envelope<Payload<'delivery.dispatched'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      event: CaseEventType.DISPATCHED,
      effects: (c) => {
        c.pendingCommand = null;
        c.deliveryProgress = {
          ...c.deliveryProgress,
          trackingNumber: p.trackingNumber,
          dispatchedAt: p.dispatchedAt,
        };
      },
    }));
  }

  async deliveryArrived(env: Envelope<Payload<'delivery.arrived'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      event: CaseEventType.ARRIVED_AT_POINT,
      effects: async (c) => {
        const now = new Date();
        c.deliveryProgress = { ...c.deliveryProgress, arrivedAt: p.arrivedAt };
        c.pickupReminderDueAt = new Date(now.getTime() + this.policy.pickupReminderMs);
        c.pickupRemindedAt = null;
        await this.deadlines.schedule(manager, c, 'PICKUP_REMINDER', now);
      },
    }));
  }

  async deliveryReturned(env: Envelope<Payload<'delivery.returned'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      event: CaseEventType.POSTAL_RETURNED,
      reason: p.reason,
      effects: (c) => {
        c.deliveryProgress = {
          ...c.deliveryProgress,
          returnedAt: p.returnedAt,
          returnReason: p.reason,
        };
      },
    }));
  }

  async deliveryCompleted(env: Envelope<Payload<'delivery.completed'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, (c) => ({
      // A card waiting at the window (including a returned postal delivery) is collected there;
      // otherwise the method says how it was handed over.
      event:
        c.status === CaseStatus.READY_FOR_PICKUP || p.method === 'WINDOW'
          ? CaseEventType.COLLECTED
          : CaseEventType.DELIVERED_BY_POST,
      reason: `${p.method} ${p.collectedBy}`,
      effects: (c2) => {
        c2.pendingCommand = null;
        c2.deliveryProgress = {
          ...c2.deliveryProgress,
          completedAt: p.completedAt,
          collectedBy: p.collectedBy,
        };
      },
    }));
  }

  async caseTimer(env: Envelope<Payload<'case.timer'>>, manager: EntityManager) {
    const c = await this.lockOrFail(env, manager);
    const who = this.actorOf(env, c);
    await this.deadlines.fire(manager, c, env.payload.kind, who, env.payload.dueAt);
    await this.workflow.save(manager, c);
  }

  // ---------------------------------------------------------------------------------------

  private async lockOrFail(env: Envelope, manager: EntityManager): Promise<CaseEntity> {
    const c = await this.workflow.lock(manager, env.caseId);
    if (!c) {
      throw new RejectedMessageError(
        'UNKNOWN_CASE',
        `${env.type} for a case that does not exist here`,
      );
    }
    return c;
  }

  private actorOf(env: Envelope, c: CaseEntity): TransitionActor {
    const side = senderSide(env.sender, c);
    if (!side) {
      throw new RejectedMessageError(
        'WRONG_SIDE',
        `${env.type} came from ${env.sender.service} of province ${env.sender.province}, which has no side in this case (hukou ${c.hukouProvince}, residence ${c.residenceProvince})`,
      );
    }
    return {
      side,
      senderProvince: env.sender.province,
      senderService: env.sender.service,
      messageId: env.id,
    };
  }

  private async handle(
    env: Envelope,
    manager: EntityManager,
    step: (c: CaseEntity) => Step,
  ): Promise<void> {
    const c = await this.lockOrFail(env, manager);
    const meta = { caseId: c.id, messageId: env.id, receipt: c.receiptNumber, type: env.type };
    const who = this.actorOf(env, c);
    const s = step(c);
    const result = this.workflow.attempt(c, { type: s.event, side: who.side });
    if (!result.ok) {
      const { code } = result.error;
      if (code === 'ILLEGAL_TRANSITION' && isEarly(c.status, s.event)) {
        // Overtook its predecessor (messages of one batch are consumed concurrently, a killed
        // node's job comes back later): parked by the transport until the case moves, no attempt spent.
        throw new OutOfOrderError(`EARLY: ${result.error.message}`);
      }
      if (code === 'TERMINAL_STATE' || code === 'ILLEGAL_TRANSITION') {
        this.logger.warn(`ignored ${env.type} (late or duplicate): ${result.error.message}`, meta);
        return;
      }
      throw new RejectedMessageError(code, result.error.message);
    }
    if (s.ignore) {
      this.logger.warn(`ignored ${env.type}: ${s.ignore}`, meta);
      return;
    }
    await this.workflow.apply(manager, c, result, who, s.reason ?? null);
    await s.effects?.(c, result);
    await this.workflow.save(manager, c);
    this.logger.log(`${result.from} -> ${result.to} by ${result.event}`, meta);
  }
}

/** A decision must carry the part its outcome needs, issued by a bureau of the hukou province. */
export function decisionProblem(
  p: Payload<'review.decided'>,
  c: Pick<CaseEntity, 'hukouProvince'>,
): string | undefined {
  if (p.outcome === 'APPROVED') {
    if (!p.issue) return 'an APPROVED decision must carry the issue decision';
    if (!p.issue.issuingAuthorityCode.startsWith(c.hukouProvince)) {
      return `the issuing authority ${p.issue.issuingAuthorityCode} is not in the hukou province ${c.hukouProvince}`;
    }
  }
  if (p.outcome === 'REFUSED' && !p.refusal) return 'a REFUSED decision must carry the refusal';
  if (p.outcome === 'SUPPLEMENT_REQUIRED' && !p.supplement) {
    return 'a SUPPLEMENT_REQUIRED decision must carry the items requested';
  }
  return undefined;
}
