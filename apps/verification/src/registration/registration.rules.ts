import type { Payload, SupplementItemT } from '@app/contracts';
import { lookupDivision, normaliseEthnicity, todayInChina } from '@app/domain';
import type { RegistryRecord } from '../registry/registry-record';
import {
  DOCUMENTS_REQUIRED_FLAG,
  issuingAuthorityFor,
  normaliseName,
} from '../review/review.rules';

/**
 * The hukou county bureau's review of a newborn registration (新生儿落户) as a pure function: the
 * request, what the registry knows (the declaring parent, whether the birth certificate was used,
 * whether the child is already registered) and the review time in; the verdict out. The service
 * then, on REGISTER, assigns the child's citizen ID number under a database lock and builds the
 * household-register page (`householdRegisterPage`).
 */
export type RegistrationRequestPayload = Payload<'registration.requested'>;
export type RegistrationDecision = Payload<'registration.decided'>;

export interface RegistrationFacts {
  /** The registry record of the declaring parent (by ID number), or null. */
  parent: RegistryRecord | null;
  /** The birth certificate number was already used for a registration. */
  certificateUsed: boolean;
  /** A person with the child's name, sex and birth date is already in the parent's household. */
  childRegistered: boolean;
}

/** Stable refusal codes (不予登记); the reason in words goes with each. */
export const RegistrationRefusal = {
  WRONG_HUKOU_PROVINCE: 'WRONG_HUKOU_PROVINCE',
  PARENT_NOT_IN_REGISTRY: 'PARENT_NOT_IN_REGISTRY',
  PARENT_HUKOU_MISMATCH: 'PARENT_HUKOU_MISMATCH',
  PARENT_PARTICULARS_MISMATCH: 'PARENT_PARTICULARS_MISMATCH',
  PARENT_HUKOU_INACTIVE: 'PARENT_HUKOU_INACTIVE',
  PARENT_FLAGGED: 'PARENT_FLAGGED',
  CERTIFICATE_USED: 'CERTIFICATE_USED',
  ALREADY_REGISTERED: 'ALREADY_REGISTERED',
} as const;
export type RegistrationRefusal = (typeof RegistrationRefusal)[keyof typeof RegistrationRefusal];

/** Stable codes of the material the bureau can ask for. */
export const RegistrationSupplement = {
  /** A copy of the marriage certificate, or the signed statement of non-marital birth. */
  MARRIAGE_EVIDENCE: 'MARRIAGE_EVIDENCE',
  /** A clearer copy of the birth medical certificate (出生医学证明). */
  BIRTH_CERTIFICATE_COPY: 'BIRTH_CERTIFICATE_COPY',
} as const;

export type RegistrationVerdict =
  | { outcome: 'REGISTER' }
  | { outcome: 'REFUSED'; code: RegistrationRefusal; reason: string }
  | { outcome: 'SUPPLEMENT_REQUIRED'; items: SupplementItemT[] };

const AT_HUKOU =
  'Please register the child at the hukou place (户籍地). 请到户籍地公安机关办理出生登记。';

/**
 * Precedence: refusals (wrong province, parent not in the registry, at another hukou, particulars
 * differ, hukou inactive, flagged, certificate used, child registered; the first that applies
 * decides), then every missing supplement at once, else registration. The registry flag
 * DOCUMENTS_REQUIRED on the parent asks for the papers (marriage evidence and a clearer certificate
 * copy) instead of refusing; any other flag refuses.
 */
export function reviewRegistration(
  recipientProvince: string,
  payload: RegistrationRequestPayload,
  facts: RegistrationFacts,
): RegistrationVerdict {
  const refuse = (code: RegistrationRefusal, reason: string): RegistrationVerdict => ({
    outcome: 'REFUSED',
    code,
    reason,
  });
  const declared = payload.hukou.addressCode;
  if (declared.slice(0, 2) !== recipientProvince) {
    return refuse(
      RegistrationRefusal.WRONG_HUKOU_PROVINCE,
      `The declared household (division ${declared}) is not in province ${recipientProvince}, which received this request. Check the hukou address against the household register (户口簿). 申报的户籍地址不属于本省，请核对户口簿。`,
    );
  }
  const parent = facts.parent;
  if (!parent) {
    return refuse(
      RegistrationRefusal.PARENT_NOT_IN_REGISTRY,
      `No person with the declaring parent's citizen ID number is registered in this province. ${AT_HUKOU} 户籍地人口信息中查无申报父（母）亲。`,
    );
  }
  if (parent.hukouAddressCode !== declared) {
    return refuse(
      RegistrationRefusal.PARENT_HUKOU_MISMATCH,
      `The declaring parent does not live at the declared hukou address; the child joins the household where the parent is registered. 申报的户籍地址与父（母）亲户籍登记不符。`,
    );
  }
  const mismatched: string[] = [];
  if (normaliseName(payload.parent.name) !== normaliseName(parent.name)) mismatched.push('name');
  if (normaliseEthnicity(payload.parent.ethnicity) !== normaliseEthnicity(parent.ethnicity))
    mismatched.push('ethnicity');
  if ((payload.parent.relation === 'FATHER' ? 'M' : 'F') !== parent.sex) mismatched.push('sex');
  if (mismatched.length) {
    return refuse(
      RegistrationRefusal.PARENT_PARTICULARS_MISMATCH,
      `The declaring parent's ${mismatched.join(', ')} do not match the population registry. 申报的父（母）亲信息与户籍登记不符。`,
    );
  }
  if (parent.status !== 'ACTIVE') {
    return refuse(
      RegistrationRefusal.PARENT_HUKOU_INACTIVE,
      `The declaring parent's hukou is not active (cancelled or deceased): the child cannot join that household. ${AT_HUKOU}`,
    );
  }
  if (parent.flags.some((f) => f !== DOCUMENTS_REQUIRED_FLAG)) {
    return refuse(
      RegistrationRefusal.PARENT_FLAGGED,
      `This registration cannot be handled across provinces. ${AT_HUKOU}`,
    );
  }
  if (facts.certificateUsed) {
    return refuse(
      RegistrationRefusal.CERTIFICATE_USED,
      'This birth medical certificate (出生医学证明) was already used to register a child; a certificate registers one child once. 该出生医学证明已办理过出生登记。',
    );
  }
  if (facts.childRegistered) {
    return refuse(
      RegistrationRefusal.ALREADY_REGISTERED,
      'A child with this name, sex and birth date is already registered in this household. 该婴儿已登记户口，不得重复登记。',
    );
  }

  const submitted = new Set(payload.supplements.map((s) => s.code));
  const items: SupplementItemT[] = [];
  if (parent.flags.includes(DOCUMENTS_REQUIRED_FLAG)) {
    if (!submitted.has(RegistrationSupplement.MARRIAGE_EVIDENCE)) {
      items.push({
        code: RegistrationSupplement.MARRIAGE_EVIDENCE,
        description:
          'The hukou bureau needs a copy of the marriage certificate (结婚证), or the signed statement of non-marital birth (非婚生育说明). 请补充提交结婚证复印件或非婚生育说明。',
      });
    }
    if (!submitted.has(RegistrationSupplement.BIRTH_CERTIFICATE_COPY)) {
      items.push({
        code: RegistrationSupplement.BIRTH_CERTIFICATE_COPY,
        description:
          'The copy of the birth medical certificate (出生医学证明) is not clear enough: submit a clearer copy. 出生医学证明复印件不清晰，请重新提交。',
      });
    }
  }
  if (items.length) return { outcome: 'SUPPLEMENT_REQUIRED', items };
  return { outcome: 'REGISTER' };
}

/** The household-register page (户口簿 常住人口登记卡) of a registered child, as data. */
export function householdRegisterPage(input: {
  payload: RegistrationRequestPayload;
  parent: RegistryRecord;
  citizenIdNumber: string;
  householdNumber: string;
  pageSerial: string;
  registeredAt: Date;
}): Payload<'registration.decided'>['registration'] & object {
  const { payload, parent } = input;
  const child = payload.child;
  const hukou = parent.hukouAddressCode;
  return {
    citizenIdNumber: input.citizenIdNumber,
    householdNumber: input.householdNumber,
    page: {
      householdNumber: input.householdNumber,
      pageSerial: input.pageSerial,
      name: child.name,
      relationToParent: child.sex === 'M' ? '子' : '女',
      sex: child.sex === 'M' ? '男' : '女',
      birthPlace: lookupDivision(child.birthPlaceCode)?.fullName ?? child.birthPlaceCode,
      ethnicity: child.ethnicity,
      nativePlace: lookupDivision(hukou)?.fullName ?? hukou,
      birthDate: child.birthDate,
      citizenIdNumber: input.citizenIdNumber,
      address: parent.hukouAddress,
      registrationReason: '出生登记',
      registeredOn: todayInChina(input.registeredAt),
      registeringAuthority: issuingAuthorityFor(hukou),
      registeringAuthorityCode: hukou,
    },
  };
}
