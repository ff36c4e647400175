import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { MessageType, Payload as MessagePayload, Service } from '@app/contracts';
import { todayInChina } from '@app/domain';
import { DeadLetterReason, MessageRefusedError } from '@app/messaging';
import type { Envelope, PreparedMessage } from '@app/messaging';
import { entityInsert, entityOfRow, joinWrites, writeWithCommit } from '@app/persistence';
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
    // The messages of one case (order, cancellation) are serialised by the transport's case lock
    // (caseLockKey), taken in the statement that opened this transaction.
    const { card: existing, cancellation, serialNumber } = await readCase(manager, order.caseId);
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
    if (cancellation) {
      this.logger.warn('production order for a withdrawn case ignored; nothing produced', {
        ...meta,
        cancellationMessageId: cancellation.messageId,
      });
      return;
    }
    if (serialNumber === null) throw new Error('no card serial number was taken for a new card');
    await this.produce(manager, order, raw, province, serialNumber, meta);
  }

  /**
   * production.cancelled: remembered if the card was not made, so a later order is ignored. A
   * card already made (its order was queued before the withdrawal) is VOIDED: it is destroyed,
   * never dispatched (intake has closed the case and ignores this card's announcements).
   */
  async handleCancellation(manager: EntityManager, message: CancellationMessage): Promise<void> {
    const province = this.checkOrigin(message);
    const meta: Meta = { caseId: message.caseId, messageId: message.id };
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

  /** Builds the replies to `raw` (sealed and signed); the caller writes them to the outbox. */
  private replier(province: string, to: string, raw: Envelope, caseId: string) {
    return <T extends MessageType>(type: T, payload: MessagePayload<T>): PreparedMessage =>
      this.messaging.outbox.prepare({
        type,
        caseId,
        payload,
        from: this.messaging.address(province),
        parties: { residence: to },
        replyTo: raw,
      });
  }

  /**
   * Makes the card: every attempt and its quality check first, in memory, then the card (in its
   * final state: PRODUCED, or FAILED after the last allowed attempt), its attempts and the replies
   * to intake (started, one attempt_failed per remake, completed) in ONE statement: a round trip to
   * the database costs more CPU than these small writes.
   */
  private async produce(
    manager: EntityManager,
    order: Order,
    raw: Envelope,
    province: string,
    serialNumber: number,
    meta: Meta,
  ): Promise<void> {
    const reply = this.replier(province, order.sender.province, raw, order.caseId);
    const { applicant, issue } = order.payload;

    const startedAt = new Date();
    const card = manager.getRepository(Card).create({
      id: randomUUID(),
      caseId: order.caseId,
      province,
      serial: formatCardSerial({ province, date: todayInChina(startedAt), sequence: serialNumber }),
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
    const replies = [
      reply('production.started', { attempt: 1, startedAt: startedAt.toISOString() }),
    ];
    const attempts: Omit<CardAttempt, 'id'>[] = [];
    let lastFailure = '';

    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const attemptStartedAt = attempt === 1 ? startedAt : new Date();
      const result = inspectAttempt(attempt, this.qc, this.random);
      const finishedAt = new Date();
      attempts.push({
        cardId: card.id,
        caseId: card.caseId,
        attempt,
        startedAt: attemptStartedAt,
        finishedAt,
        outcome: result.passed ? AttemptOutcome.PASSED : AttemptOutcome.FAILED,
        failureReason: result.passed ? null : result.reason,
      });
      card.attempts = attempt;
      card.updatedAt = finishedAt;
      if (result.passed) {
        card.status = CardStatus.PRODUCED;
        card.producedAt = finishedAt;
        replies.push(
          reply('production.completed', {
            cardSerial: card.serial,
            attempts: attempt,
            producedAt: finishedAt.toISOString(),
          }),
        );
        break;
      }
      lastFailure = result.reason;
      if (attempt < this.maxAttempts) {
        // A remake follows: intake counts it (PRODUCTION_FAILED, guarded by attempts remaining).
        replies.push(
          reply('production.attempt_failed', {
            attempt,
            reason: result.reason.slice(0, 200),
            failedAt: finishedAt.toISOString(),
          }),
        );
        this.logger.warn(
          `card ${card.serial} attempt ${attempt} failed: ${result.reason}; remaking`,
          meta,
        );
      } else {
        // No remake is allowed: nothing more goes to intake (the case stays IN_PRODUCTION there).
        card.status = CardStatus.FAILED;
        card.failedAt = finishedAt;
      }
    }

    const outbox = this.messaging.outbox;
    // The attempts reference the card: the foreign key is checked at the end of the statement.
    const { sql, params } = joinWrites([
      entityInsert(manager, Card, card),
      entityInsert(manager, CardAttempt, attempts),
      outbox.insertOf(replies),
    ]);
    // The last statement of the order's transaction: it goes with the COMMIT.
    await writeWithCommit(manager, { sql, params });
    outbox.written(manager, replies);

    if (card.status === CardStatus.PRODUCED) {
      this.logger.log(`card ${card.serial} produced after ${card.attempts} attempt(s)`, meta);
    } else {
      this.logger.error(
        `card ${card.serial} failed the quality check on all ${card.attempts} attempts (last: ${lastFailure}); marked FAILED, ops must intervene`,
        meta,
      );
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
    const reply = this.replier(card.province, raw.sender.province, raw, card.caseId);
    // Both replies in one INSERT (one round trip).
    await this.messaging.outbox.write(manager, [
      reply('production.started', { attempt: 1, startedAt: card.startedAt.toISOString() }),
      reply('production.completed', {
        cardSerial: card.serial,
        attempts: card.attempts,
        producedAt: (card.producedAt as Date).toISOString(),
      }),
    ]);
    this.logger.log(`repeated production order: re-announced card ${card.serial}`, meta);
  }
}

/**
 * What an order finds once the case is locked, in one query (a round trip costs more CPU than the
 * small reads): the case's card, its cancellation, and, only when there is neither (the order will
 * make the card), the next card serial number; a repeated or ignored order takes no number.
 */
async function readCase(
  manager: EntityManager,
  caseId: string,
): Promise<{
  card: Card | null;
  cancellation: { messageId: string } | null;
  serialNumber: number | null;
}> {
  const [row]: Record<string, unknown>[] = await manager.query(
    `SELECT card.*, cancellation.message_id AS cancellation_message_id,
            CASE WHEN card.id IS NULL AND cancellation.case_id IS NULL
                 THEN nextval('production.card_serial_seq')::text END AS serial_number
       FROM (SELECT 1) AS one
       LEFT JOIN production.cards AS card ON card.case_id = $1
       LEFT JOIN production.cancellations AS cancellation ON cancellation.case_id = $1`,
    [caseId],
  );
  return {
    card: row.id === null ? null : entityOfRow(manager, Card, row),
    cancellation:
      row.cancellation_message_id === null
        ? null
        : { messageId: row.cancellation_message_id as string },
    serialNumber: row.serial_number === null ? null : Number(row.serial_number),
  };
}
