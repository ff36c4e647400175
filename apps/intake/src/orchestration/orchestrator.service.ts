import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Payload } from '@app/contracts';
import { Envelope } from '@app/messaging';
import { CaseEventType, CaseStatus, NewbornEvent } from '@app/workflow';
import { CaseEntity, newbornPart } from '../case/case.entity';
import { CaseEventRequest, CaseService } from '../case/case.service';
import { RejectedMessageError } from '../case/case-parties';
import { DeadlinesService } from './deadlines.service';

/**
 * The orchestrator: turns the answers of verification (hukou province), production and delivery
 * (residence province) and the case's own timers into events of the case, each through the case's
 * front door (CaseService.transition), which checks the message's parties, runs the machine and
 * carries out what the machine declares (next command, deadlines). What stays here is what each
 * message brings (a decision, a card serial, delivery progress). Runs inside the transaction of the
 * message's inbox row (`ctx.getManager()`).
 */
@Injectable()
export class OrchestratorService {
  constructor(
    private readonly cases: CaseService,
    private readonly deadlines: DeadlinesService,
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
          type: event,
          ignore: `decision for round ${p.round}, the case is in round ${c.reviewRound}`,
        };
      }
      const problem = decisionProblem(p, c);
      if (problem) throw new RejectedMessageError('INCONSISTENT_DECISION', problem);
      return {
        type: event,
        reason: p.outcome === 'REFUSED' ? `${p.refusal!.code}: ${p.refusal!.reason}` : p.outcome,
        apply: (c2) => {
          c2.decidedAt = new Date(p.decidedAt);
          if (p.outcome === 'APPROVED') {
            c2.issue = p.issue;
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

  /** The hukou side's decision on a newborn registration round. */
  async registrationDecided(
    env: Envelope<Payload<'registration.decided'>>,
    manager: EntityManager,
  ) {
    const p = env.payload;
    await this.handle(env, manager, (c) => {
      const type = {
        REGISTERED: NewbornEvent.REGISTERED,
        REFUSED: NewbornEvent.REGISTRATION_REFUSED,
        SUPPLEMENT_REQUIRED: NewbornEvent.SUPPLEMENT_REQUESTED,
      }[p.outcome];
      if (p.round !== c.reviewRound) {
        return {
          type,
          ignore: `decision for round ${p.round}, the case is in round ${c.reviewRound}`,
        };
      }
      const problem = registrationProblem(p, c);
      if (problem) throw new RejectedMessageError('INCONSISTENT_DECISION', problem);
      return {
        type,
        reason: p.outcome === 'REFUSED' ? `${p.refusal!.code}: ${p.refusal!.reason}` : p.outcome,
        apply: (c2) => {
          c2.decidedAt = new Date(p.decidedAt);
          if (p.outcome === 'REGISTERED') {
            c2.newborn = { ...newbornPart(c2), registration: p.registration };
            // The page is what the delivery service carries, like a card.
            c2.cardSerial = p.registration!.page.pageSerial;
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
      type: CaseEventType.PRODUCTION_STARTED,
      // production.ordered stays pending until the card is produced (see WAITING_STATUSES).
      apply: (c) => {
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
      type: CaseEventType.PRODUCTION_FAILED,
      reason: p.reason,
      apply: (c) => {
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
      type: CaseEventType.PRODUCTION_COMPLETED,
      apply: (c) => {
        c.cardSerial = p.cardSerial;
        c.productionHistory = [
          ...c.productionHistory,
          { attempt: p.attempts, completedAt: p.producedAt },
        ];
      },
    }));
  }

  async deliveryDispatched(env: Envelope<Payload<'delivery.dispatched'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      type: CaseEventType.DISPATCHED,
      apply: (c) => {
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
      type: CaseEventType.ARRIVED_AT_POINT,
      apply: (c) => {
        c.deliveryProgress = { ...c.deliveryProgress, arrivedAt: p.arrivedAt };
      },
    }));
  }

  async deliveryReturned(env: Envelope<Payload<'delivery.returned'>>, manager: EntityManager) {
    const p = env.payload;
    await this.handle(env, manager, () => ({
      type: CaseEventType.POSTAL_RETURNED,
      reason: p.reason,
      apply: (c) => {
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
      type:
        c.status === CaseStatus.READY_FOR_PICKUP || p.method === 'WINDOW'
          ? CaseEventType.COLLECTED
          : CaseEventType.DELIVERED_BY_POST,
      reason: `${p.method} ${p.collectedBy}`,
      apply: (c2) => {
        c2.deliveryProgress = {
          ...c2.deliveryProgress,
          completedAt: p.completedAt,
          collectedBy: p.collectedBy,
        };
      },
    }));
  }

  async caseTimer(env: Envelope<Payload<'case.timer'>>, manager: EntityManager) {
    // Parties first (a timer comes only from intake of the case's own residence province).
    const { case: c, who } = await this.cases.receive(manager, env);
    await this.deadlines.fire(manager, c, env.payload.kind, who, env.payload.dueAt);
  }

  private async handle(
    env: Envelope,
    manager: EntityManager,
    step: (c: CaseEntity) => CaseEventRequest,
  ): Promise<void> {
    await this.cases.transition(manager, env.caseId, step, { message: env });
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

/**
 * A registration must carry the part its outcome needs; the child's number is of the hukou
 * province, for the declared child, and the page names the same number.
 */
export function registrationProblem(
  p: Payload<'registration.decided'>,
  c: Pick<CaseEntity, 'hukouProvince' | 'newborn'>,
): string | undefined {
  if (p.outcome === 'REGISTERED') {
    const r = p.registration;
    if (!r) return 'a REGISTERED decision must carry the registration';
    if (!r.citizenIdNumber.startsWith(c.hukouProvince)) {
      return `the child's citizen ID number is not of the hukou province ${c.hukouProvince}`;
    }
    if (r.page.citizenIdNumber !== r.citizenIdNumber) {
      return 'the household-register page names another citizen ID number';
    }
    const child = c.newborn?.child;
    if (child && r.citizenIdNumber.slice(6, 14) !== child.birthDate.replace(/-/g, '')) {
      return "the child's citizen ID number does not carry the declared birth date";
    }
    if (child && (Number(r.citizenIdNumber[16]) % 2 === 1 ? 'M' : 'F') !== child.sex) {
      return "the child's citizen ID number does not carry the declared sex";
    }
  }
  if (p.outcome === 'REFUSED' && !p.refusal) return 'a REFUSED decision must carry the refusal';
  if (p.outcome === 'SUPPLEMENT_REQUIRED' && !p.supplement) {
    return 'a SUPPLEMENT_REQUIRED decision must carry the items requested';
  }
  return undefined;
}
