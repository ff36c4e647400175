import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { MessageType, Payload as MessagePayload, Service } from '@app/contracts';
import { todayInChina } from '@app/domain';
import { DeadLetterReason, MessageRefusedError } from '@app/messaging';
import type { Envelope } from '@app/messaging';
import { APP_CONFIG, AppConfig, ServiceMessaging } from '@app/platform';
import { Cancellation } from './cancellation.entity';
import { AttemptOutcome, CardAttempt } from './card-attempt.entity';
import { Card, CardStatus } from './card.entity';
import { formatCardSerial } from './card-serial';
import { inspectAttempt, QualityCheckSettings } from './quality-check';

type Order = Envelope<MessagePayload<'production.ordered'>>;
type CancellationMessage = Envelope<MessagePayload<'production.cancelled'>>;
type Meta = { caseId: string; messageId: string };

/**
 * The production centre of the residence province. Production runs inside the handler's inbox
 * transaction: the card row, every attempt row and every reply to intake commit together with the
 * inbox record of the order, or not at all (a crash mid-way leaves nothing, and the redelivered
 * order starts again from scratch).
 */
@Injectable()
export class ProductionService {
  private readonly logger = new Logger(ProductionService.name);
  private readonly qc: QualityCheckSettings;
  readonly maxAttempts: number;
  /** Random source of the simulated quality check (replaceable in tests). */
  random: () => number = Math.random;

  constructor(
    private readonly messaging: ServiceMessaging,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxAttempts = config.PRODUCTION_MAX_ATTEMPTS;
    this.qc = {
      failureRate: config.PRODUCTION_QC_FAILURE_RATE,
      failFirstN: config.PRODUCTION_QC_FAIL_FIRST_N,
    };
  }

  /**
   * production.ordered: makes the card of the case, once. `raw` is the envelope as signed by intake
   * (the replies quote its hash).
   */
  async handleOrder(manager: EntityManager, order: Order, raw: Envelope): Promise<void> {
    const province = this.checkOrigin(order);
    const meta: Meta = { caseId: order.caseId, messageId: order.id };
    if (order.payload.acceptancePoint.slice(0, 2) !== province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `production.ordered for acceptance point ${order.payload.acceptancePoint}, which is not in province ${province}`,
      );
    }
    await lockCase(manager, order.caseId);

    const existing = await manager.getRepository(Card).findOne({ where: { caseId: order.caseId } });
    if (existing && existing.province !== province) {
      // The card recorded the case's residence province when production first saw the case.
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `this case's card belongs to residence province ${existing.province}, not ${province}`,
      );
    }
    if (existing) {
      await this.reannounce(manager, existing, raw, meta);
      return;
    }
    const cancelled = await manager
      .getRepository(Cancellation)
      .findOne({ where: { caseId: order.caseId } });
    if (cancelled) {
      this.logger.warn('production order for a withdrawn case ignored; nothing produced', {
        ...meta,
        cancellationMessageId: cancelled.messageId,
      });
      return;
    }
    await this.produce(manager, order, raw, province, meta);
  }

  /**
   * production.cancelled: remembered if the card was not made, so a later order is ignored. A
   * card already made (its order was queued before the withdrawal) is VOIDED: it is destroyed,
   * never dispatched (intake has closed the case and ignores this card's announcements).
   */
  async handleCancellation(manager: EntityManager, message: CancellationMessage): Promise<void> {
    const province = this.checkOrigin(message);
    const meta: Meta = { caseId: message.caseId, messageId: message.id };
    await lockCase(manager, message.caseId);
    const card = await manager.getRepository(Card).findOne({ where: { caseId: message.caseId } });
    if (card && card.province !== province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `this case's card belongs to residence province ${card.province}, not ${province}`,
      );
    }
    if (card) {
      if (card.status === CardStatus.PRODUCED) {
        await manager.getRepository(Card).update(
          { id: card.id },
          {
            status: CardStatus.VOIDED,
            voidedAt: new Date(),
            voidReason: message.payload.reason,
            updatedAt: new Date(),
          },
        );
        this.logger.warn(
          `card ${card.serial} was made for a withdrawn case: VOIDED, to be destroyed`,
          meta,
        );
      } else {
        this.logger.warn(
          `cancellation of a case whose card ${card.serial} is ${card.status}; nothing to void`,
          meta,
        );
      }
      return;
    }
    await manager
      .createQueryBuilder()
      .insert()
      .into(Cancellation)
      .values({
        caseId: message.caseId,
        province,
        reason: message.payload.reason,
        messageId: message.id,
        cancelledAt: new Date(),
      })
      .orIgnore()
      .execute();
    this.logger.log('case withdrawn before production: a later order will be ignored', meta);
  }

  /** The sender must be intake of this production centre's own province (the residence side). */
  private checkOrigin(env: Envelope): string {
    const province = env.recipient.province;
    if (env.sender.service !== Service.INTAKE || env.sender.province !== province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `sender ${env.sender.province} (${env.sender.service}) is not the residence intake of this case: ${env.type} comes from intake of ${province}`,
      );
    }
    return province;
  }

  private replier(
    manager: EntityManager,
    province: string,
    to: string,
    raw: Envelope,
    caseId: string,
  ) {
    return <T extends MessageType>(type: T, payload: MessagePayload<T>) =>
      this.messaging.outbox.add(manager, {
        type,
        caseId,
        payload,
        from: this.messaging.address(province),
        parties: { residence: to },
        replyTo: raw,
      });
  }

  private async produce(
    manager: EntityManager,
    order: Order,
    raw: Envelope,
    province: string,
    meta: Meta,
  ): Promise<void> {
    const cards = manager.getRepository(Card);
    const attempts = manager.getRepository(CardAttempt);
    const reply = this.replier(manager, province, order.sender.province, raw, order.caseId);
    const { applicant, issue } = order.payload;

    const [{ seq }] = await manager.query(
      `SELECT nextval('production.card_serial_seq')::text AS seq`,
    );
    const startedAt = new Date();
    const card = cards.create({
      id: randomUUID(),
      caseId: order.caseId,
      province,
      serial: formatCardSerial({ province, date: todayInChina(startedAt), sequence: Number(seq) }),
      status: CardStatus.IN_PRODUCTION,
      receiptNumber: order.payload.receiptNumber,
      acceptancePoint: order.payload.acceptancePoint,
      idNumber: applicant.idNumber,
      name: applicant.name,
      sex: applicant.sex,
      ethnicity: applicant.ethnicity,
      birthDate: applicant.birthDate,
      address: issue.address,
      issuingAuthority: issue.issuingAuthority,
      issuingAuthorityCode: issue.issuingAuthorityCode,
      issueDate: issue.issueDate,
      validFrom: issue.validFrom,
      validUntil: issue.validUntil,
      validityYears: issue.validityYears,
      photoId: order.payload.photoId,
      attempts: 0,
      orderMessageId: order.id,
      correlationId: order.correlationId,
      startedAt,
      producedAt: null,
      failedAt: null,
      updatedAt: startedAt,
    });
    await cards.insert(card);
    await reply('production.started', { attempt: 1, startedAt: startedAt.toISOString() });

    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const attemptStartedAt = attempt === 1 ? startedAt : new Date();
      const result = inspectAttempt(attempt, this.qc, this.random);
      const finishedAt = new Date();
      await attempts.insert({
        cardId: card.id,
        caseId: card.caseId,
        attempt,
        startedAt: attemptStartedAt,
        finishedAt,
        outcome: result.passed ? AttemptOutcome.PASSED : AttemptOutcome.FAILED,
        failureReason: result.passed ? null : result.reason,
      });
      if (result.passed) {
        await cards.update(
          { id: card.id },
          {
            status: CardStatus.PRODUCED,
            attempts: attempt,
            producedAt: finishedAt,
            updatedAt: finishedAt,
          },
        );
        await reply('production.completed', {
          cardSerial: card.serial,
          attempts: attempt,
          producedAt: finishedAt.toISOString(),
        });
        this.logger.log(`card ${card.serial} produced after ${attempt} attempt(s)`, meta);
        return;
      }
      await cards.update({ id: card.id }, { attempts: attempt, updatedAt: finishedAt });
      if (attempt < this.maxAttempts) {
        // A remake follows: intake counts it (PRODUCTION_FAILED, guarded by attempts remaining).
        await reply('production.attempt_failed', {
          attempt,
          reason: result.reason.slice(0, 200),
          failedAt: finishedAt.toISOString(),
        });
        this.logger.warn(
          `card ${card.serial} attempt ${attempt} failed: ${result.reason}; remaking`,
          meta,
        );
      } else {
        // No remake is allowed: nothing more goes to intake (the case stays IN_PRODUCTION there).
        await cards.update({ id: card.id }, { status: CardStatus.FAILED, failedAt: finishedAt });
        this.logger.error(
          `card ${card.serial} failed the quality check on all ${attempt} attempts (last: ${result.reason}); marked FAILED, ops must intervene`,
          meta,
        );
      }
    }
  }

  /** A repeated order (new message, same case): the same card again, never a second one. */
  private async reannounce(
    manager: EntityManager,
    card: Card,
    raw: Envelope,
    meta: Meta,
  ): Promise<void> {
    if (card.status !== CardStatus.PRODUCED) {
      this.logger.error(
        `repeated production order for card ${card.serial}, which is ${card.status}; nothing sent, ops must intervene`,
        meta,
      );
      return;
    }
    const reply = this.replier(manager, card.province, raw.sender.province, raw, card.caseId);
    await reply('production.started', { attempt: 1, startedAt: card.startedAt.toISOString() });
    await reply('production.completed', {
      cardSerial: card.serial,
      attempts: card.attempts,
      producedAt: (card.producedAt as Date).toISOString(),
    });
    this.logger.log(`repeated production order: re-announced card ${card.serial}`, meta);
  }
}

/** Serialises every message of one case (order, cancellation) inside their transactions. */
async function lockCase(manager: EntityManager, caseId: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `production:${caseId}`,
  ]);
}
