import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Payload, Service } from '@app/contracts';
import { joinWrites, OpeningRead, takeOpened } from '@app/persistence';
import {
  canonicalJson,
  DeadLetterReason,
  Envelope,
  envelopeHash,
  MessageRefusedError,
} from '@app/messaging';
import { ServiceMessaging } from '@app/platform';
import type { RegistryRecord } from '../registry/registry-record';
import { ReviewEntity } from './review.entity';
import {
  decisionCodes,
  ReviewDecision,
  reviewApplication,
  ReviewRequestPayload,
} from './review.rules';

/** The clock of the review (injectable so tests can review "on" a given day). */
export const REVIEW_CLOCK = Symbol('REVIEW_CLOCK');
export type ReviewClock = () => Date;

export type ReviewHandling =
  | { kind: 'decided'; decision: ReviewDecision }
  | { kind: 'resent'; decision: ReviewDecision }
  | { kind: 'withdrawn' };

export type WithdrawalPayload = Payload<'review.withdrawn'> | Payload<'registration.withdrawn'>;

export type WithdrawalHandling = 'withdrawn' | 'already-withdrawn';

/** A decided round as a repeated request for it needs it (the decision is sent again). */
export type RecordedReview = Pick<
  ReviewEntity,
  'id' | 'outcome' | 'payloadHash' | 'requestMessageId' | 'decision'
>;

/**
 * Handles one `review.requested` inside the inbox transaction: reviews the round once, records the
 * decision, and answers with `review.decided` through the outbox. A repeated request for a round
 * already decided (a re-send after a deadline, or by the reconciler) is not reviewed again: the
 * recorded decision is sent again, unchanged, so a lost reply is recovered.
 */
@Injectable()
export class ReviewService {
  private readonly logger = new Logger(ReviewService.name);

  constructor(
    private readonly messaging: ServiceMessaging,
    @Inject(REVIEW_CLOCK) private readonly clock: ReviewClock,
  ) {}

  /**
   * @param request the envelope as signed by the sender (hashed and answered as received)
   * @param payload the payload as validated by the transport
   */
  async handle(
    manager: EntityManager,
    request: Envelope,
    payload: ReviewRequestPayload,
  ): Promise<ReviewHandling> {
    const meta = { caseId: request.caseId, messageId: request.id, round: payload.round };
    // Under the case's lock, one query reads the case, this round's decision if it has one, and
    // the applicant in the registry.
    const { withdrawn, recorded, person } = await checkCaseParties<{
      recorded: RecordedReview | null;
      person: RegistryRecord | null;
    }>(manager, request, payload.residenceProvince, 'reviews', reviewColumns(payload));
    // Withdrawn by its residence side (review.withdrawn came first, or this is a late copy): no
    // review, no claim on the person, no answer (the case is closed at intake).
    if (withdrawn) {
      this.logger.log('request for a withdrawn case: not reviewed', meta);
      return { kind: 'withdrawn' };
    }
    if (recorded) return this.resend(manager, recorded, request, payload, meta);

    const reviewedAt = this.clock();
    const openElsewhere = !(await this.claimPerson(manager, request, payload));
    const decision = reviewApplication(
      { recipient: request.recipient, payload },
      person,
      reviewedAt,
      openElsewhere,
    );
    const codes = decisionCodes(decision);
    const reply = this.replyTo(request, decision);
    // The release of the claim, the answer and the review in one statement (a round trip costs
    // CPU on both sides): they write different tables, and only the review's result is read.
    const writes = [
      this.messaging.outbox.insertOf([reply]),
      {
        sql: `INSERT INTO verification.reviews
         (case_id, round, hukou_province, residence_province, request_message_id, request_hash,
          payload_hash, outcome, refusal_code, supplement_codes, decision, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (case_id, round) DO NOTHING RETURNING id`,
        params: [
          request.caseId,
          payload.round,
          request.recipient.province,
          request.sender.province,
          request.id,
          envelopeHash(request),
          payloadHash(payload),
          decision.outcome,
          codes.refusalCode,
          codes.supplementCodes,
          JSON.stringify(decision),
          reviewedAt,
        ],
      },
    ];
    // A refused case is finished: its person may apply again (anywhere).
    if (decision.outcome === 'REFUSED' && !openElsewhere)
      writes.unshift({
        sql: `DELETE FROM verification.open_applications WHERE case_id = $1`,
        params: [request.caseId],
      });
    const { sql, params } = joinWrites(writes);
    const inserted: { id: string }[] = await manager.query(sql, params);
    this.messaging.outbox.written(manager, [reply]);
    if (inserted.length === 0) {
      // Another request for the same round committed first (concurrent re-send; not expected
      // under the case's lock): take back the answer written with it, and answer with its decision.
      await this.messaging.outbox.discard(manager, [reply.envelope.id]);
      const winner = await manager.findOne(ReviewEntity, {
        where: { caseId: request.caseId, round: payload.round },
      });
      if (!winner) throw new Error('review of this round conflicted but cannot be read back');
      return this.resend(manager, winner, request, payload, meta);
    }
    this.logger.log(`review decided: ${decision.outcome}`, {
      ...meta,
      outcome: decision.outcome,
      refusalCode: codes.refusalCode,
      supplementCodes: codes.supplementCodes,
    });
    return { kind: 'decided', decision };
  }

  /**
   * Handles one `review.withdrawn` (or `registration.withdrawn`) inside the inbox transaction: the
   * residence side closed the case, so its claim on the person is released (the person may apply
   * again, here or anywhere) and the withdrawal is recorded, so that a request for the case still
   * on its way is not reviewed (a newborn not registered). Only the residence province of the case
   * may withdraw it (PARTY_MISMATCH otherwise); a repeated notice changes nothing.
   */
  async withdraw(
    manager: EntityManager,
    notice: Envelope,
    payload: WithdrawalPayload,
  ): Promise<WithdrawalHandling> {
    const meta = { caseId: notice.caseId, messageId: notice.id, round: payload.round };
    // The earlier withdrawal of the case (by any province) is read with its parties.
    const { withdrawnBy } = await checkCaseParties<{ withdrawnBy: string | null }>(
      manager,
      notice,
      payload.residenceProvince,
      notice.type === 'registration.withdrawn' ? 'registrations' : 'reviews',
      {
        sql: [
          `(SELECT residence_province FROM verification.withdrawals WHERE case_id = $1) AS "withdrawnBy"`,
        ],
        params: [],
      },
    );
    if (withdrawnBy !== null) {
      if (withdrawnBy !== notice.sender.province) {
        throw new MessageRefusedError(
          DeadLetterReason.PARTY_MISMATCH,
          `sender ${notice.sender.province} is not the residence province of this case (${withdrawnBy}, bound by its withdrawal)`,
        );
      }
      this.logger.log('case already withdrawn: repeated notice ignored', meta);
      return 'already-withdrawn';
    }
    // The withdrawal and the release of the claim in one statement (a round trip costs CPU on
    // both sides): different tables, and only the release's result is read.
    const { sql, params } = joinWrites([
      {
        sql: `INSERT INTO verification.withdrawals
         (case_id, residence_province, hukou_province, round, message_id, withdrawn_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
        params: [
          notice.caseId,
          notice.sender.province,
          notice.recipient.province,
          payload.round,
          notice.id,
          payload.withdrawnAt,
        ],
      },
      {
        sql: `DELETE FROM verification.open_applications WHERE case_id = $1 RETURNING case_id`,
        params: [notice.caseId],
      },
    ]);
    const released: unknown[] = await manager.query(sql, params);
    this.logger.log(
      released.length
        ? 'case withdrawn by its residence side: claim on the person released'
        : 'case withdrawn by its residence side (it held no claim)',
      meta,
    );
    return 'withdrawn';
  }

  /**
   * Claims the person for this case: one open first application per person nationwide, since every
   * application for a resident of this province is reviewed here, whichever province took it. Two
   * provinces racing insert the same key: the second insert waits for the first transaction and
   * then finds the claim taken. True when this case holds the claim.
   */
  private async claimPerson(
    manager: EntityManager,
    request: Envelope,
    payload: ReviewRequestPayload,
  ): Promise<boolean> {
    const [holder]: { case_id: string }[] = await manager.query(
      `WITH claimed AS (
         INSERT INTO verification.open_applications (id_number, case_id, residence_province)
         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING case_id)
       SELECT case_id FROM claimed
       UNION ALL
       SELECT case_id FROM verification.open_applications WHERE id_number = $1
       LIMIT 1`,
      [payload.applicant.idNumber.toUpperCase(), request.caseId, payload.residenceProvince],
    );
    return holder?.case_id === request.caseId;
  }

  private async resend(
    manager: EntityManager,
    review: RecordedReview,
    request: Envelope,
    payload: ReviewRequestPayload,
    meta: Record<string, unknown>,
  ): Promise<ReviewHandling> {
    const changed = review.payloadHash !== payloadHash(payload);
    const reply = this.replyTo(request, review.decision);
    // The count and the answer in one statement (a round trip costs CPU on both sides).
    const { sql, params } = joinWrites([
      {
        sql: `UPDATE verification.reviews
          SET resend_count = resend_count + 1, last_request_message_id = $2, last_resent_at = now()
        WHERE id = $1`,
        params: [review.id, request.id],
      },
      this.messaging.outbox.insertOf([reply]),
    ]);
    await manager.query(sql, params);
    this.messaging.outbox.written(manager, [reply]);
    const message = changed
      ? `round ${payload.round} already decided (${review.outcome}); the repeated request differs from the one reviewed, the recorded decision is sent again (a new review needs a new round)`
      : `round ${payload.round} already decided (${review.outcome}); recorded decision sent again`;
    if (changed) this.logger.warn(message, { ...meta, firstRequestId: review.requestMessageId });
    else this.logger.log(message, { ...meta, firstRequestId: review.requestMessageId });
    return { kind: 'resent', decision: review.decision };
  }

  /** The `review.decided` answering `request`, ready for the outbox. */
  private replyTo(request: Envelope, decision: ReviewDecision) {
    return this.messaging.outbox.prepare({
      type: 'review.decided',
      caseId: request.caseId,
      payload: decision,
      from: this.messaging.address(request.recipient.province),
      parties: { residence: request.sender.province, hukou: request.recipient.province },
      replyTo: request,
    });
  }
}

function payloadHash(payload: unknown): string {
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}

/**
 * A row of `verification.registry_persons` as a RegistryRecord, in SQL (a JSON object, read in
 * the same query as the case): the date as YYYY-MM-DD, as the entity hydrates it.
 */
const REGISTRY_RECORD = `json_build_object('idNumber', id_number, 'name', name, 'sex', sex,
  'ethnicity', ethnicity, 'birthDate', birth_date, 'hukouAddressCode', hukou_address_code,
  'hukouAddress', hukou_address, 'status', status, 'cardIssued', card_issued, 'flags', flags)`;

/**
 * The parties of the case, as this side knows them: the verified sender must be intake of the
 * residence province the message names, and once a review of the case is recorded the case is
 * bound to its residence and hukou provinces: a request (or a withdrawal) for the same case from
 * another province is a different and suspicious thing (refused, PARTY_MISMATCH), never "already
 * decided". Serialised per case by an advisory lock, so two first requests cannot bind the case
 * twice and a request and a withdrawal of one case are handled one after the other. Under the
 * lock, one query reads the case's parties, whether the sender withdrew it, and the caller's `more`
 * columns; returns that row.
 */
export async function checkCaseParties<T extends object = object>(
  manager: EntityManager,
  request: Envelope,
  residenceProvince: string,
  decisions: 'reviews' | 'registrations' = 'reviews',
  more: CaseColumns = { sql: [], params: [] },
): Promise<CaseRead & T> {
  const refuse = (why: string) => {
    throw new MessageRefusedError(DeadLetterReason.PARTY_MISMATCH, why);
  };
  if (request.sender.service !== Service.INTAKE) {
    refuse(`${request.type} is sent by intake, not by ${request.sender.service}`);
  }
  if (request.sender.province !== residenceProvince) {
    refuse(
      `sender ${request.sender.province} is not the residence province the ${request.type === 'review.requested' ? 'request' : 'message'} names (${residenceProvince})`,
    );
  }
  // A hukou address outside this province is answered by the review rules (WRONG_HUKOU_PROVINCE).
  // The requests and withdrawals of one case are serialised by the transport's case lock
  // (caseLockKey), taken in the statement that opened this transaction: the read below takes its
  // snapshot after it.
  // The handler's reads of the case in one query (a round trip costs CPU on both sides), sent with
  // the opening when it could be (see casePartiesRead).
  const query = casePartiesRead(request, decisions, more);
  const [read] = (takeOpened(manager, query.key) ??
    (await manager.query(query.sql, query.params))) as (CaseRead &
    T & { bound: BoundParties | null })[];
  const { bound } = read;
  if (bound && bound.residence_province !== request.sender.province) {
    refuse(
      `sender ${request.sender.province} is not the residence province of this case (${bound.residence_province}, bound by its first ${decisions === 'reviews' ? 'review' : 'registration round'})`,
    );
  }
  if (bound && bound.hukou_province !== request.recipient.province) {
    refuse(
      `recipient ${request.recipient.province} is not the hukou province of this case (${bound.hukou_province})`,
    );
  }
  return read;
}

/** This round's recorded review, if any, and the applicant in the registry (for checkCaseParties). */
export function reviewColumns(payload: ReviewRequestPayload): CaseColumns {
  return {
    sql: [
      `(SELECT json_build_object('id', id::text, 'outcome', outcome, 'payloadHash', payload_hash,
               'requestMessageId', request_message_id, 'decision', decision)
          FROM verification.reviews WHERE case_id = $1 AND round = $3) AS recorded`,
      `(SELECT ${REGISTRY_RECORD} FROM verification.registry_persons WHERE id_number = $4) AS person`,
    ],
    params: [payload.round, payload.applicant.idNumber.toUpperCase()],
  };
}

/**
 * The one query checkCaseParties reads the case with: its parties as its first decision bound them,
 * whether its residence side withdrew it, and the caller's columns. The transport sends it with the
 * message's opening (the feature's openingRead), so it is taken from there when it is the
 * transaction's first look; otherwise checkCaseParties sends it.
 */
export function casePartiesRead(
  request: Envelope,
  decisions: 'reviews' | 'registrations',
  more: CaseColumns,
): OpeningRead {
  return {
    key: `verification.case:${decisions}:${request.id}`,
    sql: `SELECT (SELECT json_build_object('residence_province', residence_province,
                                      'hukou_province', hukou_province)
               FROM verification.${decisions} WHERE case_id = $1 ORDER BY round LIMIT 1) AS bound,
            EXISTS (SELECT 1 FROM verification.withdrawals
                     WHERE case_id = $1 AND residence_province = $2) AS withdrawn${more.sql
                       .map((column) => `,\n            ${column}`)
                       .join('')}`,
    params: [request.caseId, request.sender.province, ...more.params],
  };
}

/** The provinces a case's first decision bound it to. */
interface BoundParties {
  residence_province: string;
  hukou_province: string;
}

/** What `checkCaseParties` reads of the case, besides the caller's own columns. */
export interface CaseRead {
  /** Whether the sender (its residence side) withdrew the case (`review.withdrawn`, `registration.withdrawn`). */
  withdrawn: boolean;
}

/**
 * More of the case to read in the same query as its parties: SQL expressions, each named with AS,
 * whose placeholders start at $3 ($1 is the case id, $2 the sender's province), and their values.
 */
export interface CaseColumns {
  sql: string[];
  params: unknown[];
}
