import { Injectable } from '@nestjs/common';
import { checkNewbornApplication, parseCitizenId, todayInChina } from '@app/domain';
import { Caller } from '@app/platform';
import { CaseKind } from '@app/workflow';
import type { AcceptancePoint } from '../acceptance-points/acceptance-points';
import { checkDelivery, checkHukou, routeProblem } from '../applications/application-rules';
import { ClerkDesk, KindFields, TakeResult } from '../clerk-desk/clerk-desk.service';
import { unprocessable } from '../common/http-problems';
import { IntakePolicy } from '../policy/intake-policy';
import { CreateNewbornRegistrationDto } from './dto/create-newborn.dto';
import {
  ListNewbornQueryDto,
  NewbornCaseView,
  NewbornPageView,
  NewbornSupplementDto,
} from './dto/newborn-view.dto';
import { toNewbornSummary, toNewbornView } from './newborn-view';

export type NewbornCreateResult = TakeResult;

type Prepared = ReturnType<NewbornService['prepare']>;

const NOUN = 'newborn registration';

/**
 * The clerk's side of a newborn registration (新生儿落户): its checks, its fields and its views at
 * the clerk's desk. The case is a case of kind `newborn` in the same table as ID cards, moved only
 * through the case's front door (CaseService), which runs the newborn machine and carries out what
 * it declares (the registration request, deadlines, the delivery order once registered).
 */
@Injectable()
export class NewbornService {
  constructor(
    private readonly desk: ClerkDesk,
    private readonly policy: IntakePolicy,
  ) {}

  create(
    point: string,
    caller: Caller,
    idempotencyKey: string | undefined,
    rawBody: unknown,
    dto: CreateNewbornRegistrationDto,
  ): Promise<NewbornCreateResult> {
    // No "one open case per person": a parent may register twins at once.
    return this.desk.take(point, caller, idempotencyKey, rawBody, {
      kind: CaseKind.NEWBORN,
      noun: 'registration',
      claimedPoint: dto.acceptancePoint,
      accepted: 'newborn registration accepted, registration requested',
      prepare: (acceptancePoint, now) => this.prepare(acceptancePoint, dto, now),
      fields: (p) => this.fields(p),
      view: toNewbornView,
    });
  }

  /** Every check of a newborn registration that may refuse it, before anything is written. */
  private prepare(acceptancePoint: AcceptancePoint, dto: CreateNewbornRegistrationDto, now: Date) {
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
    return { dto, checked, hukou, delivery, decision };
  }

  private fields(p: Prepared): KindFields {
    const { dto } = p;
    const parentId = parseCitizenId(dto.parent.idNumber);
    const parent = {
      idNumber: parentId.number,
      name: dto.parent.name.trim(),
      relation: dto.parent.relation,
      ethnicity: dto.parent.ethnicity.trim(),
    };
    const other = dto.otherParent;
    return {
      kind: CaseKind.NEWBORN,
      hukouCode: p.hukou.code,
      hukouProvince: p.hukou.province.code,
      hukouAddress: dto.hukou.address.trim(),
      deliveryMethod: p.delivery.method,
      delivery: p.delivery,
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
      // Hukou registration carries no fee in this system (no fee policy applies to it).
      feeYuan: 0,
      feeRule: 'newborn-registration',
      feeReason: 'No fee: newborn hukou registration.',
      eligibilityRule: p.decision.rule?.id ?? '',
      eligibilityReason: p.decision.reason,
    };
  }

  get(point: string, id: string): Promise<NewbornCaseView> {
    return this.desk.read(point, { kind: CaseKind.NEWBORN, id, noun: NOUN }, toNewbornView);
  }

  list(point: string, query: ListNewbornQueryDto): Promise<NewbornPageView> {
    return this.desk.list(point, CaseKind.NEWBORN, query, toNewbornSummary);
  }

  supplement(
    point: string,
    caller: Caller,
    id: string,
    dto: NewbornSupplementDto,
  ): Promise<NewbornCaseView> {
    // The machine then sends the next round's registration request (declared).
    return this.desk.supplement(
      point,
      caller,
      { kind: CaseKind.NEWBORN, id, noun: NOUN },
      dto.items,
      toNewbornView,
    );
  }

  cancel(point: string, caller: Caller, id: string, reason: string): Promise<NewbornCaseView> {
    return this.desk.withdraw(
      point,
      caller,
      { kind: CaseKind.NEWBORN, id, noun: NOUN },
      reason,
      toNewbornView,
    );
  }
}
