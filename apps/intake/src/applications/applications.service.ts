import { BadRequestException, ConflictException, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { todayInChina } from '@app/domain';
import { Caller, ServiceMessaging } from '@app/platform';
import { CaseEventType, CaseKind, CaseStatus, Side } from '@app/workflow';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../common/http-problems';
import { CaseService, TransitionActor } from '../case/case.service';
import { PhotosService } from '../photos/photos.service';
import { intakeDeadlines } from '../policy/deadlines';
import { IntakePolicy } from '../policy/intake-policy';
import {
  checkApplication,
  checkFingerprints,
  checkGuardian,
  checkApplicant,
  routeProblem,
} from './application-rules';
import { CaseEntity, SubmittedSupplement } from '../case/case.entity';
import { toCaseSummary, toCaseView } from './case-view';
import { CaseView, CasePageView } from './dto/case-view.dto';
import { CreateApplicationDto } from './dto/create-application.dto';
import { ListApplicationsQueryDto } from './dto/list-query.dto';
import { SupplementDto } from './dto/supplement.dto';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { compareStored, idempotencyKeyProblem, requestHash, StoredResult } from './idempotency';
import { formatReceiptNumber } from './receipt-number';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { casesAtPoint } from '../common/point-total';

/** What `prepare` found: everything the case is made from. */
type Prepared = Awaited<ReturnType<ApplicationsService['prepare']>>;

export interface CreateResult extends StoredResult {
  /** True when this is the stored first result of an earlier request with the same key. */
  replayed: boolean;
}

/** Thrown inside the create transaction when another request holds the idempotency key. */
class KeyTakenError extends Error {}

/** The person's open first application (the ID number in `param`), as cases_one_open_per_person sees it. */
function openCaseOf(param: string): string {
  return `SELECT id, acceptance_point, status FROM intake.cases
           WHERE applicant->>'idNumber' = ${param} AND kind = 'idcard'
             AND status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED') LIMIT 1`;
}

/** The person's open first application, as the create transaction finds it. */
interface OpenCase {
  id: string;
  acceptance_point: string;
  status: string;
}

/**
 * 409: the person already has an open application (anywhere this node serves). No oracle: where
 * and in what state the open case is, is told only to a clerk of the same point (who can read that
 * case anyway); any other clerk learns only that one is open.
 */
function refuseSecondOpenCase(open: OpenCase, callerPoint: string): never {
  const where =
    open.acceptance_point === callerPoint
      ? ` at this acceptance point (case ${open.id}, ${open.status})`
      : '';
  const message = `applicant.idNumber: this person already has an open first application${where}; it must be delivered, refused or withdrawn before another is taken`;
  throw new ConflictException({
    error: 'Conflict',
    message,
    details: [
      {
        field: 'applicant.idNumber',
        rule: 'application.alreadyOpen',
        message,
        ...(where ? { caseId: open.id } : {}),
      },
    ],
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The clerk's side of the case: intake, reading, supplements and withdrawal. */
/** Supplement codes (from the hukou side's review rules) that must come with new material. */
const MATERIAL_OF_ITEM: Readonly<Record<string, 'photoId' | 'guardian' | undefined>> = {
  PHOTO_OUTDATED: 'photoId',
  GUARDIAN_REQUIRED: 'guardian',
};

@Injectable()
export class ApplicationsService {
  private readonly logger = new Logger(ApplicationsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: IntakePolicy,
    private readonly photos: PhotosService,
    private readonly cases: CaseService,
    private readonly messaging: ServiceMessaging,
  ) {}

  // ----------------------------------------------------------------------------- create

  async create(
    point: string,
    caller: Caller,
    idempotencyKey: string | undefined,
    rawBody: unknown,
    dto: CreateApplicationDto,
  ): Promise<CreateResult> {
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) throw badRequest('Idempotency-Key', 'idempotency.key', keyProblem);
    const key = idempotencyKey!;
    const hash = requestHash(rawBody);

    const now = new Date();
    let prepared: Prepared;
    try {
      prepared = await this.prepare(point, dto, now);
    } catch (error) {
      // A retry is answered with the first result even where its checks would fail today (its
      // photo has aged since, say): the stored result wins over a refusal.
      const earlier = await this.replay(point, key, hash);
      if (earlier) return earlier;
      throw error;
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        const { claimed, last, open } = await this.claim(manager, point, key, hash, prepared, now);
        if (!claimed) throw new KeyTakenError();
        // After the key: a concurrent retry of this very request is answered from the key above,
        // not refused as a second application.
        if (open) refuseSecondOpenCase(open, point);
        const body = await this.insertCase(manager, prepared, caller, now, last, key);
        return { statusCode: 201, body, replayed: false };
      });
    } catch (error) {
      // Two first applications for one person racing each other: the unique index decides.
      if (
        (error as { driverError?: { constraint?: string } }).driverError?.constraint ===
        'cases_one_open_per_person'
      ) {
        const [open]: OpenCase[] = await this.dataSource.query(openCaseOf('$1'), [
          prepared.checked.applicant.applicant.idNumber,
        ]);
        if (open) refuseSecondOpenCase(open, point);
      }
      if (!(error instanceof KeyTakenError)) throw error;
      const winner = await this.replay(point, key, hash);
      if (!winner) throw new Error('idempotency key taken but no result stored');
      return winner;
    }
  }

  /**
   * The first statement of an intake: claims the idempotency key, then (only if it was claimed)
   * takes the point's next receipt number, and finds the person's open case if any: one statement
   * for three, because a round trip costs more than each of them. The unique key decides between
   * concurrent requests: a second INSERT of the same key waits for the first transaction and then
   * finds the row (or takes over if it rolled back). The counter's row stays locked to the end of
   * the transaction, so a point's receipt numbers have no gaps.
   */
  private async claim(
    manager: EntityManager,
    point: string,
    key: string,
    hash: string,
    p: Prepared,
    now: Date,
  ): Promise<{ claimed: boolean; last: number; open?: OpenCase }> {
    const [row]: (Partial<OpenCase> & { claimed: boolean; last: number | null })[] =
      await manager.query(
        `WITH claim AS (
           INSERT INTO intake.idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (scope, key) DO NOTHING RETURNING key
         ), counter AS (
           INSERT INTO intake.receipt_counters (acceptance_point, day, last)
             SELECT $4, $5::date, 1 FROM claim
           ON CONFLICT (acceptance_point, day) DO UPDATE SET last = receipt_counters.last + 1
           RETURNING last
         )
         SELECT EXISTS (SELECT 1 FROM claim) AS claimed, (SELECT last FROM counter) AS last,
                open.id, open.acceptance_point, open.status
           FROM (SELECT 1) AS one
           LEFT JOIN LATERAL (${openCaseOf('$6')}) AS open ON true`,
        [
          point,
          key,
          hash,
          p.acceptancePoint.id,
          intakeDeadlines(now, this.policy.deadlines).intakeDate,
          p.checked.applicant.applicant.idNumber,
        ],
      );
    const { claimed, last, id, acceptance_point, status } = row;
    return {
      claimed: claimed && last !== null,
      last: last ?? 0,
      open: id && acceptance_point && status ? { id, acceptance_point, status } : undefined,
    };
  }

  private async replay(point: string, key: string, hash: string): Promise<CreateResult | null> {
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
        'Idempotency-Key was already used at this acceptance point with a different request body; use a new key for a new application',
      );
    }
    if (outcome.kind === 'pending') throw new Error('idempotency key row without a result');
    return { ...outcome.result, replayed: true };
  }

  /** Every check that may refuse the application, before anything is written. */
  private async prepare(point: string, dto: CreateApplicationDto, now: Date) {
    if (dto.acceptancePoint !== point) {
      throw forbidden(
        'acceptancePoint.ownPoint',
        `acceptancePoint: ${dto.acceptancePoint} is not your acceptance point (${point}); a clerk takes applications only at their own point`,
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
    const region = acceptancePoint.provinceCode;
    if (!this.messaging.serves(region)) {
      throw unprocessable(
        'acceptancePoint',
        'acceptancePoint.notServed',
        `acceptancePoint: province ${region} is not served by this node`,
      );
    }
    const today = todayInChina(now);
    const checked = checkApplication(dto, today);
    const decision = this.policy.eligibility(acceptancePoint.countyCode, checked.hukou.code, today);
    const closed = routeProblem(decision);
    if (closed) {
      throw unprocessable(closed.field, closed.rule, closed.message, { decision });
    }
    const photo = await this.photos.requireUsable(
      this.dataSource.manager,
      dto.photoId,
      region,
      now,
    );
    const fee = this.policy.fee(acceptancePoint.countyCode, checked.hukou.code, today);
    return { dto, acceptancePoint, checked, decision, fee, photo };
  }

  /**
   * Writes the case with its opening (timeline, review request, deadlines) and the idempotency
   * key's stored result, in one statement; returns that result.
   */
  private async insertCase(
    manager: EntityManager,
    p: Prepared,
    caller: Caller,
    now: Date,
    receiptSeq: number,
    key: string,
  ): Promise<CaseView> {
    const deadlines = intakeDeadlines(now, this.policy.deadlines);
    const c = manager.create(CaseEntity, {
      id: randomUUID(),
      kind: CaseKind.ID_CARD,
      receiptNumber: formatReceiptNumber(p.acceptancePoint.id, deadlines.intakeDate, receiptSeq),
      acceptancePoint: p.acceptancePoint.id,
      residenceCode: p.acceptancePoint.countyCode,
      residenceProvince: p.acceptancePoint.provinceCode,
      hukouCode: p.checked.hukou.code,
      hukouProvince: p.checked.hukou.province.code,
      hukouAddress: p.dto.hukou.address.trim(),
      status: CaseStatus.ACCEPTED,
      deliveryMethod: p.checked.delivery.method,
      postalReturned: false,
      productionAttempts: 0,
      maxProductionAttempts: this.policy.maxProductionAttempts,
      applicant: p.checked.applicant.applicant,
      photoId: p.photo.id,
      fingerprints: p.checked.fingerprints,
      guardian: p.checked.guardian,
      proxy: p.checked.proxy,
      delivery: p.checked.delivery,
      feeYuan: p.fee.amountYuan,
      feeRule: p.fee.rule,
      feeReason: p.fee.reason,
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
    // Created, then opened by the machine's opening event: the review request and the deadlines.
    // The response shows the timeline just written (the case is new: these are all its entries).
    let body: CaseView | undefined;
    const { case: opened } = await this.cases.open(manager, c, clerk, {
      reason: 'round 1',
      at: now,
      photo: p.photo,
      alsoWrite: (opened, timeline) => {
        body = toCaseView(opened, timeline, now);
        return {
          sql: `UPDATE intake.idempotency_keys SET case_id = $1, status_code = 201, response = $2
                 WHERE scope = $3 AND key = $4`,
          params: [opened.id, body, p.acceptancePoint.id, key],
        };
      },
    });
    this.logger.log('application accepted, review requested', {
      caseId: opened.id,
      receipt: opened.receiptNumber,
      hukouProvince: opened.hukouProvince,
    });
    return body!;
  }

  // ----------------------------------------------------------------------------- read

  async get(point: string, id: string): Promise<CaseView> {
    const c = await this.findAtPoint(this.dataSource.manager, point, id);
    return toCaseView(c, await this.cases.timeline(this.dataSource.manager, c.id), new Date());
  }

  /**
   * Newest first, by (created_at, id) descending: with `cursor` a keyset page (the index
   * cases_point_page_idx / cases_point_status_page_idx serves it, every page costs the same);
   * with `page` the old offset paging.
   */
  async list(point: string, query: ListApplicationsQueryDto): Promise<CasePageView> {
    const pageSize = query.pageSize ?? 20;
    if (query.cursor !== undefined && query.page !== undefined) {
      const message = 'page and cursor cannot be combined: follow nextCursor, or use page alone';
      throw new BadRequestException({
        error: 'Bad Request',
        message,
        details: [{ field: 'page', rule: 'page.withCursor', message }],
      });
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const qb = this.dataSource.manager
      .createQueryBuilder(CaseEntity, 'c')
      .addSelect(
        `to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_at',
      )
      .where('c.acceptance_point = :point', { point })
      .andWhere('c.kind = :kind', { kind: CaseKind.ID_CARD });
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    const total = await casesAtPoint(
      this.dataSource.manager,
      point,
      CaseKind.ID_CARD,
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
    const now = new Date();
    return { items: rows.map((c) => toCaseSummary(c, now)), nextCursor, page, pageSize, total };
  }

  /** 404 alike for an unknown case and a case of another acceptance point. */
  private async findAtPoint(
    manager: EntityManager,
    point: string,
    id: string,
  ): Promise<CaseEntity> {
    if (!UUID.test(id)) throw badRequest('id', 'id.uuid', 'id: must be a UUID');
    const c = await manager.findOneBy(CaseEntity, { id });
    if (!c || c.acceptancePoint !== point || c.kind !== CaseKind.ID_CARD) {
      throw notFound(`application ${id} not found`);
    }
    return c;
  }

  /** A clerk's event on a case of their point, through the case's front door; 409 when refused. */
  private async clerkTransition(
    manager: EntityManager,
    point: string,
    caller: Caller,
    id: string,
    event: Parameters<CaseService['transition']>[2],
    now: Date,
  ): Promise<CaseEntity> {
    if (!UUID.test(id)) throw badRequest('id', 'id.uuid', 'id: must be a UUID');
    const clerk: TransitionActor = { side: Side.RESIDENCE, actor: caller.subject };
    const exists = await manager.exists(CaseEntity, { where: { id } });
    if (!exists) throw notFound(`application ${id} not found`);
    const outcome = await this.cases.transition(manager, id, event, clerk, {
      at: now,
      check: (c) => {
        if (c.acceptancePoint !== point || c.kind !== CaseKind.ID_CARD) {
          throw notFound(`application ${id} not found`);
        }
      },
    });
    if (outcome.kind === 'refused') throw conflict(outcome.error);
    return outcome.case;
  }

  // ----------------------------------------------------------------------------- supplements

  async supplement(
    point: string,
    caller: Caller,
    id: string,
    dto: SupplementDto,
  ): Promise<CaseView> {
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const c = await this.clerkTransition(
        manager,
        point,
        caller,
        id,
        (locked) => ({
          type: CaseEventType.SUPPLEMENT_SUBMITTED,
          reason: `round ${locked.reviewRound + 1}`,
          // The material comes with the event; the machine then sends the next round's review
          // request and restarts the review deadline (declared on the transition).
          apply: async (c) => {
            const today = todayInChina(now);
            const submitted = this.matchRequestedItems(c, dto, now);
            if (dto.photoId !== undefined) {
              const photo = await this.photos.requireUsable(
                manager,
                dto.photoId,
                c.residenceProvince,
                now,
              );
              c.photoId = photo.id;
            }
            if (dto.fingerprints !== undefined) {
              c.fingerprints = checkFingerprints(dto.fingerprints, 'fingerprints');
            }
            if (dto.guardian !== undefined) {
              // The applicant's particulars were checked at intake; this gives the age on `today`.
              const applicant = checkApplicant(c.applicant, today);
              c.guardian = checkGuardian(dto.guardian, applicant, today);
            }
            c.supplements = [...c.supplements, ...submitted];
            c.supplementRequested = [];
            c.reviewRound += 1;
          },
        }),
        now,
      );
      this.logger.log('supplements submitted, review requested again', {
        caseId: c.id,
        receipt: c.receiptNumber,
        round: c.reviewRound,
      });
      return toCaseView(c, await this.cases.timeline(manager, c.id), now);
    });
  }

  /** Every requested item must be answered, and only requested items (with its material). */
  private matchRequestedItems(c: CaseEntity, dto: SupplementDto, now: Date): SubmittedSupplement[] {
    const requested = new Map(c.supplementRequested.map((item) => [item.code, item]));
    const seen = new Set<string>();
    const out: SubmittedSupplement[] = [];
    dto.items.forEach((item, i) => {
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
      // Items that stand for material must bring it, or the next round asks again for the same.
      const material = MATERIAL_OF_ITEM[item.code];
      if (material && dto[material] === undefined) {
        throw unprocessable(
          material,
          `supplement.${material}Required`,
          `${material}: required with items[${i}] ${item.code} (the hukou side asked for a new ${material})`,
        );
      }
      out.push({
        code: item.code,
        description: item.note?.trim() || asked.description,
        submittedAt: now.toISOString(),
        round: c.reviewRound,
      });
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

  // ----------------------------------------------------------------------------- cancel

  async cancel(point: string, caller: Caller, id: string, reason: string): Promise<CaseView> {
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      // An approved case also tells production not to start (declared on the transition).
      const c = await this.clerkTransition(
        manager,
        point,
        caller,
        id,
        {
          type: CaseEventType.CANCELLED,
          reason: reason.trim(),
          apply: (locked) => {
            locked.cancelReason = reason.trim();
          },
        },
        now,
      );
      this.logger.log('application withdrawn', { caseId: c.id, receipt: c.receiptNumber });
      return toCaseView(c, await this.cases.timeline(manager, c.id), now);
    });
  }
}
