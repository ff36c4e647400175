import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Caller, ServiceMessaging } from '@app/platform';
import { SqlWrite, transactionOpenedWith } from '@app/persistence';
import { CaseKind, CaseStatus, Side } from '@app/workflow';
import type { AcceptancePoint } from '../acceptance-points/acceptance-points';
import { CaseEntity } from '../case/case.entity';
import {
  CaseEventRequest,
  CaseService,
  TimelineEntry,
  TransitionActor,
} from '../case/case.service';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../common/http-problems';
import type { PhotoEntity } from '../photos/photo.entity';
import { intakeDeadlines } from '../policy/deadlines';
import { IntakePolicy } from '../policy/intake-policy';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { compareStored, idempotencyKeyProblem, requestHash, StoredResult } from './idempotency';
import { decodeCursor, encodeCursor } from './keyset-cursor';
import { casesAtPoint } from './point-total';
import { formatReceiptNumber } from './receipt-number';
import { AnsweredItem, matchRequestedItems } from './requested-items';

export interface TakeResult extends StoredResult {
  /** True when this is the stored first result of an earlier request with the same key. */
  replayed: boolean;
}

/** A person's open case of a kind that allows one at a time, as the intake statement finds it. */
export interface OpenCase {
  id: string;
  acceptance_point: string;
  status: string;
}

/** The columns a kind of case gives a new case; the desk fills in the rest (point, receipt, deadlines, empty history). */
export type KindFields = Pick<
  CaseEntity,
  | 'kind'
  | 'hukouCode'
  | 'hukouProvince'
  | 'hukouAddress'
  | 'deliveryMethod'
  | 'delivery'
  | 'maxProductionAttempts'
  | 'applicant'
  | 'photoId'
  | 'fingerprints'
  | 'newborn'
  | 'guardian'
  | 'proxy'
  | 'feeYuan'
  | 'feeRule'
  | 'feeReason'
  | 'eligibilityRule'
  | 'eligibilityReason'
>;

/** What one kind of case brings to the desk's intake: its checks, its fields and its view. */
export interface KindIntake<P> {
  kind: CaseKind;
  /** What the clerk files, in messages: "application", "registration". */
  noun: string;
  /** The acceptance point the request body names (must be the clerk's own). */
  claimedPoint: string;
  /** Logged when a case is taken (with its id, receipt number and hukou province). */
  accepted: string;
  /** Every check that may refuse, before anything is written (it may read: the photo, say). */
  prepare(point: AcceptancePoint, now: Date, manager: EntityManager): P | Promise<P>;
  /** A kind that allows one open case per person: the person's ID number, and the 409. */
  onePerPerson?: {
    idNumber(p: P): string;
    refuse(open: OpenCase, callerPoint: string): never;
  };
  fields(p: P): KindFields;
  /** The case's photo, already read by `prepare`. */
  photo?(p: P): PhotoEntity;
  /** The 201 body (also the stored result replayed for a retry). */
  view(opened: CaseEntity, timeline: TimelineEntry[], now: Date): unknown;
}

/** Thrown inside the intake transaction when another request holds the idempotency key. */
class KeyTakenError extends Error {}

/** The person's open case of `kind` (the ID number in `param`), as cases_one_open_per_person sees it. */
function openCaseOf(param: string, kind: CaseKind): string {
  return `SELECT id, acceptance_point, status FROM intake.cases
           WHERE applicant->>'idNumber' = ${param} AND kind = '${kind}'
             AND status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED') LIMIT 1`;
}

/** What the claim statement found: the key claimed (and the receipt number taken), an open case. */
function claimOutcome(rows: Record<string, unknown>[]): {
  claimed: boolean;
  last: number;
  open?: OpenCase;
} {
  const { claimed, last, id, acceptance_point, status } = rows[0] as Partial<OpenCase> & {
    claimed: boolean;
    last: number | null;
  };
  return {
    claimed: claimed && last !== null,
    last: last ?? 0,
    open: id && acceptance_point && status ? { id, acceptance_point, status } : undefined,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The list query every kind's clerk list takes. */
export interface PointListQuery {
  status?: string;
  cursor?: string;
  page?: number;
  pageSize?: number;
}

/**
 * The clerk's desk, one for every kind of case: intake at the clerk's own acceptance point
 * (idempotent, with a gap-free receipt number, in one transaction with the case's opening), the
 * point's list, a case of the point, and a clerk's event through the case's front door. A kind
 * (ID card application, newborn registration) brings only its own checks, fields and views.
 */
@Injectable()
export class ClerkDesk {
  private readonly logger = new Logger(ClerkDesk.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: IntakePolicy,
    private readonly cases: CaseService,
    private readonly messaging: ServiceMessaging,
  ) {}

  // ----------------------------------------------------------------------------- intake

  /**
   * Takes a case at `point`: checks, then in one transaction claims the idempotency key, takes the
   * receipt number, refuses a second open case of the person where the kind says so, and writes
   * the case with its opening and the key's stored result. A retry with the same key and body gets
   * the first result, even where its checks would fail today (its photo has aged since, say).
   */
  async take<P>(
    point: string,
    caller: Caller,
    idempotencyKey: string | undefined,
    rawBody: unknown,
    intake: KindIntake<P>,
  ): Promise<TakeResult> {
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) throw badRequest('Idempotency-Key', 'idempotency.key', keyProblem);
    const key = idempotencyKey!;
    const hash = requestHash(rawBody);

    const now = new Date();
    let prepared: P;
    let acceptancePoint: AcceptancePoint;
    try {
      acceptancePoint = this.pointOf(point, intake.claimedPoint, intake.noun);
      prepared = await intake.prepare(acceptancePoint, now, this.dataSource.manager);
    } catch (error) {
      const earlier = await this.replay(point, key, hash, intake.noun);
      if (earlier) return earlier;
      throw error;
    }
    const person = intake.onePerPerson?.idNumber(prepared) ?? null;
    try {
      // BEGIN and the claim go in one round trip; the case's statement with the COMMIT.
      const claim = this.claim(
        { point: acceptancePoint, key, hash, person, kind: intake.kind },
        now,
      );
      const taken = await transactionOpenedWith(this.dataSource, claim, async (manager, rows) => {
        const { claimed, last, open } = claimOutcome(rows);
        if (!claimed) throw new KeyTakenError();
        // After the key: a concurrent retry of this very request is answered from the key above,
        // not refused as a second case.
        if (open) intake.onePerPerson!.refuse(open, point);
        return this.insertCase(manager, intake, prepared, acceptancePoint, caller, {
          now,
          receiptSeq: last,
          key,
        });
      });
      // Logged once committed (the case's statement goes with the COMMIT, which may still refuse it).
      this.logger.log(intake.accepted, {
        caseId: taken.opened.id,
        receipt: taken.opened.receiptNumber,
        hukouProvince: taken.opened.hukouProvince,
      });
      return { statusCode: 201, body: taken.body, replayed: false };
    } catch (error) {
      // Two cases for one person racing each other: the unique index decides.
      if (
        person !== null &&
        (error as { driverError?: { constraint?: string } }).driverError?.constraint ===
          'cases_one_open_per_person'
      ) {
        const [open]: OpenCase[] = await this.dataSource.query(openCaseOf('$1', intake.kind), [
          person,
        ]);
        if (open) intake.onePerPerson!.refuse(open, point);
      }
      if (!(error instanceof KeyTakenError)) throw error;
      const winner = await this.replay(point, key, hash, intake.noun);
      if (!winner) throw new Error('idempotency key taken but no result stored');
      return winner;
    }
  }

  /** The clerk's own acceptance point, known to this deployment and served by this node. */
  private pointOf(point: string, claimed: string, noun: string): AcceptancePoint {
    if (claimed !== point) {
      throw forbidden(
        'acceptancePoint.ownPoint',
        `acceptancePoint: ${claimed} is not your acceptance point (${point}); a clerk takes ${noun}s only at their own point`,
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
    return acceptancePoint;
  }

  /**
   * The first statement of an intake: claims the idempotency key, then (only if it was claimed)
   * takes the point's next receipt number, and finds the person's open case if the kind allows one:
   * one statement for three, because a round trip costs more than each of them. The unique key
   * decides between concurrent requests: a second INSERT of the same key waits for the first
   * transaction and then finds the row (or takes over if it rolled back). The counter's row stays
   * locked to the end of the transaction, so a point's receipt numbers have no gaps.
   */
  private claim(
    q: { point: AcceptancePoint; key: string; hash: string; person: string | null; kind: CaseKind },
    now: Date,
  ): SqlWrite {
    return {
      sql: `WITH claim AS (
              INSERT INTO intake.idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
              ON CONFLICT (scope, key) DO NOTHING RETURNING key
            ), counter AS (
              INSERT INTO intake.receipt_counters (acceptance_point, day, last)
                SELECT $1, $4::date, 1 FROM claim
              ON CONFLICT (acceptance_point, day) DO UPDATE SET last = receipt_counters.last + 1
              RETURNING last
            )
            SELECT EXISTS (SELECT 1 FROM claim) AS claimed, (SELECT last FROM counter) AS last,
                   open.id, open.acceptance_point, open.status
              FROM (SELECT 1) AS one
              LEFT JOIN LATERAL (${openCaseOf('$5', q.kind)}) AS open ON true`,
      params: [
        q.point.id,
        q.key,
        q.hash,
        intakeDeadlines(now, this.policy.deadlines).intakeDate,
        // No person (a kind without the rule): the lateral finds nothing.
        q.person,
      ],
    };
  }

  private async replay(
    point: string,
    key: string,
    hash: string,
    noun: string,
  ): Promise<TakeResult | null> {
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
        `Idempotency-Key was already used at this acceptance point with a different request body; use a new key for a new ${noun}`,
      );
    }
    if (outcome.kind === 'pending') throw new Error('idempotency key row without a result');
    return { ...outcome.result, replayed: true };
  }

  /**
   * Writes the case with its opening (timeline, the kind's first request, deadlines) and the
   * idempotency key's stored result, in one statement; returns that result.
   */
  private async insertCase<P>(
    manager: EntityManager,
    intake: KindIntake<P>,
    p: P,
    point: AcceptancePoint,
    caller: Caller,
    at: { now: Date; receiptSeq: number; key: string },
  ): Promise<{ body: unknown; opened: CaseEntity }> {
    const { now } = at;
    const deadlines = intakeDeadlines(now, this.policy.deadlines);
    const c = manager.create(CaseEntity, {
      ...intake.fields(p),
      id: randomUUID(),
      receiptNumber: formatReceiptNumber(point.id, deadlines.intakeDate, at.receiptSeq),
      acceptancePoint: point.id,
      residenceCode: point.countyCode,
      residenceProvince: point.provinceCode,
      // The machine's initial status: set by the case's opening below.
      status: CaseStatus.ACCEPTED,
      postalReturned: false,
      productionAttempts: 0,
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
    // Created, then opened by the machine's opening event (the first request, the deadlines).
    // The response shows the timeline just written (the case is new: these are all its entries).
    let body: unknown;
    const { case: opened } = await this.cases.open(manager, c, clerk, {
      reason: 'round 1',
      at: now,
      photo: intake.photo?.(p),
      alsoWrite: (opened, timeline) => {
        body = intake.view(opened, timeline, now);
        return {
          sql: `UPDATE intake.idempotency_keys SET case_id = $1, status_code = 201, response = $2
                 WHERE scope = $3 AND key = $4`,
          params: [opened.id, body, point.id, at.key],
        };
      },
    });
    return { body, opened };
  }

  // ----------------------------------------------------------------------------- read

  /**
   * A case of `kind` at the clerk's point with its whole timeline, as `view` shows it; 404 alike for
   * an unknown case, another point's and another kind's.
   */
  async read<V>(
    point: string,
    target: { kind: CaseKind; id: string; noun: string },
    view: (c: CaseEntity, timeline: TimelineEntry[], now: Date) => V,
  ): Promise<V> {
    const { kind, id, noun } = target;
    if (!UUID.test(id)) throw badRequest('id', 'id.uuid', 'id: must be a UUID');
    const manager = this.dataSource.manager;
    const c = await manager.findOneBy(CaseEntity, { id });
    if (!c || c.acceptancePoint !== point || c.kind !== kind) {
      throw notFound(`${noun} ${id} not found`);
    }
    return view(c, await this.cases.timeline(manager, c.id), new Date());
  }

  /**
   * The point's cases of `kind`, newest first, by (created_at, id) descending: with `cursor` a
   * keyset page (the index cases_point_page_idx / cases_point_status_page_idx serves it, every page
   * costs the same); with `page` the old offset paging. `total` comes from the point's counters.
   */
  async list<S>(
    point: string,
    kind: CaseKind,
    query: PointListQuery,
    summary: (c: CaseEntity, now: Date) => S,
  ): Promise<{
    items: S[];
    nextCursor: string | null;
    page: number | null;
    pageSize: number;
    total: number;
  }> {
    const pageSize = query.pageSize ?? 20;
    if (query.cursor !== undefined && query.page !== undefined) {
      const message = 'page and cursor cannot be combined: follow nextCursor, or use page alone';
      throw badRequest('page', 'page.withCursor', message);
    }
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    const manager = this.dataSource.manager;
    const qb = manager
      .createQueryBuilder(CaseEntity, 'c')
      .addSelect(
        `to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        'cursor_at',
      )
      .where('c.acceptance_point = :point', { point })
      .andWhere('c.kind = :kind', { kind });
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    const total = await casesAtPoint(manager, point, kind, query.status);
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
    return { items: rows.map((c) => summary(c, now)), nextCursor, page, pageSize, total };
  }

  // ----------------------------------------------------------------------------- clerk's events

  /**
   * The clerk answers the hukou side's supplement request (the event SUPPLEMENT_SUBMITTED of every
   * kind's machine, which then sends the next round's request): every requested item answered,
   * only those, each once (see matchRequestedItems); `material` checks and applies what the kind's
   * items bring (a new photo, say) on the locked case.
   */
  supplement<V>(
    point: string,
    caller: Caller,
    target: { kind: CaseKind; id: string; noun: string },
    items: AnsweredItem[],
    view: (c: CaseEntity, timeline: TimelineEntry[], now: Date) => V,
    material?: {
      mustBring?: (code: string, index: number) => void;
      apply?: (c: CaseEntity, manager: EntityManager, now: Date) => void | Promise<void>;
    },
  ): Promise<V> {
    return this.act(
      point,
      caller,
      target,
      (locked, manager, now) => ({
        type: 'SUPPLEMENT_SUBMITTED',
        reason: `round ${locked.reviewRound + 1}`,
        apply: async (c) => {
          const submitted = matchRequestedItems(c, items, now, material?.mustBring);
          await material?.apply?.(c, manager, now);
          c.supplements = [...c.supplements, ...submitted];
          c.supplementRequested = [];
          c.reviewRound += 1;
        },
      }),
      view,
      (c) =>
        this.logger.log(`${target.noun}: supplements submitted, requested again`, {
          caseId: c.id,
          receipt: c.receiptNumber,
          round: c.reviewRound,
        }),
    );
  }

  /**
   * The clerk withdraws the case at the applicant's request (the event CANCELLED of every kind's
   * machine, which declares what the other side is told).
   */
  withdraw<V>(
    point: string,
    caller: Caller,
    target: { kind: CaseKind; id: string; noun: string },
    reason: string,
    view: (c: CaseEntity, timeline: TimelineEntry[], now: Date) => V,
  ): Promise<V> {
    return this.act(
      point,
      caller,
      target,
      () => ({
        type: 'CANCELLED',
        reason: reason.trim(),
        apply: (locked) => {
          locked.cancelReason = reason.trim();
        },
      }),
      view,
      (c) =>
        this.logger.log(`${target.noun} withdrawn`, { caseId: c.id, receipt: c.receiptNumber }),
    );
  }

  /**
   * A clerk's event on a case of `kind` at their point, through the case's front door, in its own
   * transaction; 404 for a case the clerk cannot see, 409 when the machine refuses. Returns what
   * `view` makes of the case and its whole timeline.
   */
  private async act<V>(
    point: string,
    caller: Caller,
    target: { kind: CaseKind; id: string; noun: string },
    /** The event on the locked case; `manager` is the transition's (to read, e.g. a new photo). */
    event: (locked: CaseEntity, manager: EntityManager, now: Date) => CaseEventRequest,
    view: (c: CaseEntity, timeline: TimelineEntry[], now: Date) => V,
    done: (c: CaseEntity) => void,
  ): Promise<V> {
    const { kind, id, noun } = target;
    if (!UUID.test(id)) throw badRequest('id', 'id.uuid', 'id: must be a UUID');
    const now = new Date();
    return this.dataSource.transaction(async (manager) => {
      const exists = await manager.exists(CaseEntity, { where: { id } });
      if (!exists) throw notFound(`${noun} ${id} not found`);
      const clerk: TransitionActor = { side: Side.RESIDENCE, actor: caller.subject };
      const outcome = await this.cases.transition(
        manager,
        id,
        (c) => event(c, manager, now),
        clerk,
        {
          at: now,
          check: (c) => {
            if (c.acceptancePoint !== point || c.kind !== kind) {
              throw notFound(`${noun} ${id} not found`);
            }
          },
        },
      );
      if (outcome.kind === 'refused') throw conflict(outcome.error);
      done(outcome.case);
      return view(outcome.case, await this.cases.timeline(manager, id), now);
    });
  }
}
