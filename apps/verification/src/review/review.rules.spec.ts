import { Catalog } from '@app/contracts';
import { listCounties, makeCitizenId } from '@app/domain';
import type { RegistryRecord } from '../registry/registry-record';
import {
  issuingAuthorityFor,
  RefusalCode,
  reviewApplication,
  ReviewRequest,
  ReviewRequestPayload,
  SupplementCode,
} from './review.rules';

// 2025-06-15 10:00 in China.
const REVIEWED_AT = new Date('2025-06-15T02:00:00Z');
const APPLICANT_ID = makeCitizenId({
  addressCode: '330402',
  birthDate: '2005-03-10',
  sequence: 123,
});

function registry(overrides: Partial<RegistryRecord> = {}): RegistryRecord {
  return {
    idNumber: APPLICANT_ID,
    name: '王小明',
    sex: 'M',
    ethnicity: '汉族',
    birthDate: '2005-03-10',
    hukouAddressCode: '330402',
    hukouAddress: '浙江省嘉兴市南湖区建设路123号',
    status: 'ACTIVE',
    cardIssued: false,
    flags: [],
    ...overrides,
  };
}

function request(
  overrides: Partial<ReviewRequestPayload> = {},
  recipientProvince = '33',
): ReviewRequest {
  return {
    recipient: { province: recipientProvince },
    payload: {
      receiptNumber: 'R3101012025000001',
      acceptancePoint: '310101-01',
      residenceProvince: '31',
      round: 1,
      applicant: {
        idNumber: APPLICANT_ID,
        name: '王小明',
        sex: 'M',
        ethnicity: '汉族',
        birthDate: '2005-03-10',
      },
      hukou: { addressCode: '330402', address: '浙江省嘉兴市南湖区建设路123号' },
      photo: {
        photoId: '6f1c3b0e-8a52-4d8e-9b1e-2f7f1c2d3e4f',
        sha256: 'a'.repeat(64),
        capturedAt: '2025-06-01T09:00:00+08:00',
      },
      fingerprints: { captured: true, missingReason: null },
      guardian: null,
      supplements: [],
      ...overrides,
    },
  };
}

const applicant = (o: Partial<ReviewRequestPayload['applicant']>) => ({
  ...request().payload.applicant,
  ...o,
});

function expectValidDecision(decision: unknown) {
  const parsed = Catalog['review.decided'].schema.safeParse(decision);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
}

describe('reviewApplication: approval', () => {
  it('approves a matching first application with the issue decision of the hukou county', () => {
    const decision = reviewApplication(request(), registry(), REVIEWED_AT);
    expect(decision).toEqual({
      round: 1,
      decidedAt: '2025-06-15T02:00:00.000Z',
      outcome: 'APPROVED',
      issue: {
        issuingAuthority: '嘉兴市公安局南湖分局',
        issuingAuthorityCode: '330402',
        issueDate: '2025-06-15',
        validFrom: '2025-06-15',
        validUntil: '2035-06-15',
        validityYears: 10,
        address: '浙江省嘉兴市南湖区建设路123号',
      },
      refusal: null,
      supplement: null,
    });
    expectValidDecision(decision);
  });

  it('prints the registry hukou address, not the declared text', () => {
    const decision = reviewApplication(
      request({ hukou: { addressCode: '330402', address: '南湖区建设路' } }),
      registry(),
      REVIEWED_AT,
    );
    expect(decision.issue?.address).toBe('浙江省嘉兴市南湖区建设路123号');
  });

  it('uses the Asia/Shanghai calendar date as the issue date', () => {
    // 2025-06-14 17:30 UTC is already 2025-06-15 01:30 in China.
    const decision = reviewApplication(request(), registry(), new Date('2025-06-14T17:30:00Z'));
    expect(decision.issue?.issueDate).toBe('2025-06-15');
  });

  it.each([
    ['2012-01-01', 5, '2030-06-15'],
    ['1990-01-01', 20, '2045-06-15'],
    ['1970-01-01', null, null],
  ])('validity for someone born %s: %s years', (birthDate, years, until) => {
    const id = makeCitizenId({ addressCode: '330402', birthDate, sequence: 123 });
    const guardian =
      years === 5
        ? {
            name: '王大明',
            idNumber: makeCitizenId({
              addressCode: '330402',
              birthDate: '1980-01-01',
              sequence: 1,
            }),
            relation: '父亲',
          }
        : null;
    const decision = reviewApplication(
      request({ applicant: applicant({ idNumber: id, birthDate }), guardian }),
      registry({ idNumber: id, birthDate }),
      REVIEWED_AT,
    );
    expect(decision.outcome).toBe('APPROVED');
    expect(decision.issue?.validityYears).toBe(years);
    expect(decision.issue?.validUntil).toBe(until);
    expectValidDecision(decision);
  });

  it('accepts 汉 for 汉族 and ignores spacing in names and middle-dot variants', () => {
    expect(
      reviewApplication(
        request({ applicant: applicant({ ethnicity: '汉', name: ' 王小明 ' }) }),
        registry(),
        REVIEWED_AT,
      ).outcome,
    ).toBe('APPROVED');
    expect(
      reviewApplication(
        request({ applicant: applicant({ name: '艾力•买买提', ethnicity: '维吾尔族' }) }),
        registry({ name: '艾力·买买提', ethnicity: '维吾尔族' }),
        REVIEWED_AT,
      ).outcome,
    ).toBe('APPROVED');
  });
});

describe('reviewApplication: refusals', () => {
  const refusalOf = (req: ReviewRequest, row: RegistryRecord | null) => {
    const decision = reviewApplication(req, row, REVIEWED_AT);
    expectValidDecision(decision);
    expect(decision.outcome).toBe('REFUSED');
    expect(decision.issue).toBeNull();
    expect(decision.supplement).toBeNull();
    return decision.refusal!;
  };

  it('WRONG_HUKOU_PROVINCE when the request reached another province than the hukou code', () => {
    expect(refusalOf(request({}, '34'), registry()).code).toBe(RefusalCode.WRONG_HUKOU_PROVINCE);
  });

  it('NOT_IN_REGISTRY when there is no registry record', () => {
    expect(refusalOf(request(), null).code).toBe(RefusalCode.NOT_IN_REGISTRY);
  });

  it('HUKOU_MISMATCH when the registered hukou county differs from the declared one', () => {
    expect(refusalOf(request(), registry({ hukouAddressCode: '330411' })).code).toBe(
      RefusalCode.HUKOU_MISMATCH,
    );
  });

  it.each([
    ['name', { name: '王晓明' }, 'name', '姓名'],
    ['sex', { sex: 'F' as const }, 'sex', '性别'],
    ['birth date', { birthDate: '2005-03-11' }, 'birth date', '出生日期'],
    ['ethnicity', { ethnicity: '回族' }, 'ethnicity', '民族'],
  ])('PARTICULARS_MISMATCH on %s, naming the field', (_label, change, en, zh) => {
    const refusal = refusalOf(request({ applicant: applicant(change) }), registry());
    expect(refusal.code).toBe(RefusalCode.PARTICULARS_MISMATCH);
    expect(refusal.reason).toContain(en);
    expect(refusal.reason).toContain(zh);
  });

  it('PARTICULARS_MISMATCH names every mismatched field', () => {
    const refusal = refusalOf(
      request({ applicant: applicant({ name: '李四', ethnicity: '满族' }) }),
      registry(),
    );
    expect(refusal.reason).toMatch(/name, ethnicity do not match/);
    expect(refusal.reason).toContain('姓名、民族');
  });

  it.each(['CANCELLED', 'DECEASED'] as const)('HUKOU_INACTIVE when the status is %s', (status) => {
    expect(refusalOf(request(), registry({ status })).code).toBe(RefusalCode.HUKOU_INACTIVE);
  });

  it('CARD_ALREADY_ISSUED when the registry says a card was issued', () => {
    expect(refusalOf(request(), registry({ cardIssued: true })).code).toBe(
      RefusalCode.CARD_ALREADY_ISSUED,
    );
  });

  it('APPLICATION_ALREADY_OPEN when another case holds the person, without saying where', () => {
    const decision = reviewApplication(request(), registry(), new Date(), true);
    expect(decision.outcome).toBe('REFUSED');
    expect(decision.refusal!.code).toBe(RefusalCode.APPLICATION_ALREADY_OPEN);
    expect(decision.refusal!.reason).toMatch(/already open elsewhere/);
    expect(decision.refusal!.reason).not.toMatch(/\d{2}/);
  });

  it('FLAGGED when the record carries a flag', () => {
    expect(refusalOf(request(), registry({ flags: ['FRAUD_WATCH'] })).code).toBe(
      RefusalCode.FLAGGED,
    );
  });

  it('FLAGGED for any flag but DOCUMENTS_REQUIRED, also beside it', () => {
    expect(
      refusalOf(request(), registry({ flags: ['DOCUMENTS_REQUIRED', 'FRAUD_WATCH'] })).code,
    ).toBe(RefusalCode.FLAGGED);
  });

  it('every refusal about the person tells the applicant, in English and Chinese, to apply at the hukou place', () => {
    const refusals = [
      refusalOf(request({}, '34'), registry()),
      refusalOf(request(), null),
      refusalOf(request(), registry({ hukouAddressCode: '330411' })),
      refusalOf(request({ applicant: applicant({ name: '李四' }) }), registry()),
      refusalOf(request(), registry({ status: 'DECEASED' })),
      refusalOf(request(), registry({ cardIssued: true })),
      refusalOf(request(), registry({ flags: ['FRAUD_WATCH'] })),
    ];
    // Every code but APPLICATION_ALREADY_OPEN (the applicant waits for, or withdraws, the open one).
    expect(new Set(refusals.map((r) => r.code)).size).toBe(Object.keys(RefusalCode).length - 1);
    for (const refusal of refusals) {
      expect(refusal.reason).toMatch(/hukou place \(户籍地\)/);
      expect(refusal.reason).toMatch(/户籍地/);
      expect(refusal.reason.length).toBeLessThanOrEqual(500);
      // Personal data never goes into a reason (it is stored, sent and may be logged).
      expect(refusal.reason).not.toContain(APPLICANT_ID);
      expect(refusal.reason).not.toContain('王小明');
      expect(refusal.reason).not.toContain('李四');
    }
  });

  it('precedence: the first failing rule decides, and refusals beat supplement requests', () => {
    const everythingWrong = registry({
      hukouAddressCode: '330411',
      status: 'DECEASED',
      cardIssued: true,
      flags: ['FRAUD_WATCH'],
    });
    expect(refusalOf(request({}, '34'), everythingWrong).code).toBe('WRONG_HUKOU_PROVINCE');
    expect(refusalOf(request(), everythingWrong).code).toBe('HUKOU_MISMATCH');
    expect(
      refusalOf(
        request({ applicant: applicant({ name: '李四' }) }),
        registry({ status: 'CANCELLED', cardIssued: true }),
      ).code,
    ).toBe('PARTICULARS_MISMATCH');
    expect(refusalOf(request(), registry({ status: 'CANCELLED', cardIssued: true })).code).toBe(
      'HUKOU_INACTIVE',
    );
    expect(refusalOf(request(), registry({ cardIssued: true, flags: ['X'] })).code).toBe(
      'CARD_ALREADY_ISSUED',
    );
    // An outdated photo and missing fingerprints do not matter when the answer is no.
    const refusal = refusalOf(
      request({
        photo: { ...request().payload.photo, capturedAt: '2020-01-01T00:00:00+08:00' },
        fingerprints: { captured: false, missingReason: null },
      }),
      registry({ flags: ['FRAUD_WATCH'] }),
    );
    expect(refusal.code).toBe('FLAGGED');
  });
});

describe('reviewApplication: supplement requests', () => {
  const itemsOf = (req: ReviewRequest, row = registry(), at = REVIEWED_AT) => {
    const decision = reviewApplication(req, row, at);
    expectValidDecision(decision);
    if (decision.outcome !== 'SUPPLEMENT_REQUIRED') return [];
    expect(decision.issue).toBeNull();
    expect(decision.refusal).toBeNull();
    return decision.supplement!.items.map((i) => i.code);
  };
  const photoAt = (capturedAt: string) => ({ ...request().payload.photo, capturedAt });

  it('HOUSEHOLD_REGISTER_COPY when the registry asks for the household register pages, until submitted', () => {
    const row = registry({ flags: ['DOCUMENTS_REQUIRED'] });
    expect(itemsOf(request(), row)).toEqual(['HOUSEHOLD_REGISTER_COPY']);
    const submitted = request({
      supplements: [
        {
          code: 'HOUSEHOLD_REGISTER_COPY',
          description: '户口簿复印件',
          submittedAt: REVIEWED_AT.toISOString(),
        },
      ],
    });
    expect(reviewApplication(submitted, row, REVIEWED_AT).outcome).toBe('APPROVED');
  });
  const child = makeCitizenId({ addressCode: '330402', birthDate: '2012-08-01', sequence: 124 });
  const childRequest = (o: Partial<ReviewRequestPayload> = {}) =>
    request({
      applicant: applicant({ idNumber: child, birthDate: '2012-08-01', sex: 'F', name: '王小红' }),
      ...o,
    });
  const childRow = registry({
    idNumber: child,
    birthDate: '2012-08-01',
    sex: 'F',
    name: '王小红',
  });
  const guardian = {
    name: '王大明',
    idNumber: makeCitizenId({ addressCode: '330402', birthDate: '1980-01-01', sequence: 11 }),
    relation: '父亲',
  };

  it('PHOTO_OUTDATED when the photo is 3 years old or more on the review day (China time)', () => {
    expect(itemsOf(request({ photo: photoAt('2022-06-15T08:00:00+08:00') }))).toEqual([
      SupplementCode.PHOTO_OUTDATED,
    ]);
    expect(itemsOf(request({ photo: photoAt('2022-06-16T08:00:00+08:00') }))).toEqual([]);
    // 2022-06-15 23:30 UTC is already 2022-06-16 in China: still under 3 years.
    expect(itemsOf(request({ photo: photoAt('2022-06-15T23:30:00Z') }))).toEqual([]);
  });

  it('PHOTO_OUTDATED when the capture time is in the future (beyond 5 minutes of clock skew)', () => {
    expect(itemsOf(request({ photo: photoAt('2025-06-15T02:10:00Z') }))).toEqual([
      SupplementCode.PHOTO_OUTDATED,
    ]);
    expect(itemsOf(request({ photo: photoAt('2025-06-15T02:04:00Z') }))).toEqual([]);
  });

  it('GUARDIAN_REQUIRED for an applicant under 16 without a guardian', () => {
    expect(itemsOf(childRequest(), childRow)).toEqual([SupplementCode.GUARDIAN_REQUIRED]);
    expect(itemsOf(childRequest({ guardian }), childRow)).toEqual([]);
  });

  it('GUARDIAN_REQUIRED when the guardian ID number is not valid or is the applicant', () => {
    const badCheckDigit =
      guardian.idNumber.slice(0, 17) + (guardian.idNumber[17] === '1' ? '2' : '1');
    expect(
      itemsOf(childRequest({ guardian: { ...guardian, idNumber: badCheckDigit } }), childRow),
    ).toEqual([SupplementCode.GUARDIAN_REQUIRED]);
    expect(itemsOf(childRequest({ guardian: { ...guardian, idNumber: child } }), childRow)).toEqual(
      [SupplementCode.GUARDIAN_REQUIRED],
    );
  });

  it('no guardian is needed from the 16th birthday on', () => {
    const id = makeCitizenId({ addressCode: '330402', birthDate: '2009-06-15', sequence: 125 });
    const req = request({ applicant: applicant({ idNumber: id, birthDate: '2009-06-15' }) });
    const row = registry({ idNumber: id, birthDate: '2009-06-15' });
    expect(itemsOf(req, row)).toEqual([]);
    expect(itemsOf(req, row, new Date('2025-06-14T02:00:00Z'))).toEqual([
      SupplementCode.GUARDIAN_REQUIRED,
    ]);
  });

  it('FINGERPRINT_EXEMPTION_PROOF when fingerprints are missing without a reason', () => {
    expect(itemsOf(request({ fingerprints: { captured: false, missingReason: null } }))).toEqual([
      SupplementCode.FINGERPRINT_EXEMPTION_PROOF,
    ]);
    expect(itemsOf(request({ fingerprints: { captured: false, missingReason: '  ' } }))).toEqual([
      SupplementCode.FINGERPRINT_EXEMPTION_PROOF,
    ]);
    expect(
      itemsOf(request({ fingerprints: { captured: false, missingReason: '双手指纹缺失' } })),
    ).toEqual([]);
  });

  it('names every missing item at once, each with an English and Chinese description', () => {
    const decision = reviewApplication(
      childRequest({
        photo: photoAt('2020-01-01T00:00:00+08:00'),
        fingerprints: { captured: false, missingReason: null },
      }),
      childRow,
      REVIEWED_AT,
    );
    expect(decision.outcome).toBe('SUPPLEMENT_REQUIRED');
    expect(decision.supplement!.items.map((i) => i.code)).toEqual([
      'PHOTO_OUTDATED',
      'GUARDIAN_REQUIRED',
      'FINGERPRINT_EXEMPTION_PROOF',
    ]);
    for (const item of decision.supplement!.items) {
      expect(item.description).toMatch(/[a-z]/);
      expect(item.description).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('a later round with the requested material is approved', () => {
    const submittedAt = '2025-06-14T09:00:00+08:00';
    const decision = reviewApplication(
      childRequest({
        round: 2,
        photo: photoAt('2025-06-14T09:00:00+08:00'),
        guardian,
        fingerprints: { captured: false, missingReason: null },
        supplements: [
          { code: 'PHOTO_OUTDATED', description: 'new photo', submittedAt },
          { code: 'GUARDIAN_REQUIRED', description: 'guardian recorded', submittedAt },
          {
            code: 'FINGERPRINT_EXEMPTION_PROOF',
            description: 'hospital certificate',
            submittedAt,
          },
        ],
      }),
      childRow,
      REVIEWED_AT,
    );
    expect(decision.outcome).toBe('APPROVED');
    expect(decision.round).toBe(2);
    expect(decision.issue?.validityYears).toBe(5);
  });

  it('a supplement item does not stand in for the material itself (photo, guardian)', () => {
    const submittedAt = '2025-06-14T09:00:00+08:00';
    expect(
      itemsOf(
        childRequest({
          round: 2,
          photo: photoAt('2020-01-01T00:00:00+08:00'),
          supplements: [
            { code: 'PHOTO_OUTDATED', description: 'new photo', submittedAt },
            { code: 'GUARDIAN_REQUIRED', description: 'guardian', submittedAt },
          ],
        }),
        childRow,
      ),
    ).toEqual(['PHOTO_OUTDATED', 'GUARDIAN_REQUIRED']);
  });
});

describe('issuingAuthorityFor', () => {
  it.each([
    ['330402', '嘉兴市公安局南湖分局'],
    ['110101', '北京市公安局东城分局'],
    ['310115', '上海市公安局浦东分局'],
    ['500101', '重庆市公安局万州分局'],
    ['140302', '阳泉市公安局城区分局'],
    ['330421', '嘉善县公安局'],
    ['330481', '海宁市公安局'],
    ['441900', '东莞市公安局'],
    ['500229', '城口县公安局'],
    ['429021', '神农架林区公安局'],
    ['520203', '六枝特区公安局'],
    ['150502', '通辽市公安局科尔沁分局'],
  ])('%s → %s', (code, authority) => {
    expect(issuingAuthorityFor(code)).toBe(authority);
  });

  it('names a bureau for every county-level division, within the contract length', () => {
    for (const county of listCounties()) {
      const authority = issuingAuthorityFor(county.code);
      expect(authority).toMatch(/(公安局|分局)$/);
      expect(authority.length).toBeLessThanOrEqual(100);
    }
  });

  it('rejects codes that are not county-level', () => {
    expect(() => issuingAuthorityFor('330400')).toThrow(/county-level/);
  });
});
