import { z } from 'zod';

/**
 * Payload parts of the newborn hukou registration (新生儿落户) messages. The hukou side has no
 * access to the residence side's database, so the request carries the child's and the parents'
 * particulars; the answer carries the child's new citizen ID number and the household-register page.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const isoTime = z.string().datetime({ offset: true });
const divisionCode = z.string().regex(/^\d{6}$/, 'expected a 6-digit division code');
const idNumber = z.string().regex(/^\d{17}[\dX]$/, 'expected an 18-character citizen ID number');
const name = z.string().min(1).max(64);
const ethnicity = z.string().min(1).max(32);
const relation = z.enum(['FATHER', 'MOTHER']);

export const NewbornChild = z.object({
  name,
  sex: z.enum(['M', 'F']),
  birthDate: isoDate,
  ethnicity,
  /** Division code of the place of birth (出生地). */
  birthPlaceCode: divisionCode,
  /** A Civil Code art. 1015 exception code, when the surname follows neither parent. */
  surnameReason: z.string().min(1).max(40).nullable(),
});

export const NewbornParent = z.object({ idNumber, name, relation, ethnicity });

export const NewbornOtherParent = z.object({
  idNumber: idNumber.nullable(),
  name,
  relation,
  ethnicity,
});

export const MarriageEvidence = z.object({
  kind: z.string().min(1).max(40),
  number: z.string().min(1).max(40).nullable(),
});

/** 户口簿 常住人口登记卡: the household-register page of the child, as data. */
export const HouseholdRegisterPage = z.object({
  /** 户号 */
  householdNumber: z.string().min(1).max(40),
  /** Serial of the printed page (delivered like a card serial). */
  pageSerial: z.string().min(1).max(40),
  /** 姓名 */
  name,
  /** 与户主关系 as recorded: 子 / 女 of the declaring parent. */
  relationToParent: z.string().min(1).max(16),
  /** 性别 */
  sex: z.enum(['男', '女']),
  /** 出生地 */
  birthPlace: z.string().min(1).max(100),
  /** 民族 */
  ethnicity,
  /** 籍贯: the declaring parent's hukou county */
  nativePlace: z.string().min(1).max(100),
  /** 出生日期 */
  birthDate: isoDate,
  /** 公民身份号码 */
  citizenIdNumber: idNumber,
  /** 住址: the household's hukou address */
  address: z.string().min(1).max(200),
  /** 何时由何地迁来本址: 出生登记 */
  registrationReason: z.string().min(1).max(40),
  /** 登记日期 */
  registeredOn: isoDate,
  /** 承办单位: the hukou county bureau */
  registeringAuthority: z.string().min(1).max(100),
  registeringAuthorityCode: divisionCode,
});

export const NewbornRegistration = z.object({
  citizenIdNumber: idNumber,
  householdNumber: z.string().min(1).max(40),
  page: HouseholdRegisterPage,
});

export const NewbornSupplementItem = z.object({
  code: z.string().min(1).max(64),
  description: z.string().min(1).max(500),
});

export const RegistrationRequestedPayload = z.object({
  receiptNumber: z.string().min(1).max(40),
  acceptancePoint: z.string().regex(/^\d{6}-\d{2}$/, 'expected an acceptance point id'),
  residenceProvince: z.string().regex(/^\d{2}$/, 'expected a 2-digit province code'),
  /** 1 for the first review, +1 after each supplement. */
  round: z.number().int().min(1),
  child: NewbornChild,
  /** 出生医学证明编号, as printed. */
  birthCertificateNumber: z.string().min(1).max(40),
  /** The parent whose household the child joins. */
  parent: NewbornParent,
  otherParent: NewbornOtherParent.nullable(),
  marriage: MarriageEvidence,
  hukou: z.object({ addressCode: divisionCode, address: z.string().min(1).max(200) }),
  supplements: z.array(NewbornSupplementItem.extend({ submittedAt: isoTime })).max(50),
});

export const RegistrationDecidedPayload = z.object({
  round: z.number().int().min(1),
  outcome: z.enum(['REGISTERED', 'REFUSED', 'SUPPLEMENT_REQUIRED']),
  decidedAt: isoTime,
  registration: NewbornRegistration.nullable(),
  refusal: z
    .object({ code: z.string().min(1).max(64), reason: z.string().min(1).max(500) })
    .nullable(),
  supplement: z.object({ items: z.array(NewbornSupplementItem).min(1).max(20) }).nullable(),
});

export type NewbornChildT = z.infer<typeof NewbornChild>;
export type NewbornParentT = z.infer<typeof NewbornParent>;
export type NewbornOtherParentT = z.infer<typeof NewbornOtherParent>;
export type MarriageEvidenceT = z.infer<typeof MarriageEvidence>;
export type HouseholdRegisterPageT = z.infer<typeof HouseholdRegisterPage>;
export type NewbornRegistrationT = z.infer<typeof NewbornRegistration>;
