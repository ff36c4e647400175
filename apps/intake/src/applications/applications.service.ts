import { ConflictException, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { todayInChina } from '@app/domain';
import { Caller } from '@app/platform';
import { CaseKind } from '@app/workflow';
import type { AcceptancePoint } from '../acceptance-points/acceptance-points';
import { ClerkDesk, KindFields, OpenCase, TakeResult } from '../clerk-desk/clerk-desk.service';
import { unprocessable } from '../common/http-problems';
import { PhotosService } from '../photos/photos.service';
import { IntakePolicy } from '../policy/intake-policy';
import {
  checkApplication,
  checkFingerprints,
  checkGuardian,
  checkApplicant,
  routeProblem,
} from './application-rules';
import { toCaseSummary, toCaseView } from './case-view';
import { CaseView, CasePageView } from './dto/case-view.dto';
import { CreateApplicationDto } from './dto/create-application.dto';
import { ListApplicationsQueryDto } from './dto/list-query.dto';
import { SupplementDto } from './dto/supplement.dto';

/** What `prepare` found: everything the case is made from. */
type Prepared = Awaited<ReturnType<ApplicationsService['prepare']>>;

export type CreateResult = TakeResult;

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

/** Supplement codes (from the hukou side's review rules) that must come with new material. */
const MATERIAL_OF_ITEM: Readonly<Record<string, 'photoId' | 'guardian' | undefined>> = {
  PHOTO_OUTDATED: 'photoId',
  GUARDIAN_REQUIRED: 'guardian',
};

const NOUN = 'application';

/** The clerk's side of a first ID card application: its checks, its fields and its views at the clerk's desk. */
@Injectable()
export class ApplicationsService {
  constructor(
    private readonly desk: ClerkDesk,
    private readonly policy: IntakePolicy,
    private readonly photos: PhotosService,
  ) {}

  // ----------------------------------------------------------------------------- create

  async create(
    point: string,
    caller: Caller,
    idempotencyKey: string | undefined,
    rawBody: unknown,
    dto: CreateApplicationDto,
  ): Promise<CreateResult> {
    return this.desk.take(point, caller, idempotencyKey, rawBody, {
      kind: CaseKind.ID_CARD,
      noun: NOUN,
      claimedPoint: dto.acceptancePoint,
      accepted: 'application accepted, review requested',
      prepare: (acceptancePoint, now, manager) => this.prepare(manager, acceptancePoint, dto, now),
      onePerPerson: {
        idNumber: (p) => p.checked.applicant.applicant.idNumber,
        refuse: refuseSecondOpenCase,
      },
      fields: (p) => this.fields(p),
      photo: (p) => p.photo,
      view: toCaseView,
    });
  }

  /** Every check of an ID card application that may refuse it, before anything is written. */
  private async prepare(
    manager: EntityManager,
    acceptancePoint: AcceptancePoint,
    dto: CreateApplicationDto,
    now: Date,
  ) {
    const today = todayInChina(now);
    const checked = checkApplication(dto, today);
    const decision = this.policy.eligibility(acceptancePoint.countyCode, checked.hukou.code, today);
    const closed = routeProblem(decision);
    if (closed) {
      throw unprocessable(closed.field, closed.rule, closed.message, { decision });
    }
    const photo = await this.photos.requireUsable(
      manager,
      dto.photoId,
      acceptancePoint.provinceCode,
      now,
    );
    const fee = this.policy.fee(acceptancePoint.countyCode, checked.hukou.code, today);
    return { dto, checked, decision, fee, photo };
  }

  private fields(p: Prepared): KindFields {
    return {
      kind: CaseKind.ID_CARD,
      hukouCode: p.checked.hukou.code,
      hukouProvince: p.checked.hukou.province.code,
      hukouAddress: p.dto.hukou.address.trim(),
      deliveryMethod: p.checked.delivery.method,
      delivery: p.checked.delivery,
      maxProductionAttempts: this.policy.maxProductionAttempts,
      applicant: p.checked.applicant.applicant,
      photoId: p.photo.id,
      fingerprints: p.checked.fingerprints,
      newborn: null,
      guardian: p.checked.guardian,
      proxy: p.checked.proxy,
      feeYuan: p.fee.amountYuan,
      feeRule: p.fee.rule,
      feeReason: p.fee.reason,
      eligibilityRule: p.decision.rule?.id ?? '',
      eligibilityReason: p.decision.reason,
    };
  }

  // ----------------------------------------------------------------------------- read

  get(point: string, id: string): Promise<CaseView> {
    return this.desk.read(point, { kind: CaseKind.ID_CARD, id, noun: NOUN }, toCaseView);
  }

  list(point: string, query: ListApplicationsQueryDto): Promise<CasePageView> {
    return this.desk.list(point, CaseKind.ID_CARD, query, toCaseSummary);
  }

  // ----------------------------------------------------------------------------- supplements

  supplement(point: string, caller: Caller, id: string, dto: SupplementDto): Promise<CaseView> {
    // The material comes with the event; the machine then sends the next round's review request
    // and restarts the review deadline (declared on the transition).
    return this.desk.supplement(
      point,
      caller,
      { kind: CaseKind.ID_CARD, id, noun: NOUN },
      dto.items,
      toCaseView,
      {
        // Items that stand for material must bring it, or the next round asks again for the same.
        mustBring: (code, i) => {
          const material = MATERIAL_OF_ITEM[code];
          if (material && dto[material] === undefined) {
            throw unprocessable(
              material,
              `supplement.${material}Required`,
              `${material}: required with items[${i}] ${code} (the hukou side asked for a new ${material})`,
            );
          }
        },
        apply: async (c, manager, now) => {
          const today = todayInChina(now);
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
        },
      },
    );
  }

  // ----------------------------------------------------------------------------- cancel

  cancel(point: string, caller: Caller, id: string, reason: string): Promise<CaseView> {
    // An approved case also tells production not to start (declared on the transition).
    return this.desk.withdraw(
      point,
      caller,
      { kind: CaseKind.ID_CARD, id, noun: NOUN },
      reason,
      toCaseView,
    );
  }
}
