import type { ApplicantT } from '@app/contracts';
import {
  ageOn,
  CitizenId,
  Division,
  DomainRuleError,
  EligibilityDecision,
  parseCitizenId,
  parseDivisionCode,
} from '@app/domain';
import type {
  DeliveryChoice,
  FingerprintsRecord,
  GuardianRecord,
  ProxyRecord,
} from '../case/case.entity';
import type {
  ApplicantDto,
  CreateApplicationDto,
  DeliveryDto,
  FingerprintsDto,
  GuardianDto,
  HukouDto,
  ProxyDto,
} from './dto/create-application.dto';

/**
 * The checks of an application that need no database: the DTOs have already passed the
 * ValidationPipe (shapes, lengths, enums); these are the domain rules that relate fields to each
 * other. A broken rule throws DomainRuleError (→ 400 naming the field and the rule).
 */

/** Below this age on the intake date a guardian must be recorded. */
export const GUARDIAN_REQUIRED_UNDER = 16;
/** A guardian must be an adult. */
export const GUARDIAN_MIN_AGE = 18;

export interface CheckedApplicant {
  applicant: ApplicantT;
  citizenId: CitizenId;
  /** Whole years on the intake date. */
  age: number;
}

export function checkApplicant(dto: ApplicantDto, today: string): CheckedApplicant {
  const citizenId = parseCitizenId(dto.idNumber, { field: 'applicant.idNumber', today });
  if (dto.sex !== citizenId.sex) {
    throw new DomainRuleError(
      'applicant.sex',
      'applicant.sexMatchesIdNumber',
      `applicant.sex: ${dto.sex} does not agree with the ID number (its sequence digits say ${citizenId.sex})`,
    );
  }
  if (dto.birthDate !== citizenId.birthDate) {
    throw new DomainRuleError(
      'applicant.birthDate',
      'applicant.birthDateMatchesIdNumber',
      `applicant.birthDate: ${dto.birthDate} does not agree with the birth date in the ID number`,
    );
  }
  return {
    applicant: {
      idNumber: citizenId.number,
      name: dto.name.trim(),
      sex: citizenId.sex,
      ethnicity: dto.ethnicity.trim(),
      birthDate: citizenId.birthDate,
    },
    citizenId,
    age: ageOn(citizenId.birthDate, today),
  };
}

/** The declared hukou address must be a real county-level division (routing uses it, not the ID). */
export function checkHukou(dto: HukouDto): Division {
  const division = parseDivisionCode(dto.addressCode, 'hukou.addressCode');
  if (division.level !== 'county') {
    throw new DomainRuleError(
      'hukou.addressCode',
      'division.county',
      `hukou.addressCode: ${dto.addressCode} names a ${division.level}; give the county-level code of the hukou address`,
    );
  }
  return division;
}

export function checkFingerprints(
  dto: FingerprintsDto,
  field = 'fingerprints',
): FingerprintsRecord {
  const hasTemplates = dto.templates !== undefined;
  const hasReason = dto.missingReason !== undefined;
  if (hasTemplates === hasReason) {
    throw new DomainRuleError(
      field,
      'fingerprints.oneOf',
      `${field}: give either two templates or a missingReason${hasTemplates ? ', not both' : ''}`,
    );
  }
  if (hasTemplates) {
    const [a, b] = dto.templates!;
    if (a === b) {
      throw new DomainRuleError(
        `${field}.templates`,
        'fingerprints.distinct',
        `${field}.templates: the two templates are identical; capture two different fingers`,
      );
    }
    return { captured: true, templates: [a, b], missingReason: null };
  }
  return { captured: false, templates: null, missingReason: dto.missingReason!.trim() };
}

export function checkGuardian(
  dto: GuardianDto | undefined,
  applicant: CheckedApplicant,
  today: string,
  field = 'guardian',
): GuardianRecord | null {
  if (!dto) {
    if (applicant.age < GUARDIAN_REQUIRED_UNDER) {
      throw new DomainRuleError(
        field,
        'guardian.requiredUnder16',
        `${field}: required because the applicant is ${applicant.age} on ${today} (under ${GUARDIAN_REQUIRED_UNDER}): record the guardian (监护人) who accompanies them`,
      );
    }
    return null;
  }
  const id = parseCitizenId(dto.idNumber, { field: `${field}.idNumber`, today });
  if (id.number === applicant.citizenId.number) {
    throw new DomainRuleError(
      `${field}.idNumber`,
      'guardian.notApplicant',
      `${field}.idNumber: the guardian cannot be the applicant`,
    );
  }
  if (ageOn(id.birthDate, today) < GUARDIAN_MIN_AGE) {
    throw new DomainRuleError(
      `${field}.idNumber`,
      'guardian.adult',
      `${field}.idNumber: a guardian must be at least ${GUARDIAN_MIN_AGE} (by the birth date in the ID number)`,
    );
  }
  return { name: dto.name.trim(), idNumber: id.number, relation: dto.relation.trim() };
}

export function checkProxy(
  dto: ProxyDto | undefined,
  applicant: CheckedApplicant,
  today: string,
): ProxyRecord | null {
  if (!dto) return null;
  const id = parseCitizenId(dto.idNumber, { field: 'proxy.idNumber', today });
  if (id.number === applicant.citizenId.number) {
    throw new DomainRuleError(
      'proxy.idNumber',
      'proxy.notApplicant',
      'proxy.idNumber: the proxy cannot be the applicant (leave proxy out)',
    );
  }
  return { name: dto.name.trim(), idNumber: id.number };
}

export function checkDelivery(dto: DeliveryDto): DeliveryChoice {
  const postal = { recipient: dto.recipient, address: dto.address, phone: dto.phone };
  if (dto.method === 'WINDOW') {
    const extra = Object.entries(postal).find(([, v]) => v !== undefined);
    if (extra) {
      throw new DomainRuleError(
        `delivery.${extra[0]}`,
        'delivery.windowHasNoPostalData',
        `delivery.${extra[0]}: only for method POST (window pickup needs no postal data)`,
      );
    }
    return { method: 'WINDOW', recipient: null, address: null, phone: null };
  }
  for (const [key, value] of Object.entries(postal)) {
    if (value === undefined) {
      throw new DomainRuleError(
        `delivery.${key}`,
        'delivery.postalDataRequired',
        `delivery.${key}: required for method POST`,
      );
    }
  }
  return {
    method: 'POST',
    recipient: dto.recipient!.trim(),
    address: dto.address!.trim(),
    phone: dto.phone!,
  };
}

export interface CheckedApplication {
  applicant: CheckedApplicant;
  hukou: Division;
  fingerprints: FingerprintsRecord;
  guardian: GuardianRecord | null;
  proxy: ProxyRecord | null;
  delivery: DeliveryChoice;
}

/** Every database-free rule of a new application, in the order a clerk would fix them. */
export function checkApplication(dto: CreateApplicationDto, today: string): CheckedApplication {
  const applicant = checkApplicant(dto.applicant, today);
  return {
    applicant,
    hukou: checkHukou(dto.hukou),
    fingerprints: checkFingerprints(dto.fingerprints),
    guardian: checkGuardian(dto.guardian, applicant, today),
    proxy: checkProxy(dto.proxy, applicant, today),
    delivery: checkDelivery(dto.delivery),
  };
}

/** A closed route, for a 422 quoting the decision: its reason and the rule that decided. */
export interface RouteProblem {
  field: string;
  rule: string;
  message: string;
  decision: EligibilityDecision;
}

export function routeProblem(decision: EligibilityDecision): RouteProblem | undefined {
  if (decision.eligible) return undefined;
  const sameProvince = decision.residenceProvince.code === decision.hukouProvince.code;
  const rule =
    decision.rule?.id ?? (sameProvince ? 'eligibility.notCrossProvince' : 'eligibility.noRule');
  return {
    field: 'hukou.addressCode',
    rule,
    message: `${decision.reason}${decision.rule ? ` (rule ${decision.rule.id})` : ''}`,
    decision,
  };
}
