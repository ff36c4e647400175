import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { assignCitizenId, SEQUENCE_CAPACITY } from '@app/domain';
import { canonicalJson, Envelope, envelopeHash } from '@app/messaging';
import { joinWrites } from '@app/persistence';
import { ServiceMessaging } from '@app/platform';
import { RegistryPersonEntity } from '../registry/registry-person.entity';
import type { RegistryRecord } from '../registry/registry-record';
import { CaseColumns, checkCaseParties, REVIEW_CLOCK, ReviewClock } from '../review/review.service';
import { RegistrationEntity } from './registration.entity';
import {
  householdRegisterPage,
  RegistrationDecision,
  RegistrationRefusal,
  RegistrationRequestPayload,
  reviewRegistration,
} from './registration.rules';

/** Thrown inside the savepoint when the certificate turns out to be taken meanwhile. */
class CertificateTakenError extends Error {}

/** A decided round as a repeated request for it needs it (the decision is sent again). */
type RecordedRegistration = Pick<RegistrationEntity, 'id' | 'round' | 'outcome' | 'decision'>;

/**
 * Handles one `registration.requested` inside the inbox transaction: reviews the round once and,
 * on registration, gives the child a citizen ID number (a counter row per address code, birth date
 * and sex, taken with a locking upsert), adds the child to the registry in the parent's household,
 * records the birth certificate as used (its primary key decides between concurrent cases) and
 * answers with `registration.decided`. A repeated request for a decided round gets the recorded
 * decision again, unchanged.
 */
@Injectable()
export class RegistrationService {
  private readonly logger = new Logger(RegistrationService.name);

  constructor(
    private readonly messaging: ServiceMessaging,
    @Inject(REVIEW_CLOCK) private readonly clock: ReviewClock,
  ) {}

  async handle(
    manager: EntityManager,
    request: Envelope,
    payload: RegistrationRequestPayload,
  ): Promise<RegistrationDecision | null> {
    const meta = { caseId: request.caseId, messageId: request.id, round: payload.round };
    // The sender is intake of the residence province the request names, and the case stays bound
    // to the provinces of its first round (PARTY_MISMATCH otherwise, dead-lettered at once).
    // Takes the case's lock, then reads the case and this round's decision if it has one.
    const { withdrawn, recorded } = await checkCaseParties<{
      recorded: RecordedRegistration | null;
    }>(manager, request, payload.residenceProvince, 'registrations', registrationColumns(payload));
    // Withdrawn by its residence side (registration.withdrawn overtook this request, or this is a
    // late copy): nothing registered, the certificate stays unused, no answer.
    if (withdrawn) {
      this.logger.log('request for a withdrawn registration: not reviewed', meta);
      return null;
    }
    if (recorded) return this.resend(manager, recorded, request, meta);

    // One registration of one certificate at a time: a concurrent case with the same certificate
    // waits here and then sees it used.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `birth-certificate:${payload.birthCertificateNumber}`,
    ]);
    const decidedAt = this.clock();
    const decision = await this.decide(manager, request, payload, decidedAt);
    // The answer and the registration in one statement (a round trip costs CPU on both sides):
    // different tables, and only the registration's result is read.
    const reply = this.replyTo(request, decision);
    const { sql, params } = joinWrites([
      this.messaging.outbox.insertOf([reply]),
      {
        sql: `INSERT INTO verification.registrations
         (case_id, round, hukou_province, residence_province, request_message_id, request_hash,
          payload_hash, outcome, refusal_code, supplement_codes, child_id_number, decision, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
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
          decision.refusal?.code ?? null,
          decision.supplement?.items.map((i) => i.code) ?? [],
          decision.registration?.citizenIdNumber ?? null,
          JSON.stringify(decision),
          decidedAt,
        ],
      },
    ]);
    const inserted: { id: string }[] = await manager.query(sql, params);
    this.messaging.outbox.written(manager, [reply]);
    if (inserted.length === 0) {
      // Cannot happen under the case's inbox and the certificate lock; refuse to answer twice
      // (the answer written with it is rolled back).
      throw new Error('registration of this round was recorded concurrently; retrying');
    }
    this.logger.log(`registration decided: ${decision.outcome}`, {
      ...meta,
      outcome: decision.outcome,
      refusalCode: decision.refusal?.code ?? null,
      supplementCodes: decision.supplement?.items.map((i) => i.code) ?? [],
    });
    return decision;
  }

  private async decide(
    manager: EntityManager,
    request: Envelope,
    payload: RegistrationRequestPayload,
    decidedAt: Date,
  ): Promise<RegistrationDecision> {
    const base = { round: payload.round, decidedAt: decidedAt.toISOString() };
    const parentRow = await manager.findOne(RegistryPersonEntity, {
      where: { idNumber: payload.parent.idNumber.toUpperCase() },
      lock: { mode: 'pessimistic_write' },
    });
    const [used]: unknown[] = await manager.query(
      `SELECT 1 FROM verification.birth_certificates WHERE number = $1`,
      [payload.birthCertificateNumber],
    );
    // The same child (name, sex, birth date) already in the parent's household.
    const [twin]: unknown[] = parentRow?.householdNumber
      ? await manager.query(
          `SELECT 1 FROM verification.registry_persons
            WHERE household_number = $1 AND birth_date = $2 AND sex = $3 AND name = $4 LIMIT 1`,
          [
            parentRow.householdNumber,
            payload.child.birthDate,
            payload.child.sex,
            payload.child.name,
          ],
        )
      : [];
    const verdict = reviewRegistration(request.recipient.province, payload, {
      parent: parentRow ? toRecord(parentRow) : null,
      certificateUsed: used !== undefined,
      childRegistered: twin !== undefined,
    });
    if (verdict.outcome === 'REFUSED') {
      return {
        ...base,
        outcome: 'REFUSED',
        registration: null,
        refusal: { code: verdict.code, reason: verdict.reason },
        supplement: null,
      };
    }
    if (verdict.outcome === 'SUPPLEMENT_REQUIRED') {
      return {
        ...base,
        outcome: 'SUPPLEMENT_REQUIRED',
        registration: null,
        refusal: null,
        supplement: { items: verdict.items },
      };
    }
    const registration = await this.register(manager, request, payload, parentRow!, decidedAt);
    return { ...base, outcome: 'REGISTERED', registration, refusal: null, supplement: null };
  }

  /** Adds the child to the registry under a new citizen ID number; records the certificate. */
  private async register(
    manager: EntityManager,
    request: Envelope,
    payload: RegistrationRequestPayload,
    parent: RegistryPersonEntity,
    at: Date,
  ) {
    const child = payload.child;
    const householdNumber = parent.householdNumber ?? (await this.newHousehold(manager, parent));
    let citizenIdNumber: string | null = null;
    while (citizenIdNumber === null) {
      // The counter row is locked by the upsert until this transaction ends: a concurrent
      // registration for the same code, date and sex waits and then takes the next ordinal.
      const [{ last }]: { last: number }[] = await manager.query(
        `INSERT INTO verification.citizen_id_sequences (address_code, birth_date, sex, last)
         VALUES ($1, $2, $3, 1)
         ON CONFLICT (address_code, birth_date, sex)
           DO UPDATE SET last = citizen_id_sequences.last + 1
         RETURNING last`,
        [parent.hukouAddressCode, child.birthDate, child.sex],
      );
      if (last > SEQUENCE_CAPACITY[child.sex]) {
        throw new Error(
          `no citizen ID sequence code left for this address code, birth date and sex (${SEQUENCE_CAPACITY[child.sex]} given out)`,
        );
      }
      const candidate = assignCitizenId({
        addressCode: parent.hukouAddressCode,
        birthDate: child.birthDate,
        sex: child.sex,
        ordinal: last,
      });
      // A number already held by someone imported into the registry is skipped.
      const added: unknown[] = await manager.query(
        `INSERT INTO verification.registry_persons
           (id_number, name, sex, ethnicity, birth_date, hukou_address_code, hukou_address, status,
            card_issued, flags, household_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'ACTIVE', false, '{}', $8)
         ON CONFLICT (id_number) DO NOTHING RETURNING id_number`,
        [
          candidate,
          child.name,
          child.sex,
          child.ethnicity,
          child.birthDate,
          parent.hukouAddressCode,
          parent.hukouAddress,
          householdNumber,
        ],
      );
      if (added.length) citizenIdNumber = candidate;
    }
    const claimed: unknown[] = await manager.query(
      `INSERT INTO verification.birth_certificates (number, case_id, child_id_number, registered_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (number) DO NOTHING RETURNING number`,
      [payload.birthCertificateNumber, request.caseId, citizenIdNumber, at],
    );
    if (claimed.length === 0) {
      // Prevented by the certificate lock and check above; never register a second child.
      throw new CertificateTakenError(RegistrationRefusal.CERTIFICATE_USED);
    }
    const [{ seq }]: { seq: string }[] = await manager.query(
      `SELECT nextval('verification.register_page_seq')::text AS seq`,
    );
    const day = at.toISOString().slice(0, 10).replace(/-/g, '');
    return householdRegisterPage({
      payload,
      parent: toRecord(parent),
      citizenIdNumber,
      householdNumber,
      pageSerial: `${parent.hukouAddressCode.slice(0, 2)}-H${day}-${seq.padStart(7, '0')}`,
      registeredAt: at,
    });
  }

  /** 户号 for a parent registered without one: the county code and a new number. */
  private async newHousehold(manager: EntityManager, parent: RegistryPersonEntity) {
    const [{ seq }]: { seq: string }[] = await manager.query(
      `SELECT nextval('verification.household_number_seq')::text AS seq`,
    );
    const householdNumber = `${parent.hukouAddressCode}${seq.padStart(9, '0')}`;
    await manager.query(
      `UPDATE verification.registry_persons SET household_number = $2, updated_at = now()
        WHERE id_number = $1`,
      [parent.idNumber, householdNumber],
    );
    parent.householdNumber = householdNumber;
    return householdNumber;
  }

  private async resend(
    manager: EntityManager,
    recorded: RecordedRegistration,
    request: Envelope,
    meta: Record<string, unknown>,
  ): Promise<RegistrationDecision> {
    const reply = this.replyTo(request, recorded.decision);
    // The count and the answer in one statement (a round trip costs CPU on both sides).
    const { sql, params } = joinWrites([
      {
        sql: `UPDATE verification.registrations
          SET resend_count = resend_count + 1, last_request_message_id = $2, last_resent_at = now()
        WHERE id = $1`,
        params: [recorded.id, request.id],
      },
      this.messaging.outbox.insertOf([reply]),
    ]);
    await manager.query(sql, params);
    this.messaging.outbox.written(manager, [reply]);
    this.logger.log(
      `registration round ${recorded.round} already decided (${recorded.outcome}); recorded decision sent again`,
      meta,
    );
    return recorded.decision;
  }

  /** The `registration.decided` answering `request`, ready for the outbox. */
  private replyTo(request: Envelope, decision: RegistrationDecision) {
    return this.messaging.outbox.prepare({
      type: 'registration.decided',
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

function toRecord(row: RegistryPersonEntity): RegistryRecord {
  return {
    idNumber: row.idNumber,
    name: row.name,
    sex: row.sex,
    ethnicity: row.ethnicity,
    birthDate: row.birthDate,
    hukouAddressCode: row.hukouAddressCode,
    hukouAddress: row.hukouAddress,
    status: row.status,
    cardIssued: row.cardIssued,
    flags: row.flags,
  };
}

/** This round's recorded registration, if any (for checkCaseParties). */
export function registrationColumns(payload: RegistrationRequestPayload): CaseColumns {
  return {
    sql: [
      `(SELECT json_build_object('id', id::text, 'round', round, 'outcome', outcome,
               'decision', decision)
          FROM verification.registrations WHERE case_id = $1 AND round = $3) AS recorded`,
    ],
    params: [payload.round],
  };
}
