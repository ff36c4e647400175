import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Payload, Service } from '@app/contracts';
import { Envelope, envelopeHash, PreparedMessage } from '@app/messaging';
import { joinWrites, SqlWrite } from '@app/persistence';
import { APP_CONFIG, AppConfig, ServiceMessaging } from '@app/platform';
import { CaseEntity, idCardParts, newbornPart, PendingCommand } from './case.entity';
import { partiesOf } from './case-parties';

/** What the case sends: its awaited commands and the withdrawal notices (production, hukou side). */
export type SentCommand =
  PendingCommand | 'production.cancelled' | 'review.withdrawn' | 'registration.withdrawn';
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
    known?: PhotoEntity,
  ): Promise<Payload<'review.requested'>> {
    const { photoId, fingerprints } = idCardParts(c);
    const photo =
      known?.id === photoId ? known : await manager.findOneByOrFail(PhotoEntity, { id: photoId });
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
        captured: fingerprints.captured,
        missingReason: fingerprints.missingReason,
      },
      guardian: c.guardian,
      supplements: c.supplements.map((s) => ({
        code: s.code,
        description: s.description,
        submittedAt: s.submittedAt,
      })),
    };
  }

  /** A newborn registration's request to the hukou side, from the case record alone. */
  registrationRequestPayload(c: CaseEntity): Payload<'registration.requested'> {
    const n = newbornPart(c);
    return {
      receiptNumber: c.receiptNumber,
      acceptancePoint: c.acceptancePoint,
      residenceProvince: c.residenceProvince,
      round: c.reviewRound,
      child: n.child,
      birthCertificateNumber: n.birthCertificateNumber,
      parent: n.parent,
      otherParent: n.otherParent,
      marriage: n.marriage,
      hukou: { addressCode: c.hukouCode, address: c.hukouAddress },
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
      photoId: idCardParts(c).photoId,
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

  /**
   * Sends (or re-sends) a command of the case. An awaited command (review, production and delivery
   * orders) becomes the case's pending command, re-sent by the reconciler until answered, and is
   * remembered with its hash: only a reply quoting one of them is accepted. `production.cancelled`
   * and the withdrawal notices to the hukou side are notices: nothing waits for them. With
   * `batch`, the writes join the batch (written by `flush`); without, they are written now.
   */
  async send(
    manager: EntityManager,
    c: CaseEntity,
    command: SentCommand,
    opts: { causedBy?: Envelope; resend?: boolean; now?: Date; sync?: boolean } = {},
    batch?: CommandBatch,
  ): Promise<Envelope> {
    const own = batch ?? new CommandBatch();
    const envelope = await this.prepare(manager, c, command, opts, own);
    if (!batch) await this.flush(manager, own);
    return envelope;
  }

  private async prepare(
    manager: EntityManager,
    c: CaseEntity,
    command: SentCommand,
    opts: { causedBy?: Envelope; resend?: boolean; now?: Date; sync?: boolean },
    batch: CommandBatch,
  ): Promise<Envelope> {
    const from = this.messaging.address(c.residenceProvince);
    const common = {
      caseId: c.id,
      from,
      parties: partiesOf(c),
      causedBy: opts.causedBy,
      correlationId: c.id,
    };
    const outbox = this.messaging.outbox;
    let message: PreparedMessage;
    switch (command) {
      case 'review.requested':
        message = outbox.prepare({
          ...common,
          type: 'review.requested',
          payload: await this.reviewRequestPayload(manager, c, batch.photo),
          to: { service: Service.VERIFICATION, province: c.hukouProvince },
        });
        break;
      case 'registration.requested':
        message = outbox.prepare({
          ...common,
          type: 'registration.requested',
          payload: this.registrationRequestPayload(c),
          to: { service: Service.VERIFICATION, province: c.hukouProvince },
        });
        break;
      case 'production.ordered':
        message = outbox.prepare({
          ...common,
          type: 'production.ordered',
          payload: this.productionOrderPayload(c),
          to: { service: Service.PRODUCTION, province: c.residenceProvince },
        });
        break;
      case 'delivery.ordered':
        message = outbox.prepare({
          ...common,
          type: 'delivery.ordered',
          payload: this.deliveryOrderPayload(c),
          to: { service: Service.DELIVERY, province: c.residenceProvince },
        });
        break;
      case 'production.cancelled':
        message = outbox.prepare({
          ...common,
          type: 'production.cancelled',
          payload: { reason: (c.cancelReason ?? '').slice(0, 200) },
          to: { service: Service.PRODUCTION, province: c.residenceProvince },
        });
        batch.messages.push(message);
        return message.envelope;
      case 'review.withdrawn':
      case 'registration.withdrawn':
        // To the hukou side that reviews the case: it releases its claim on the person and
        // decides no later round.
        message = outbox.prepare({
          ...common,
          type: command,
          payload: {
            residenceProvince: c.residenceProvince,
            round: c.reviewRound,
            withdrawnAt: (opts.now ?? new Date()).toISOString(),
          },
          to: { service: Service.VERIFICATION, province: c.hukouProvince },
        });
        batch.messages.push(message);
        return message.envelope;
    }
    const { envelope } = message;
    batch.messages.push(message);
    batch.requests.push([
      envelope.id,
      c.id,
      command,
      command === 'review.requested' || command === 'registration.requested' ? c.reviewRound : null,
      envelopeHash(envelope),
    ]);
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

  /**
   * A durable timer: a delayed case.timer message to intake of the residence province. Its job id
   * (the message id) is recorded on the case (`timerJobs`), so it can be withdrawn once the case no
   * longer waits for the deadline; the reminder it replaces is withdrawn then, unless it is the
   * timer being handled (`handling`: a worker holds it, and it completes by itself). In a batch,
   * the case's own write carries the record; alone (the next link of a chain), the case's column is
   * updated with the outbox row, in one statement.
   */
  async scheduleTimer(
    manager: EntityManager,
    c: CaseEntity,
    kind: TimerKind,
    dueAt: Date,
    opts: { now?: Date; batch?: CommandBatch; handling?: string } = {},
  ): Promise<Envelope> {
    const { now = new Date(), batch } = opts;
    const address = this.messaging.address(c.residenceProvince);
    const message = this.messaging.outbox.prepare({
      type: 'case.timer',
      caseId: c.id,
      correlationId: c.id,
      payload: { kind, dueAt: dueAt.toISOString() },
      from: address,
      parties: partiesOf(c),
      delayMs: Math.min(this.timerLinkMs, Math.max(0, dueAt.getTime() - now.getTime())),
    });
    const replaced = c.timerJobs?.[kind];
    if (replaced && replaced !== opts.handling) this.withdrawTimers(manager, c, [replaced]);
    c.timerJobs = { ...c.timerJobs, [kind]: message.envelope.id };
    if (batch) {
      batch.messages.push(message);
    } else {
      const { sql, params } = joinWrites([
        this.messaging.outbox.insertOf([message]),
        {
          sql: `UPDATE intake.cases SET timer_jobs = $1 WHERE id = $2`,
          params: [JSON.stringify(c.timerJobs), c.id],
        },
      ]);
      await manager.query(sql, params);
      this.messaging.outbox.written(manager, [message]);
    }
    return message.envelope;
  }

  /**
   * Withdraws reminders (timer jobs) the case no longer waits for, once the transaction commits:
   * they would otherwise wait in Redis for days and then be handled only to be ignored.
   */
  withdrawTimers(manager: EntityManager, c: CaseEntity, jobIds: readonly string[]): void {
    const recipient = this.messaging.address(c.residenceProvince);
    this.messaging.outbox.withdrawAfterCommit(
      manager,
      jobIds.map((jobId) => ({ recipient, jobId })),
    );
    if (jobIds.length) {
      this.logger.debug(`withdrawing ${jobIds.length} reminder(s) the case no longer waits for`, {
        caseId: c.id,
        receipt: c.receiptNumber,
      });
    }
  }

  /** Writes a batch: its outbox rows and the awaited commands' hashes, in one statement. */
  async flush(manager: EntityManager, batch: CommandBatch): Promise<void> {
    const writes = this.writesOf(batch);
    if (writes.length === 0) return;
    const { sql, params } = joinWrites(writes);
    await manager.query(sql, params);
    this.written(manager, batch);
  }

  /** The batch's INSERTs (outbox rows, awaited commands), to join to the caller's statement. */
  writesOf(batch: CommandBatch): SqlWrite[] {
    const writes: SqlWrite[] = [];
    if (batch.messages.length) writes.push(this.messaging.outbox.insertOf(batch.messages));
    if (batch.requests.length) {
      const values = batch.requests.map(
        (_, i) => `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`,
      );
      writes.push({
        sql: `INSERT INTO intake.case_requests (message_id, case_id, type, round, hash) VALUES ${values.join(', ')}`,
        params: batch.requests.flat(),
      });
    }
    return writes;
  }

  /** After the batch's writes ran (or were queued for the COMMIT): published once it commits. */
  written(manager: EntityManager, batch: CommandBatch): void {
    if (batch.messages.length) this.messaging.outbox.written(manager, batch.messages);
  }
}

/**
 * What one transition sends (commands, notices, timers), written together by
 * `CaseCommandsService.flush` at the end of the transition.
 */
export class CommandBatch {
  /** The case's photo when the caller already read it in this transaction (intake). */
  constructor(readonly photo?: PhotoEntity) {}
  readonly messages: PreparedMessage[] = [];
  /** message_id, case_id, type, round, hash of each awaited command. */
  readonly requests: unknown[][] = [];
}
