import {
  ConflictException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Payload as MessagePayload, Service } from '@app/contracts';
import { DeadLetterReason, Envelope, MessageRefusedError, PreparedMessage } from '@app/messaging';
import {
  entityInsert,
  entityOfRow,
  entityUpdate,
  joinWrites,
  OpeningRead,
  SqlWrite,
  takeOpened,
  writeWithCommit,
} from '@app/persistence';
import { APP_CONFIG, AppConfig, Caller, CallerRole, ServiceMessaging } from '@app/platform';
import { checkCollector, checkReceipt, CheckRefusal } from './collector-check';
import {
  Announcement,
  announcementsFor,
  decideArrival,
  decideCollection,
  Decision,
  decidePostalDelivery,
  decidePostalReturn,
} from './delivery-rules';
import { DeliveryEvent } from './delivery-event.entity';
import { Delivery, DeliveryStatus } from './delivery.entity';
import { CollectedDto } from './dto/collected.dto';
import { CourierCallbackDto } from './dto/courier-callback.dto';
import { DeliveryView } from './dto/delivery-view.dto';
import { Notification } from './notification.entity';
import { generatePickupCode, hashPickupCode, pickupCodeMatches } from './pickup-code';
import { afterRightSecret, afterWrongSecret, secretGate, SecretGuardRules } from './secret-guard';
import { formatTrackingNumber } from './tracking-number';

type Order = Envelope<MessagePayload<'delivery.ordered'>>;
type Meta = { caseId: string; messageId?: string };
/** A row of the audit trail, but for the delivery it belongs to and the message it sent. */
type AuditEntry = { event: string; fromStatus: string | null; actor: string; at: Date };

/** A case's delivery, as delivery.ordered reads it first. */
function deliveryReadOf(caseId: string): OpeningRead {
  return {
    key: `delivery.deliveries:${caseId}`,
    sql: `SELECT d.* FROM delivery.deliveries d WHERE d.case_id = $1`,
    params: [caseId],
  };
}

/**
 * What delivery's handler reads first for a message (see HostedService.openingRead), sent with the
 * message's opening: the case's delivery, for delivery.ordered.
 */
export function deliveryOpeningRead(envelope: Envelope): OpeningRead | undefined {
  return envelope.type === 'delivery.ordered' ? deliveryReadOf(envelope.caseId) : undefined;
}

/** Who may do what: clerks at their own point, couriers (role delivery) and ops in their province. */
const CLERK_ROLES: readonly CallerRole[] = ['clerk'];
const READER_ROLES: readonly CallerRole[] = ['clerk', 'ops', 'auditor'];
const COURIER_ROLES: readonly CallerRole[] = ['delivery'];

/**
 * The residence province's delivery service: window and postal delivery, collection. Every state
 * change of a delivery commits in one transaction with its audit row and its message to intake.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    private readonly messaging: ServiceMessaging,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ── messages ─────────────────────────────────────────────────────────────────────────────────

  /** delivery.ordered: one delivery per case, dispatched at once (to the point, or by post). */
  async handleOrder(manager: EntityManager, order: Order, raw: Envelope): Promise<void> {
    const province = order.recipient.province;
    const meta: Meta = { caseId: order.caseId, messageId: order.id };
    // The residence side of a case orders its delivery: intake of this delivery service's province.
    if (order.sender.service !== Service.INTAKE || order.sender.province !== province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `sender ${order.sender.province} (${order.sender.service}) is not the residence intake of this case: delivery.ordered comes from intake of ${province}`,
      );
    }
    const { payload } = order;
    if (payload.acceptancePoint.slice(0, 2) !== province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `delivery.ordered for acceptance point ${payload.acceptancePoint}, which is not in province ${province}`,
      );
    }
    if (payload.method === 'POST' && !payload.postal) {
      throw new Error('delivery.ordered with method POST carries no postal recipient and address');
    }
    // Repeated orders of one case are serialised by the transport's case lock (caseLockKey), taken
    // in the statement that opened this transaction.

    const deliveries = manager.getRepository(Delivery);
    // The case's delivery, if it has one: read with the message's opening (deliveryOpeningRead).
    const read = deliveryReadOf(order.caseId);
    const [row] = (takeOpened(manager, read.key) ??
      (await manager.query(read.sql, read.params))) as Record<string, unknown>[];
    const existing = row ? entityOfRow(manager, Delivery, row) : null;
    // The delivery recorded the case's residence province when it first saw the case.
    if (existing && existing.province !== province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `this case's delivery belongs to residence province ${existing.province}, not ${province}`,
      );
    }
    if (existing) {
      // Everything intake was told, again, in one outbox INSERT (rows in the order they happened).
      await this.messaging.outbox.write(
        manager,
        announcementsFor(existing).map((a) => this.prepare(existing, a, { replyTo: raw })),
      );
      this.logger.log(
        `repeated delivery order: re-announced delivery (${existing.status}), nothing re-dispatched`,
        meta,
      );
      return;
    }

    const now = new Date();
    const postal = payload.method === 'POST' ? payload.postal : null;
    let trackingNumber: string | null = null;
    let pickupCode: string | null = null;
    if (postal) {
      const [{ seq }] = await manager.query(
        `SELECT nextval('delivery.tracking_serial_seq')::text AS seq`,
      );
      trackingNumber = formatTrackingNumber(Number(seq));
      pickupCode = generatePickupCode();
    }
    const delivery = deliveries.create({
      id: randomUUID(),
      caseId: order.caseId,
      province,
      receiptNumber: payload.receiptNumber,
      acceptancePoint: payload.acceptancePoint,
      cardSerial: payload.cardSerial,
      method: payload.method,
      status: DeliveryStatus.DISPATCHED,
      applicantName: payload.applicant.name,
      applicantIdNumber: payload.applicant.idNumber,
      proxyName: payload.proxy?.name ?? null,
      proxyIdNumber: payload.proxy?.idNumber ?? null,
      postalRecipient: postal?.recipient ?? null,
      postalAddress: postal?.address ?? null,
      postalPhone: postal?.phone ?? null,
      trackingNumber,
      pickupCodeHash: pickupCode ? hashPickupCode(pickupCode) : null,
      dispatchedAt: now,
      returnedAt: null,
      returnReason: null,
      readyAt: null,
      completedAt: null,
      completedMethod: null,
      collectedBy: null,
      orderMessageId: order.id,
      correlationId: order.correlationId,
      createdAt: now,
      updatedAt: now,
    });
    const pickupCodeSms =
      postal && pickupCode && trackingNumber
        ? entityInsert(manager, Notification, {
            deliveryId: delivery.id,
            caseId: delivery.caseId,
            channel: 'SMS',
            kind: 'PICKUP_CODE',
            recipient: postal.phone,
            body: `您的居民身份证已交邮政寄递，运单号 ${trackingNumber}，签收时请向投递员出示取件码 ${pickupCode}。`,
            createdAt: now,
            sentAt: null,
          } as Notification)
        : null;
    await this.record(
      manager,
      delivery,
      entityInsert(manager, Delivery, delivery),
      {
        type: 'delivery.dispatched',
        payload: { method: delivery.method, trackingNumber, dispatchedAt: now.toISOString() },
      },
      { replyTo: raw },
      { event: 'DISPATCHED', fromStatus: null, actor: `message:${order.id}`, at: now },
      pickupCodeSms ? [pickupCodeSms] : [],
    );
    this.logger.log(
      postal
        ? `card ${delivery.cardSerial} dispatched by post, tracking ${trackingNumber}`
        : `card ${delivery.cardSerial} dispatched to acceptance point ${delivery.acceptancePoint}`,
      meta,
    );
  }

  // ── HTTP ─────────────────────────────────────────────────────────────────────────────────────

  async get(caseId: string, caller: Caller): Promise<DeliveryView> {
    requireRole(caller, READER_ROLES, 'read deliveries');
    const delivery = await this.load(this.dataSource.manager, caseId, caller, false);
    return this.view(delivery);
  }

  /** The card arrived at the acceptance point (WINDOW, or a returned POST delivery). */
  async arrived(caseId: string, caller: Caller): Promise<DeliveryView> {
    requireRole(caller, CLERK_ROLES, 'record arrivals');
    return this.dataSource.transaction(async (manager) => {
      const delivery = await this.load(manager, caseId, caller, true);
      if (!proceed(decideArrival(delivery))) return this.view(delivery);
      const now = new Date();
      const messageId = await this.transition(
        manager,
        delivery,
        { status: DeliveryStatus.READY_FOR_PICKUP, readyAt: now },
        { type: 'delivery.arrived', payload: { arrivedAt: now.toISOString() } },
        'ARRIVED',
        caller.subject,
        now,
      );
      this.logger.log('card arrived at the acceptance point, ready for pickup', {
        caseId,
        messageId,
      });
      return this.view(delivery);
    });
  }

  /** Handed over at the window, after the receipt number and the collector are checked. */
  async collected(caseId: string, caller: Caller, body: CollectedDto): Promise<DeliveryView> {
    requireRole(caller, CLERK_ROLES, 'hand over cards');
    return this.committingRefusals(async (manager) => {
      const delivery = await this.load(manager, caseId, caller, true);
      const decision = decideCollection(delivery);
      if (decision.kind === 'conflict') throw conflict(decision.message);
      const now = new Date();
      const refused = await this.presentSecret(
        manager,
        delivery,
        caller,
        now,
        checkReceipt(delivery, body.receiptNumber),
      );
      if (refused) return refused;
      const collector = checkCollector(
        {
          receiptNumber: delivery.receiptNumber,
          applicantIdNumber: delivery.applicantIdNumber,
          proxy:
            delivery.proxyName && delivery.proxyIdNumber
              ? { name: delivery.proxyName, idNumber: delivery.proxyIdNumber }
              : null,
        },
        body.collector,
      );
      if (!collector.ok) throw unprocessable(collector);
      if (decision.kind === 'already') return this.view(delivery);
      const messageId = await this.transition(
        manager,
        delivery,
        {
          status: DeliveryStatus.DELIVERED,
          completedAt: now,
          completedMethod: 'WINDOW',
          collectedBy: collector.collectedBy,
        },
        {
          type: 'delivery.completed',
          payload: {
            method: 'WINDOW',
            collectedBy: collector.collectedBy,
            completedAt: now.toISOString(),
          },
        },
        'COLLECTED',
        caller.subject,
        now,
      );
      this.logger.log(
        `card collected at the window by the ${collector.collectedBy.toLowerCase()}`,
        { caseId, messageId },
      );
      return this.view(delivery);
    });
  }

  /** The courier's status callback for a postal delivery: DELIVERED (with pickup code) or RETURNED. */
  async courier(caseId: string, caller: Caller, body: CourierCallbackDto): Promise<DeliveryView> {
    requireRole(caller, COURIER_ROLES, 'report postal delivery status');
    return this.committingRefusals(async (manager) => {
      const delivery = await this.load(manager, caseId, caller, true);
      const now = new Date();
      if (body.event === 'DELIVERED') {
        const decision = decidePostalDelivery(delivery);
        if (decision.kind === 'conflict') throw conflict(decision.message);
        const refused = await this.presentSecret(
          manager,
          delivery,
          caller,
          now,
          pickupCodeMatches(body.pickupCode, delivery.pickupCodeHash)
            ? { ok: true }
            : {
                ok: false,
                field: 'pickupCode',
                rule: 'pickupCode.mismatch',
                message: 'pickupCode does not match the code given to the addressee',
              },
        );
        if (refused) return refused;
        if (decision.kind === 'already') return this.view(delivery);
        const messageId = await this.transition(
          manager,
          delivery,
          {
            status: DeliveryStatus.DELIVERED,
            completedAt: now,
            completedMethod: 'POST',
            collectedBy: 'ADDRESSEE',
          },
          {
            type: 'delivery.completed',
            payload: { method: 'POST', collectedBy: 'ADDRESSEE', completedAt: now.toISOString() },
          },
          'DELIVERED_BY_POST',
          caller.subject,
          now,
        );
        this.logger.log('card delivered to the addressee by post', { caseId, messageId });
      } else {
        if (!proceed(decidePostalReturn(delivery))) return this.view(delivery);
        const reason = body.reason ?? '';
        const messageId = await this.transition(
          manager,
          delivery,
          { status: DeliveryStatus.RETURNED, returnedAt: now, returnReason: reason },
          { type: 'delivery.returned', payload: { reason, returnedAt: now.toISOString() } },
          'RETURNED',
          caller.subject,
          now,
        );
        this.logger.log('postal delivery returned; the card goes to the acceptance point', {
          caseId,
          messageId,
        });
      }
      return this.view(delivery);
    });
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `work` in a transaction; a refusal it returns (instead of throwing) is thrown after the
   * commit, so what the refusal recorded (a wrong secret, a lock) stays in the audit trail.
   */
  private async committingRefusals(
    work: (manager: EntityManager) => Promise<DeliveryView | HttpException>,
  ): Promise<DeliveryView> {
    const result = await this.dataSource.transaction(work);
    if (result instanceof HttpException) throw result;
    return result;
  }

  /**
   * A receipt number or pickup code presented for this (locked) delivery: refused with 429 while
   * the delivery is locked after too many wrong ones; a wrong one is counted and audited (and locks
   * the delivery at the limit); the right one resets the count. Returns the refusal, or null.
   */
  private async presentSecret(
    manager: EntityManager,
    delivery: Delivery,
    caller: Caller,
    now: Date,
    check: { ok: true } | CheckRefusal,
  ): Promise<HttpException | null> {
    const gate = secretGate(delivery, now);
    if (!gate.open) {
      await this.audit(
        manager,
        delivery,
        'SECRET_REFUSED_LOCKED',
        delivery.status,
        caller.subject,
        null,
        now,
      );
      const message = `too many wrong receipt numbers or pickup codes for this delivery: try again in ${gate.retryAfterSeconds} s`;
      return new HttpException(
        {
          error: 'Too Many Requests',
          message,
          details: [{ field: 'caseId', rule: 'delivery.secretLocked', message }],
          retryAfterSeconds: gate.retryAfterSeconds,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (check.ok) {
      if (delivery.secretFailures > 0 || delivery.secretLockedUntil) {
        const reset = afterRightSecret();
        Object.assign(delivery, reset);
        await manager.getRepository(Delivery).update({ id: delivery.id }, reset);
      }
      return null;
    }
    const next = afterWrongSecret(delivery, now, this.secretRules);
    const change = {
      secretFailures: next.secretFailures,
      secretLockedUntil: next.secretLockedUntil,
    };
    Object.assign(delivery, change);
    await manager.getRepository(Delivery).update({ id: delivery.id }, change);
    const event = check.field === 'pickupCode' ? 'PICKUP_CODE_WRONG' : 'RECEIPT_NUMBER_WRONG';
    await this.audit(manager, delivery, event, delivery.status, caller.subject, null, now);
    if (next.locked) {
      await this.audit(
        manager,
        delivery,
        'SECRET_LOCKED',
        delivery.status,
        caller.subject,
        null,
        now,
      );
      this.logger.warn('delivery locked after too many wrong receipt numbers or pickup codes', {
        caseId: delivery.caseId,
        failures: next.secretFailures,
        lockedUntil: next.secretLockedUntil?.toISOString(),
      });
    }
    return unprocessable(check);
  }

  private get secretRules(): SecretGuardRules {
    return {
      maxFailures: this.config.DELIVERY_SECRET_MAX_FAILURES,
      lockoutMs: this.config.DELIVERY_SECRET_LOCKOUT_MS,
    };
  }

  /** The delivery, if the caller may see it: 404 for another point's clerk or another province. */
  private async load(
    manager: EntityManager,
    caseId: string,
    caller: Caller,
    lock: boolean,
  ): Promise<Delivery> {
    const delivery = await manager.getRepository(Delivery).findOne({
      where: { caseId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    const visible =
      delivery &&
      (caller.role === 'clerk'
        ? delivery.acceptancePoint === caller.acceptancePoint
        : delivery.province === caller.province);
    if (!delivery || !visible) {
      throw new NotFoundException({
        error: 'Not Found',
        message:
          caller.role === 'clerk'
            ? `no delivery for case ${caseId} at acceptance point ${caller.acceptancePoint}`
            : `no delivery for case ${caseId} in province ${caller.province}`,
      });
    }
    return delivery;
  }

  /** Applies a change, commits its message to the outbox and its audit row, all in `manager`'s transaction. */
  private transition(
    manager: EntityManager,
    delivery: Delivery,
    change: Partial<Delivery>,
    announcement: Announcement,
    event: string,
    actor: string,
    now: Date,
  ): Promise<string> {
    const fromStatus = delivery.status;
    Object.assign(delivery, change, { updatedAt: now });
    const update = entityUpdate(manager, Delivery, { ...change, updatedAt: now }, delivery.id);
    const entry = { event, fromStatus, actor, at: now };
    return this.record(manager, delivery, update, announcement, {}, entry);
  }

  /**
   * A state change of a delivery: its row's write (`write`, the INSERT of a new delivery or the
   * UPDATE of one), its message to intake in the outbox, its audit row and any `also` writes, sent
   * as ONE statement (see joinWrites): a round trip to the database costs more CPU than these small
   * writes. None of them reads another; the foreign keys to the delivery are checked at the end of
   * the statement, when a new delivery's row is there. Returns the message's id.
   */
  private async record(
    manager: EntityManager,
    delivery: Delivery,
    write: SqlWrite,
    announcement: Announcement,
    link: { replyTo?: Envelope },
    entry: AuditEntry,
    also: readonly SqlWrite[] = [],
  ): Promise<string> {
    const message = this.prepare(delivery, announcement, link);
    const statement = joinWrites([
      write,
      this.messaging.outbox.insertOf([message]),
      this.auditInsert(manager, delivery, entry, message.envelope.id),
      ...also,
    ]);
    // The last statement of its transaction: with a message's, it goes with the COMMIT.
    await writeWithCommit(manager, statement);
    this.messaging.outbox.written(manager, [message]);
    return message.envelope.id;
  }

  /** A message to intake about this delivery, built and signed, not yet written. */
  private prepare(
    delivery: Delivery,
    { type, payload }: Announcement,
    link: { replyTo?: Envelope },
  ): PreparedMessage {
    return this.messaging.outbox.prepare({
      type,
      caseId: delivery.caseId,
      payload,
      from: this.messaging.address(delivery.province),
      parties: { residence: delivery.province },
      correlationId: delivery.correlationId,
      ...link,
    });
  }

  private async audit(
    manager: EntityManager,
    delivery: Delivery,
    event: string,
    fromStatus: string | null,
    actor: string,
    messageId: string | null,
    at: Date,
  ): Promise<void> {
    const entry = { event, fromStatus, actor, at };
    const { sql, params } = this.auditInsert(manager, delivery, entry, messageId);
    await manager.query(sql, params);
  }

  /** The audit row of a change of `delivery` (already changed: its status is the new one). */
  private auditInsert(
    manager: EntityManager,
    delivery: Delivery,
    { event, fromStatus, actor, at }: AuditEntry,
    messageId: string | null,
  ): SqlWrite {
    return entityInsert(manager, DeliveryEvent, {
      deliveryId: delivery.id,
      caseId: delivery.caseId,
      event,
      fromStatus,
      toStatus: delivery.status,
      actor,
      messageId,
      at,
    } as DeliveryEvent);
  }

  private view(d: Delivery): DeliveryView {
    const iso = (date: Date | null) => date?.toISOString() ?? null;
    const reminderDue =
      d.status === DeliveryStatus.READY_FOR_PICKUP && d.readyAt
        ? new Date(d.readyAt.getTime() + this.config.PICKUP_REMINDER_MS)
        : null;
    return {
      caseId: d.caseId,
      acceptancePoint: d.acceptancePoint,
      cardSerial: d.cardSerial,
      method: d.method,
      status: d.status,
      trackingNumber: d.trackingNumber,
      postalReturned: d.returnedAt !== null,
      returnReason: d.returnReason,
      proxyNamed: d.proxyName !== null,
      dispatchedAt: d.dispatchedAt.toISOString(),
      returnedAt: iso(d.returnedAt),
      readyAt: iso(d.readyAt),
      pickupReminderDueAt: iso(reminderDue),
      completedAt: iso(d.completedAt),
      completedMethod: d.completedMethod,
      collectedBy: d.collectedBy,
    };
  }
}

function requireRole(caller: Caller, roles: readonly CallerRole[], what: string): void {
  if (!roles.includes(caller.role)) {
    throw new ForbiddenException({
      error: 'Forbidden',
      message: `role ${caller.role} may not ${what} (allowed: ${roles.join(', ')})`,
    });
  }
}

/** true: apply the change; false: already recorded, answer with the current state. */
function proceed(decision: Decision): boolean {
  if (decision.kind === 'conflict') throw conflict(decision.message);
  return decision.kind === 'apply';
}

function conflict(message: string): ConflictException {
  return new ConflictException({
    error: 'Conflict',
    message,
    details: [{ field: 'status', rule: 'delivery.state', message }],
  });
}

function unprocessable(refusal: Omit<CheckRefusal, 'ok'>): UnprocessableEntityException {
  return new UnprocessableEntityException({
    error: 'Unprocessable Entity',
    message: refusal.message,
    details: [{ field: refusal.field, rule: refusal.rule, message: refusal.message }],
  });
}
