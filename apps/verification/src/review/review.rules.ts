import type { IssueDecisionT, Payload, SupplementItemT } from '@app/contracts';
import {
  ageOn,
  isValidCitizenId,
  normaliseEthnicity,
  lookupDivision,
  todayInChina,
  validityFor,
  PHOTO_MAX_AGE_YEARS,
  photoAgeProblem,
} from '@app/domain';
import type { RegistryRecord } from '../registry/registry-record';

/**
 * The hukou county bureau's review (审核签发) as a pure function: the request, the registry record of
 * the applicant (or null) and the review time in, the `review.decided` payload out. No I/O, so every
 * rule is unit-tested; the handler only loads the registry row and records the result.
 */
export type ReviewRequestPayload = Payload<'review.requested'>;
export type ReviewDecision = Payload<'review.decided'>;

/** What the rules need of a request envelope: the payload and which province received it. */
export interface ReviewRequest {
  recipient: { province: string };
  payload: ReviewRequestPayload;
}

/** Stable refusal codes (不予签发): the applicant must apply at the hukou place. */
export const RefusalCode = {
  /** The hukou address code is not in the province that received the request. */
  WRONG_HUKOU_PROVINCE: 'WRONG_HUKOU_PROVINCE',
  /** No registry record with this ID number. */
  NOT_IN_REGISTRY: 'NOT_IN_REGISTRY',
  /** The registry's hukou address code differs from the declared one. */
  HUKOU_MISMATCH: 'HUKOU_MISMATCH',
  /** Name, sex, birth date or ethnicity differ from the registry. */
  PARTICULARS_MISMATCH: 'PARTICULARS_MISMATCH',
  /** The hukou is cancelled, or the person is registered as deceased. */
  HUKOU_INACTIVE: 'HUKOU_INACTIVE',
  /** The registry says a card was already issued: not a first application. */
  CARD_ALREADY_ISSUED: 'CARD_ALREADY_ISSUED',
  /** The registry record carries a watch flag (e.g. FRAUD_WATCH). */
  FLAGGED: 'FLAGGED',
  /** Another first application for this person is open (taken anywhere in the country). */
  APPLICATION_ALREADY_OPEN: 'APPLICATION_ALREADY_OPEN',
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

/** Stable codes of the supplementary material a review can ask for (补充材料). */
export const SupplementCode = {
  /** The portrait is older than 3 years at review time (or claims a capture time in the future). */
  PHOTO_OUTDATED: 'PHOTO_OUTDATED',
  /** Applicant under 16 and no (valid) guardian recorded. */
  GUARDIAN_REQUIRED: 'GUARDIAN_REQUIRED',
  /** Fingerprints not captured and no reason recorded. */
  FINGERPRINT_EXEMPTION_PROOF: 'FINGERPRINT_EXEMPTION_PROOF',
  /** The registry asks for the household register pages (flag DOCUMENTS_REQUIRED). */
  HOUSEHOLD_REGISTER_COPY: 'HOUSEHOLD_REGISTER_COPY',
} as const;

/**
 * The one registry flag that asks for material instead of keeping the case away: the bureau wants
 * to see the household register pages first. Any other flag (e.g. FRAUD_WATCH) refuses.
 */
export const DOCUMENTS_REQUIRED_FLAG = 'DOCUMENTS_REQUIRED';
export type SupplementCode = (typeof SupplementCode)[keyof typeof SupplementCode];

/** Under this age a guardian must be recorded. */
export const GUARDIAN_AGE = 16;

const APPLY_AT_HUKOU = 'Please apply at your hukou place (户籍地).';
const APPLY_AT_HUKOU_ZH = '请到户籍地公安机关申领。';

const FIELD_NAMES_ZH: Record<string, string> = {
  name: '姓名',
  sex: '性别',
  birthDate: '出生日期',
  ethnicity: '民族',
};

/**
 * The bureau that issues the card (签发机关), named after the hukou county:
 * - a city district (name ending in 区, except 特区 and the directly-administered 林区) is served by a
 *   branch of the city bureau: `${city}公安局${district without 区}分局`, e.g. 330402 南湖区 →
 *   嘉兴市公安局南湖分局, 110101 东城区 → 北京市公安局东城分局 (for the four municipalities the
 *   city is the province-level name); a 新区 of four or more characters drops 新区 (310115 浦东新区 →
 *   上海市公安局浦东分局); a two-character name keeps its 区 (140302 城区 → 阳泉市公安局城区分局);
 * - any other county-level division (县, 县级市, 旗, 特区, 林区) has its own bureau:
 *   `${county}公安局`, e.g. 330421 嘉善县公安局, 330481 海宁市公安局, 441900 东莞市公安局.
 */
export function issuingAuthorityFor(countyCode: string): string {
  const division = lookupDivision(countyCode);
  if (!division || division.level !== 'county')
    throw new Error(`${countyCode} is not a county-level division code`);
  const county = division.name;
  const prefecture = division.prefecture!.name;
  const directlyAdministered = /直辖县级行政区划$/.test(prefecture);
  const isDistrict = county.endsWith('区') && !county.endsWith('特区') && !directlyAdministered;
  if (!isDistrict || county === prefecture) return `${county}公安局`;
  const city = prefecture === '市辖区' || prefecture === '县' ? division.province.name : prefecture;
  const length = [...county].length;
  const short =
    county.endsWith('新区') && length >= 4
      ? county.slice(0, -2)
      : length > 2
        ? county.slice(0, -1)
        : county;
  return `${city}公安局${short}分局`;
}

/** Names compare after trimming, NFC, and one form of the middle dot (艾力·买买提). */
export function normaliseName(name: string): string {
  return name
    .normalize('NFC')
    .trim()
    .replace(/[\u2022\u2027\u30FB\uFF0E\u00B7．・•]/g, '·')
    .replace(/\s+/g, '');
}

/** Ethnicities compare with or without the trailing 族 (汉 = 汉族): the one rule of @app/domain. */
export { normaliseEthnicity };

/**
 * Reviews one round of an application. Precedence: refusals first (wrong province, not in the
 * registry, hukou mismatch, particulars mismatch, hukou inactive, card already issued, flagged,
 * another application already open — the first that applies decides), then every missing supplement at once, else approval with an issue
 * decision. Supplements already submitted (`payload.supplements`, or a new photo / guardian in their
 * fields) satisfy their requirement.
 */
export function reviewApplication(
  request: ReviewRequest,
  registry: RegistryRecord | null,
  reviewedAt: Date,
  /** Another case of this person holds the hukou side's one open application (any province). */
  openElsewhere = false,
): ReviewDecision {
  const { payload } = request;
  const decidedAt = reviewedAt.toISOString();
  const today = todayInChina(reviewedAt);
  const base = { round: payload.round, decidedAt };
  const refuse = (code: RefusalCode, reason: string): ReviewDecision => ({
    ...base,
    outcome: 'REFUSED',
    issue: null,
    refusal: { code, reason },
    supplement: null,
  });

  const declaredCode = payload.hukou.addressCode;
  if (declaredCode.slice(0, 2) !== request.recipient.province) {
    return refuse(
      RefusalCode.WRONG_HUKOU_PROVINCE,
      `The declared hukou address (division ${declaredCode}) is not in province ${request.recipient.province}, which received this request; only the hukou province can review it. Check the hukou address against your household register (户口簿), or apply at your hukou place (户籍地). 申报的户籍地址不属于本省，本省不能审核签发，请核对户口簿上的户籍地址或到户籍地申领。`,
    );
  }
  if (!registry) {
    return refuse(
      RefusalCode.NOT_IN_REGISTRY,
      `No person with this citizen ID number is registered in the population registry of the hukou province. Check the number against your household register (户口簿). ${APPLY_AT_HUKOU} 户籍地人口信息中查无此公民身份号码，请核对户口簿，或${APPLY_AT_HUKOU_ZH.slice(1)}`,
    );
  }
  if (registry.hukouAddressCode !== declaredCode) {
    return refuse(
      RefusalCode.HUKOU_MISMATCH,
      `The declared hukou address does not match the hukou registered for this person. ${APPLY_AT_HUKOU} 申报的户籍地址与户籍登记不符，${APPLY_AT_HUKOU_ZH}`,
    );
  }
  const applicant = payload.applicant;
  const mismatched: string[] = [];
  if (normaliseName(applicant.name) !== normaliseName(registry.name)) mismatched.push('name');
  if (applicant.sex !== registry.sex) mismatched.push('sex');
  if (applicant.birthDate !== registry.birthDate) mismatched.push('birthDate');
  if (normaliseEthnicity(applicant.ethnicity) !== normaliseEthnicity(registry.ethnicity))
    mismatched.push('ethnicity');
  if (mismatched.length) {
    const en = mismatched.map((f) => (f === 'birthDate' ? 'birth date' : f)).join(', ');
    const zh = mismatched.map((f) => FIELD_NAMES_ZH[f]).join('、');
    return refuse(
      RefusalCode.PARTICULARS_MISMATCH,
      `The declared ${en} do${mismatched.length === 1 ? 'es' : ''} not match the population registry. ${APPLY_AT_HUKOU} 申报的${zh}与户籍登记信息不符，${APPLY_AT_HUKOU_ZH}`,
    );
  }
  if (registry.status !== 'ACTIVE') {
    return refuse(
      RefusalCode.HUKOU_INACTIVE,
      `The hukou registration of this person is not active (cancelled, 注销). ${APPLY_AT_HUKOU} 该人员户籍状态异常（已注销），${APPLY_AT_HUKOU_ZH}`,
    );
  }
  if (registry.cardIssued) {
    return refuse(
      RefusalCode.CARD_ALREADY_ISSUED,
      `A resident ID card has already been issued to this person, so this is not a first application. ${APPLY_AT_HUKOU} 该人员已申领过居民身份证，不属于首次申领，${APPLY_AT_HUKOU_ZH}`,
    );
  }
  if (registry.flags.some((flag) => flag !== DOCUMENTS_REQUIRED_FLAG)) {
    return refuse(
      RefusalCode.FLAGGED,
      `This application cannot be handled across provinces. ${APPLY_AT_HUKOU} 该申请不能跨省通办，${APPLY_AT_HUKOU_ZH}`,
    );
  }

  if (openElsewhere) {
    // Never says where, which case or in what state: that is the other application's business.
    return refuse(
      RefusalCode.APPLICATION_ALREADY_OPEN,
      `A first ID card application for this person is already open elsewhere; a new one can be made once it is finished or withdrawn. 该人员已有一件正在办理的首次申领居民身份证申请，办结或撤回后方可重新申请。`,
    );
  }

  const items = missingSupplements(payload, registry, reviewedAt, today);
  if (items.length) {
    return {
      ...base,
      outcome: 'SUPPLEMENT_REQUIRED',
      issue: null,
      refusal: null,
      supplement: { items },
    };
  }
  return {
    ...base,
    outcome: 'APPROVED',
    issue: issueDecision(registry, today),
    refusal: null,
    supplement: null,
  };
}

function missingSupplements(
  payload: ReviewRequestPayload,
  registry: RegistryRecord,
  reviewedAt: Date,
  today: string,
): SupplementItemT[] {
  const items: SupplementItemT[] = [];
  const submitted = new Set(payload.supplements.map((s) => s.code));

  // Photo: the photo field holds the current portrait (a supplement round carries the new one).
  // The age rule is the one intake applies when the photo is attached (@app/domain).
  const photoProblem = photoAgeProblem(new Date(payload.photo.capturedAt), reviewedAt);
  if (photoProblem) {
    items.push({
      code: SupplementCode.PHOTO_OUTDATED,
      description:
        photoProblem.rule === 'photo.future'
          ? 'A new portrait photo is needed: the capture time of the photo on file is later than the review time. Have a new photo taken at an acceptance point. 相片采集时间晚于审核时间，请重新采集相片。'
          : `A new portrait photo is needed: ${photoProblem.message} at the review. Have a new photo taken at an acceptance point. 相片采集时间已超过${PHOTO_MAX_AGE_YEARS}年，请重新采集相片。`,
    });
  }

  // The hukou bureau wants to see the household register (户口簿) pages before it issues.
  if (
    registry.flags.includes(DOCUMENTS_REQUIRED_FLAG) &&
    !submitted.has(SupplementCode.HOUSEHOLD_REGISTER_COPY)
  ) {
    items.push({
      code: SupplementCode.HOUSEHOLD_REGISTER_COPY,
      description:
        "The hukou bureau needs a copy of the household register (户口簿) front page and the applicant's page before it issues. 户籍地公安机关需核验户口簿首页及本人页复印件，请补充提交。",
    });
  }

  // Guardian: applicants under 16 on the review day.
  if (ageOn(registry.birthDate, today) < GUARDIAN_AGE) {
    const guardian = payload.guardian;
    if (!guardian) {
      items.push({
        code: SupplementCode.GUARDIAN_REQUIRED,
        description:
          'The applicant is under 16: a guardian (监护人) must be recorded with name, ID number and relation. 申请人未满16周岁，须登记监护人姓名、公民身份号码及与申请人关系。',
      });
    } else if (
      !isValidCitizenId(guardian.idNumber, { today }) ||
      guardian.idNumber.toUpperCase() === payload.applicant.idNumber.toUpperCase()
    ) {
      items.push({
        code: SupplementCode.GUARDIAN_REQUIRED,
        description:
          "The applicant is under 16 and the guardian's citizen ID number is not valid: record the guardian (监护人) again. 申请人未满16周岁，所登记监护人的公民身份号码无效，请重新登记监护人信息。",
      });
    }
  }

  // Fingerprints: captured, or a recorded reason, or proof submitted as a supplement.
  const fp = payload.fingerprints;
  if (
    !fp.captured &&
    !(fp.missingReason && fp.missingReason.trim()) &&
    !submitted.has(SupplementCode.FINGERPRINT_EXEMPTION_PROOF)
  ) {
    items.push({
      code: SupplementCode.FINGERPRINT_EXEMPTION_PROOF,
      description:
        'Fingerprints were not captured and no reason was recorded: capture them, or submit proof of why they cannot be captured. 未采集指纹且未注明原因，请补采指纹或提交无法采集的证明。',
    });
  }
  return items;
}

/** The issue decision (签发) of an approved application: what the card will say. */
export function issueDecision(registry: RegistryRecord, issueDate: string): IssueDecisionT {
  const validity = validityFor(registry.birthDate, issueDate);
  return {
    issuingAuthority: issuingAuthorityFor(registry.hukouAddressCode),
    issuingAuthorityCode: registry.hukouAddressCode,
    issueDate,
    validFrom: validity.validFrom,
    validUntil: validity.validUntil,
    validityYears: validity.years,
    address: registry.hukouAddress,
  };
}

/** The codes a decision carries (for the review record and logs). */
export function decisionCodes(decision: ReviewDecision): {
  refusalCode: string | null;
  supplementCodes: string[];
} {
  return {
    refusalCode: decision.refusal?.code ?? null,
    supplementCodes: decision.supplement?.items.map((i) => i.code) ?? [],
  };
}
