import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { checkNewbornApplication, parseCitizenId, todayInChina } from '@app/domain';
import { Caller, ServiceMessaging } from '@app/platform';
import { CaseKind, NewbornEvent, NewbornStatus, Side } from '@app/workflow';
import { checkDelivery, checkHukou, routeProblem } from '../applications/application-rules';
import { IdempotencyKeyEntity } from '../applications/idempotency-key.entity';
import { compareStored, idempotencyKeyProblem, requestHash } from '../applications/idempotency';
import { formatReceiptNumber } from '../applications/receipt-number';
import { CaseEntity, newbornPart, SubmittedSupplement } from '../case/case.entity';
import { CaseEventRequest, CaseService, TransitionActor } from '../case/case.service';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../common/http-problems';
import { casesAtPoint } from '../common/point-total';
import { intakeDeadlines } from '../policy/deadlines';
import { IntakePolicy } from '../policy/intake-policy';
import { CreateNewbornRegistrationDto } from './dto/create-newborn.dto';
import {
  ListNewbornQueryDto,
  NewbornCaseView,
  NewbornPageView,
  NewbornSupplementDto,
} from './dto/newborn-view.dto';
import { toNewbornSummary, toNewbornView } from './newborn-view';

export interface NewbornCreateResult {
  statusCode: number;
  body: unknown;
  replayed: boolean;
}

class KeyTakenError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The clerk's side of a newborn registration (新生儿落户): intake, reading, supplements and
 * withdrawal. The case is a case of kind `newborn` in the same table as ID cards, moved only through
 * the case's front door (CaseService), which runs the newborn machine and carries out what it
 * declares (the registration request, deadlines, the delivery order once registered).
 */
@Injectable()
export class NewbornService {
  private readonly logger = new Logger(NewbornService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: IntakePolicy,
    private readonly cases: CaseService,
    private readonly messaging: ServiceMessaging,
  ) {}

  async create(
    point: string,
    caller: Caller,
    idempotencyKey: string | undefined,
    rawBody: unknown,
    dto: CreateNewbornRegistrationDto,
  ): Promise<NewbornCreateResult> {
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) throw badRequest('Idempotency-Key', 'idempotency.key', keyProblem);
    const key = idempotencyKey!;
    const hash = requestHash(rawBody);
    const earlier = await this.replay(point, key, hash);
    if (earlier) return earlier;

    const now = new Date();
    const prepared = this.prepare(point, dto, now);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const claimed: unknown[] = await manager.query(
          `INSERT INTO intake.idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
          [point, key, hash],
        );
        if (claimed.length === 0) throw new KeyTakenError();
        const body = await this.insert(manager, prepared, caller, now);
        await manager.update(
          IdempotencyKeyEntity,
          { scope: point, key },
          { caseId: body.id, statusCode: 201, response: body },
        );
        return { statusCode: 201, body, replayed: false };
      });
    } catch (error) {
      if (!(error instanceof KeyTakenError)) throw error;
      const winner = await this.replay(point, key, hash);
      if (!winner) throw new Error('idempotency key taken but no result stored');
      return winner;
    }
  }

  private async replay(point: string, key: string, hash: string) {
    const stored = await this.dataSource.manager.findOneBy(IdempotencyKeyEntity, {
      scope: point,
      key,
    });
    if (!stored) return null;
    const outcome = compareStored(stored, hash);
    if (outcome.kind === 'mismatch') {
      throw unprocessable(
        'Idempotency-Key',
        'idempotency.bodyMismatch',
        'Idempotency-Key was already used at this acceptance point with a different request body; use a new key for a new registration',
      );
    }
    if (outcome.kind === 'pending') throw new Error('idempotency key row without a result');
    return { ...outcome.result, replayed: true };
  }

  /** Every check that may refuse the registration, before anything is written. */
  private prepare(point: string, dto: CreateNewbornRegistrationDto, now: Date) {
    if (dto.acceptancePoint !== point) {
      throw forbidden(
        'acceptancePoint.ownPoint',
        `acceptancePoint: ${dto.acceptancePoint} is not your acceptance point (${point}); a clerk takes registrations only at their own point`,
        'acceptancePoint',
      );
    }
    const acceptancePoint = this.policy.points.get(point);
    if (!acceptancePoint) {
      throw unprocessable(
        'acceptancePoint',
        'acceptancePoint.unknown',
        `acceptancePoint: ${point} is not in this deployment's list of acceptance points`,
      );
    }
    if (!this.messaging.serves(acceptancePoint.provinceCode)) {
      throw unprocessable(
        'acceptancePoint',
        'acceptancePoint.notServed',
        `acceptancePoint: province ${acceptancePoint.provinceCode} is not served by this node`,
      );
    }
    const today = todayInChina(now);
    const checked = checkNewbornApplication(
      {
        child: dto.child,
        birthCertificateNumber: dto.birthCertificateNumber,
        parent: dto.parent,
        otherParent: dto.otherParent ?? null,
        marriage: dto.marriage,
      },
      today,
      this.policy.newborn,
    );
    const hukou = checkHukou(dto.hukou);
    const delivery = checkDelivery(dto.delivery);
    const decision = this.policy.eligibility(
      acceptancePoint.countyCode,
      hukou.code,
      today,
      'newborn',
    );
    const closed = routeProblem(decision);
    if (closed) throw unprocessable(closed.field, closed.rule, closed.message, { decision });
    return { dto, acceptancePoint, checked, hukou, delivery, decision };
  }

  private async insert(
    manager: EntityManager,
    p: ReturnType<NewbornService['prepare']>,
    caller: Caller,
    now: Date,
  ): Promise<NewbornCaseView> {
    const deadlines = intakeDeadlines(now, this.policy.deadlines);
    const [{ last }] = await manager.query(
      `INSERT INTO intake.receipt_counters (acceptance_point, day, last) VALUES ($1, $2, 1)
       ON CONFLICT (acceptance_point, day) DO UPDATE SET last = receipt_counters.last + 1
       RETURNING last`,
      [p.acceptancePoint.id, deadlines.intakeDate],
    );
    const { dto } = p;
    const parentId = parseCitizenId(dto.parent.idNumber);
    const parent = {
      idNumber: parentId.number,
      name: dto.parent.name.trim(),
      relation: dto.parent.relation,
      ethnicity: dto.parent.ethnicity.trim(),
    };
    const other = dto.otherParent;
    const c = manager.create(CaseEntity, {
      id: randomUUID(),
      kind: CaseKind.NEWBORN,
      receiptNumber: formatReceiptNumber(p.acceptancePoint.id, deadlines.intakeDate, last),
      acceptancePoint: p.acceptancePoint.id,
      residenceCode: p.acceptancePoint.countyCode,
      residenceProvince: p.acceptancePoint.provinceCode,
      hukouCode: p.hukou.code,
      hukouProvince: p.hukou.province.code,
      hukouAddress: dto.hukou.address.trim(),
      status: NewbornStatus.ACCEPTED,
      deliveryMethod: p.delivery.method,
      postalReturned: false,
      productionAttempts: 0,
      // No production step: the bound is never used, but the context keeps its shape.
      maxProductionAttempts: 1,
      // The parent applying is the applicant: the page is handed over to them.
      applicant: {
        idNumber: parent.idNumber,
        name: parent.name,
        sex: parentId.sex,
        ethnicity: parent.ethnicity,
        birthDate: parentId.birthDate,
      },
      photoId: null,
      fingerprints: null,
      newborn: {
        child: {
          name: dto.child.name.trim(),
          sex: dto.child.sex,
          birthDate: dto.child.birthDate,
          ethnicity: dto.child.ethnicity.trim(),
          birthPlaceCode: dto.child.birthPlaceCode,
          surnameReason: dto.child.surnameReason ?? null,
        },
        birthCertificateNumber: dto.birthCertificateNumber,
        parent,
        otherParent: other
          ? {
              idNumber: other.idNumber ? other.idNumber.toUpperCase() : null,
              name: other.name.trim(),
              relation: other.relation,
              ethnicity: other.ethnicity.trim(),
            }
          : null,
        marriage: { kind: dto.marriage.kind, number: dto.marriage.number?.trim() ?? null },
        registration: null,
      },
      guardian: null,
      proxy: null,
      delivery: p.delivery,
      // Hukou registration carries no fee in this system (no fee policy applies to it).
      feeYuan: 0,
      feeRule: 'newborn-registration',
      feeReason: 'No fee: newborn hukou registration.',
      eligibilityRule: p.decision.rule?.id ?? '',
      eligibilityReason: p.decision.reason,
      intakeDate: deadlines.intakeDate,
      createdBy: caller.subject,
      reviewDueAt: deadlines.reviewDueAt,
      promiseDueAt: deadlines.promiseDueAt,
      statutoryDueAt: deadlines.statutoryDueAt,
      reviewOverdue: false,
      statutoryOverdue: false,
      pickupReminderDueAt: null,
      pickupRemindedAt: null,
      reviewRound: 1,
      supplementRequested: [],
      supplements: [],
      decidedAt: null,
      refusalCode: null,
      refusalReason: null,
      issue: null,
      productionHistory: [],
      cardSerial: null,
      deliveryProgress: {},
      cancelReason: null,
      pendingCommand: null,
      lastSentAt: null,
      resendCount: 0,
      createdAt: now,
      updatedAt: now,
    });
    const clerk: TransitionActor = { side: Side.RESIDENCE, actor: caller.subject };
    // Created, then opened by the newborn machine's opening event: the registration request.
    // The response shows the timeline just written (the case is new: these are all its entries).
    const { case: opened, timeline } = await this.cases.open(manager, c, clerk, {
      reason: 'round 1',
      at: now,
    });
    this.logger.log('newborn registration accepted, registration requested', {
      caseId: opened.id,
      receipt: opened.receiptNumber,
      hukouProvince: opened.hukouProvince,
    });
    return toNewbornView(opened, timeline, now);
  }

  async get(point: string, id: string): Promise<NewbornCaseView> {
    const c = await this.findAtPoint(point, id);
    return toNewbornView(c, await this.cases.timeline(this.dataSource.manager, c.id), new Date());
  }

  /** Newest first; keyset paging with `cursor` (every page costs the same), or `page` (offset). */
  async list(point: string, query: ListNewbornQueryDto): Promise<NewbornPageView> {
    const pageSize = query.pageSize ?? 20;
    if (query.cursor !== undefined && query.page !== undefined) {
      const message = 'page and cursor cannot be combined: follow nextCursor, or use page alone';
      throw badRequest('page', 'page.withCursor', message);
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const qb = this.dataSource.manager
      .createQueryBuilder(CaseEntity, 'c')
      .addSelect(
        `to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_at',
      )
      .where('c.acceptance_point = :point', { point })
      .andWhere('c.kind = :kind', { kind: CaseKind.NEWBORN });
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    const total = await casesAtPoint(
      this.dataSource.manager,
      point,
      CaseKind.NEWBORN,
      query.status,
    );
    if (after)
      qb.andWhere('(c.created_at, c.id) < (:at::timestamptz, :id::uuid)', {
        at: after.at,
        id: after.id,
      });
    qb.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC');
    const page = after ? null : (query.page ?? 1);
    qb.offset(page ? (page - 1) * pageSize : 0).limit(pageSize + 1);
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_at: string }>();
    const rows = entities.slice(0, pageSize);
    const last = rows.length ? raw[rows.length - 1] : undefined;
    const nextCursor =
      entities.length > pageSize && last
        ? encodeCursor(last.cursor_at, rows[rows.length - 1].id)
        : null;
    return { items: rows.map(toNewbornSummary), nextCursor, page, pageSize, total };
  }

  async supplement(
    point: string,
    caller: Caller,
    id: string,
    dto: NewbornSupplementDto,
  ): Promise<NewbornCaseView> {
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const c = await this.clerkTransition(
        manager,
        point,
        caller,
        id,
        (locked) => ({
          type: NewbornEvent.SUPPLEMENT_SUBMITTED,
          reason: `round ${locked.reviewRound + 1}`,
          // The machine then sends the next round's registration request (declared).
          apply: (c) => {
            c.supplements = [...c.supplements, ...matchRequestedItems(c, dto, now)];
            c.supplementRequested = [];
            c.reviewRound += 1;
          },
        }),
        now,
      );
      this.logger.log('newborn supplements submitted, registration requested again', {
        caseId: c.id,
        receipt: c.receiptNumber,
        round: c.reviewRound,
      });
      return toNewbornView(c, await this.cases.timeline(manager, c.id), now);
    });
  }

  async cancel(point: string, caller: Caller, id: string, reason: string) {
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const c = await this.clerkTransition(
        manager,
        point,
        caller,
        id,
        {
          type: NewbornEvent.CANCELLED,
          reason: reason.trim(),
          apply: (locked) => {
            locked.cancelReason = reason.trim();
          },
        },
        now,
      );
      this.logger.log('newborn registration withdrawn', { caseId: c.id, receipt: c.receiptNumber });
      return toNewbornView(c, await this.cases.timeline(manager, c.id), now);
    });
  }

  /** 404 alike for an unknown case, another point's case and a case of another kind. */
  private async findAtPoint(point: string, id: string): Promise<CaseEntity> {
    if (!UUID.test(id)) throw badRequest('id', 'id.uuid', 'id: must be a UUID');
    const c = await this.dataSource.manager.findOneBy(CaseEntity, { id });
    if (!c || c.acceptancePoint !== point || c.kind !== CaseKind.NEWBORN) {
      throw notFound(`newborn registration ${id} not found`);
    }
    return c;
  }

  private async clerkTransition(
    manager: EntityManager,
    point: string,
    caller: Caller,
    id: string,
    event: CaseEventRequest | ((c: CaseEntity) => CaseEventRequest),
    now: Date,
  ): Promise<CaseEntity> {
    if (!UUID.test(id)) throw badRequest('id', 'id.uuid', 'id: must be a UUID');
    const exists = await manager.exists(CaseEntity, { where: { id } });
    if (!exists) throw notFound(`newborn registration ${id} not found`);
    const clerk: TransitionActor = { side: Side.RESIDENCE, actor: caller.subject };
    const outcome = await this.cases.transition(manager, id, event, clerk, {
      at: now,
      check: (c) => {
        if (c.acceptancePoint !== point || c.kind !== CaseKind.NEWBORN) {
          throw notFound(`newborn registration ${id} not found`);
        }
      },
    });
    if (outcome.kind === 'refused') throw conflict(outcome.error);
    return outcome.case;
  }
}

/** Every requested item must be answered, and only requested items. */
function matchRequestedItems(
  c: CaseEntity,
  dto: NewbornSupplementDto,
  now: Date,
): SubmittedSupplement[] {
  newbornPart(c);
  const requested = new Map(c.supplementRequested.map((item) => [item.code, item]));
  const seen = new Set<string>();
  const out = dto.items.map((item, i) => {
    const asked = requested.get(item.code);
    if (!asked) {
      throw unprocessable(
        `items[${i}].code`,
        'supplement.notRequested',
        `items[${i}].code: ${item.code} was not requested (requested: ${[...requested.keys()].join(', ')})`,
      );
    }
    if (seen.has(item.code)) {
      throw unprocessable(
        `items[${i}].code`,
        'supplement.duplicate',
        `items[${i}].code: ${item.code} is listed twice`,
      );
    }
    seen.add(item.code);
    return {
      code: item.code,
      description: item.note?.trim() || asked.description,
      submittedAt: now.toISOString(),
      round: c.reviewRound,
    };
  });
  const missing = [...requested.keys()].filter((code) => !seen.has(code));
  if (missing.length) {
    throw unprocessable(
      'items',
      'supplement.missing',
      `items: the hukou side also asked for ${missing.join(', ')}`,
    );
  }
  return out;
}
