import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Payload, Service } from '@app/contracts';
import { Envelope } from '@app/messaging';
import { APP_CONFIG, AppConfig, ServiceMessaging } from '@app/platform';
import { CaseEntity, PendingCommand } from '../applications/case.entity';
import { PhotoEntity } from '../photos/photo.entity';

export type TimerKind = Payload<'case.timer'>['kind'];

/**
 * The longest delay one timer message carries. The outbox stores `delay_ms` as a 32-bit integer
 * (about 24.8 days), and receivers may refuse messages older than MESSAGE_MAX_AGE_MS as replays,
 * so a long deadline (the 60-day statutory limit) is reached by a chain of timers: a timer that
 * fires before its `dueAt` schedules the next link with the same `dueAt`.
 */
export const MAX_TIMER_DELAY_MS = 20 * 86_400_000;

/** One link of a timer chain: within the outbox's bound and well within the replay window. */
export function timerLinkMs(maxMessageAgeMs: number | undefined): number {
  if (maxMessageAgeMs === undefined) return MAX_TIMER_DELAY_MS;
  return Math.max(1000, Math.min(MAX_TIMER_DELAY_MS, Math.floor(maxMessageAgeMs / 2)));
}

/**
 * The commands intake sends for a case, each built from the case record alone so that a re-send
 * (timer, reconciler) carries the same content as the first. Every send goes through the outbox
 * in the caller's transaction.
 */
@Injectable()
export class CaseCommandsService {
  private readonly logger = new Logger(CaseCommandsService.name);

  private readonly timerLinkMs: number;

  constructor(
    private readonly messaging: ServiceMessaging,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.timerLinkMs = timerLinkMs(config.MESSAGE_MAX_AGE_MS);
  }

  async reviewRequestPayload(
    manager: EntityManager,
    c: CaseEntity,
  ): Promise<Payload<'review.requested'>> {
    const photo = await manager.findOneByOrFail(PhotoEntity, { id: c.photoId });
    return {
      receiptNumber: c.receiptNumber,
      acceptancePoint: c.acceptancePoint,
      residenceProvince: c.residenceProvince,
      round: c.reviewRound,
      applicant: c.applicant,
      hukou: { addressCode: c.hukouCode, address: c.hukouAddress },
      photo: {
        photoId: photo.id,
        sha256: photo.sha256,
        capturedAt: photo.capturedAt.toISOString(),
      },
      fingerprints: {
        captured: c.fingerprints.captured,
        missingReason: c.fingerprints.missingReason,
      },
      guardian: c.guardian,
      supplements: c.supplements.map((s) => ({
        code: s.code,
        description: s.description,
        submittedAt: s.submittedAt,
      })),
    };
  }

  productionOrderPayload(c: CaseEntity): Payload<'production.ordered'> {
    if (!c.issue) throw new Error(`case ${c.id} has no issue decision to produce from`);
    return {
      receiptNumber: c.receiptNumber,
      acceptancePoint: c.acceptancePoint,
      applicant: c.applicant,
      issue: c.issue,
      photoId: c.photoId,
    };
  }

  deliveryOrderPayload(c: CaseEntity): Payload<'delivery.ordered'> {
    if (!c.cardSerial) throw new Error(`case ${c.id} has no card serial to deliver`);
    const d = c.delivery;
    return {
      receiptNumber: c.receiptNumber,
      acceptancePoint: c.acceptancePoint,
      cardSerial: c.cardSerial,
      method: d.method,
      applicant: { idNumber: c.applicant.idNumber, name: c.applicant.name },
      proxy: c.proxy,
      postal:
        d.method === 'POST'
          ? { recipient: d.recipient!, address: d.address!, phone: d.phone! }
          : null,
    };
  }

  /** Sends (or re-sends) the case's pending command and records when. */
  async send(
    manager: EntityManager,
    c: CaseEntity,
    command: PendingCommand,
    opts: { causedBy?: Envelope; resend?: boolean; now?: Date; sync?: boolean } = {},
  ): Promise<Envelope> {
    const from = this.messaging.address(c.residenceProvince);
    const common = { caseId: c.id, from, causedBy: opts.causedBy, correlationId: c.id };
    let envelope: Envelope;
    switch (command) {
      case 'review.requested':
        envelope = await this.messaging.outbox.add(manager, {
          ...common,
          type: 'review.requested',
          payload: await this.reviewRequestPayload(manager, c),
          to: { service: Service.VERIFICATION, province: c.hukouProvince },
        });
        break;
      case 'production.ordered':
        envelope = await this.messaging.outbox.add(manager, {
          ...common,
          type: 'production.ordered',
          payload: this.productionOrderPayload(c),
          to: { service: Service.PRODUCTION, province: c.residenceProvince },
        });
        break;
      case 'delivery.ordered':
        envelope = await this.messaging.outbox.add(manager, {
          ...common,
          type: 'delivery.ordered',
          payload: this.deliveryOrderPayload(c),
          to: { service: Service.DELIVERY, province: c.residenceProvince },
        });
        break;
    }
    // A delivery sync after dispatch asks the delivery side to re-announce; nothing is pending.
    if (!opts.sync) c.pendingCommand = command;
    c.lastSentAt = opts.now ?? new Date();
    c.resendCount = opts.resend ? c.resendCount + 1 : 0;
    this.logger.log(
      opts.sync
        ? `re-sent ${command} (delivery sync)`
        : opts.resend
          ? `re-sent ${command}`
          : `sent ${command}`,
      {
        caseId: c.id,
        messageId: envelope.id,
        receipt: c.receiptNumber,
        resendCount: c.resendCount,
      },
    );
    return envelope;
  }

  /** Tells production of the residence province that an approved case was withdrawn. */
  async sendProductionCancelled(
    manager: EntityManager,
    c: CaseEntity,
    reason: string,
  ): Promise<Envelope> {
    return this.messaging.outbox.add(manager, {
      type: 'production.cancelled',
      caseId: c.id,
      correlationId: c.id,
      payload: { reason: reason.slice(0, 200) },
      from: this.messaging.address(c.residenceProvince),
      to: { service: Service.PRODUCTION, province: c.residenceProvince },
    });
  }

  /** A durable timer: a delayed case.timer message to intake of the residence province. */
  async scheduleTimer(
    manager: EntityManager,
    c: CaseEntity,
    kind: TimerKind,
    dueAt: Date,
    now = new Date(),
  ): Promise<Envelope> {
    const address = this.messaging.address(c.residenceProvince);
    return this.messaging.outbox.add(manager, {
      type: 'case.timer',
      caseId: c.id,
      correlationId: c.id,
      payload: { kind, dueAt: dueAt.toISOString() },
      from: address,
      to: address,
      delayMs: Math.min(this.timerLinkMs, Math.max(0, dueAt.getTime() - now.getTime())),
    });
  }
}
