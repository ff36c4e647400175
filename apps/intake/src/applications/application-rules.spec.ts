import { checkEligibility, DomainRuleError, makeCitizenId } from '@app/domain';
import { caughtRuleError } from '@app/domain/testing/errors';
import {
  checkApplication,
  checkDelivery,
  checkFingerprints,
  checkGuardian,
  checkHukou,
  routeProblem,
} from './application-rules';
import type { CreateApplicationDto } from './dto/create-application.dto';

const TODAY = '2026-11-23';

function body(overrides: Partial<CreateApplicationDto> = {}): CreateApplicationDto {
  const idNumber = makeCitizenId({ addressCode: '340104', birthDate: '1998-03-15', sequence: 31 });
  return {
    applicant: { idNumber, name: ' 张三 ', sex: 'M', ethnicity: '汉', birthDate: '1998-03-15' },
    hukou: { addressCode: '340104', address: '安徽省合肥市蜀山区长江西路1号' },
    acceptancePoint: '330402-01',
    photoId: '6f1d3c0e-0d6f-4b8e-9c53-7f3b1f0a1e11',
    fingerprints: { templates: ['QUJD', 'REVG'] },
    delivery: { method: 'WINDOW' },
    ...overrides,
  } as CreateApplicationDto;
}

const rule = (fn: () => unknown) => {
  const e = caughtRuleError(fn);
  return { field: e.field, rule: e.rule, message: e.message };
};

describe('application rules (DTO → domain)', () => {
  it('accepts a consistent application and normalises it', () => {
    const checked = checkApplication(body(), TODAY);
    expect(checked.applicant.applicant).toMatchObject({
      name: '张三',
      sex: 'M',
      birthDate: '1998-03-15',
    });
    expect(checked.applicant.age).toBe(28);
    expect(checked.hukou).toMatchObject({ code: '340104', level: 'county' });
    expect(checked.fingerprints).toEqual({
      captured: true,
      templates: ['QUJD', 'REVG'],
      missingReason: null,
    });
    expect(checked.guardian).toBeNull();
    expect(checked.delivery).toEqual({
      method: 'WINDOW',
      recipient: null,
      address: null,
      phone: null,
    });
  });

  it('names the ID number field and the rule for a bad ID number', () => {
    const b = body();
    const id = b.applicant.idNumber;
    b.applicant.idNumber = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    expect(rule(() => checkApplication(b, TODAY))).toMatchObject({
      field: 'applicant.idNumber',
      rule: 'citizenId.checkDigit',
    });
    const noId = JSON.stringify(rule(() => checkApplication(b, TODAY)));
    expect(noId).not.toContain(b.applicant.idNumber);
  });

  it('requires sex and birth date to agree with the ID number', () => {
    const wrongSex = body();
    wrongSex.applicant.sex = 'F';
    expect(rule(() => checkApplication(wrongSex, TODAY))).toMatchObject({
      field: 'applicant.sex',
      rule: 'applicant.sexMatchesIdNumber',
    });
    const wrongBirth = body();
    wrongBirth.applicant.birthDate = '1998-03-16';
    expect(rule(() => checkApplication(wrongBirth, TODAY))).toMatchObject({
      field: 'applicant.birthDate',
      rule: 'applicant.birthDateMatchesIdNumber',
    });
  });

  it('requires a guardian under 16 on the intake date, counting the birthday itself', () => {
    const born = '2010-11-24'; // 16 tomorrow
    const idNumber = makeCitizenId({ addressCode: '340104', birthDate: born, sequence: 12 });
    const minor = body({
      applicant: { idNumber, name: '小明', sex: 'F', ethnicity: '汉', birthDate: born },
    });
    expect(rule(() => checkApplication(minor, TODAY))).toMatchObject({
      field: 'guardian',
      rule: 'guardian.requiredUnder16',
    });
    expect(checkApplication(minor, '2026-11-24').guardian).toBeNull();
    const adult = makeCitizenId({ addressCode: '330402', birthDate: '1980-01-01', sequence: 22 });
    const withGuardian = {
      ...minor,
      guardian: { name: '母亲', idNumber: adult, relation: '母亲' },
    };
    expect(checkApplication(withGuardian, TODAY).guardian).toEqual({
      name: '母亲',
      idNumber: adult,
      relation: '母亲',
    });
  });

  it('checks the guardian: a valid ID, not the applicant, an adult', () => {
    const applicant = checkApplication(body(), TODAY).applicant;
    const teen = makeCitizenId({ addressCode: '330402', birthDate: '2010-01-01', sequence: 22 });
    expect(
      rule(() => checkGuardian({ name: 'x', idNumber: teen, relation: '哥哥' }, applicant, TODAY)),
    ).toMatchObject({ field: 'guardian.idNumber', rule: 'guardian.adult' });
    expect(
      rule(() =>
        checkGuardian(
          { name: 'x', idNumber: applicant.citizenId.number, relation: '本人' },
          applicant,
          TODAY,
        ),
      ),
    ).toMatchObject({ rule: 'guardian.notApplicant' });
    expect(
      rule(() =>
        checkGuardian(
          { name: 'x', idNumber: '110101199001011234', relation: 'x' },
          applicant,
          TODAY,
        ),
      ),
    ).toMatchObject({ field: 'guardian.idNumber', rule: 'citizenId.checkDigit' });
  });

  it('needs the hukou address as a real county-level code', () => {
    expect(rule(() => checkHukou({ addressCode: '340100', address: 'x' }))).toMatchObject({
      field: 'hukou.addressCode',
      rule: 'division.county',
    });
    expect(rule(() => checkHukou({ addressCode: '349999', address: 'x' }))).toMatchObject({
      rule: 'division.unknown',
    });
  });

  it('takes two distinct fingerprint templates or a reason, not both, not neither', () => {
    expect(checkFingerprints({ missingReason: ' 手指残缺 ' })).toEqual({
      captured: false,
      templates: null,
      missingReason: '手指残缺',
    });
    expect(rule(() => checkFingerprints({}))).toMatchObject({ rule: 'fingerprints.oneOf' });
    expect(
      rule(() => checkFingerprints({ templates: ['QQ==', 'Qg=='], missingReason: 'x' })),
    ).toMatchObject({
      rule: 'fingerprints.oneOf',
    });
    expect(rule(() => checkFingerprints({ templates: ['QQ==', 'QQ=='] }))).toMatchObject({
      field: 'fingerprints.templates',
      rule: 'fingerprints.distinct',
    });
  });

  it('takes postal data with POST only, and all of it', () => {
    const post = {
      method: 'POST' as const,
      recipient: '张三',
      address: '某地',
      phone: '13800138000',
    };
    expect(checkDelivery(post)).toEqual(post);
    expect(
      rule(() => checkDelivery({ method: 'POST', recipient: '张三', address: '某地' })),
    ).toMatchObject({
      field: 'delivery.phone',
      rule: 'delivery.postalDataRequired',
    });
    expect(rule(() => checkDelivery({ method: 'WINDOW', address: '某地' }))).toMatchObject({
      field: 'delivery.address',
      rule: 'delivery.windowHasNoPostalData',
    });
  });

  it('checks a proxy ID number and refuses the applicant as their own proxy', () => {
    const b = body();
    b.proxy = { name: '自己', idNumber: b.applicant.idNumber };
    expect(rule(() => checkApplication(b, TODAY))).toMatchObject({ rule: 'proxy.notApplicant' });
  });

  describe('route problems', () => {
    it('none for an open route', () => {
      expect(routeProblem(checkEligibility('330402', '340104', TODAY))).toBeUndefined();
    });

    it('a same-province route is "not cross-province"', () => {
      const p = routeProblem(checkEligibility('330402', '330421', TODAY))!;
      expect(p).toMatchObject({ field: 'hukou.addressCode', rule: 'eligibility.notCrossProvince' });
      expect(p.message).toMatch(/not cross-province/);
    });

    it('a route not yet open names no rule but says when it opens', () => {
      const p = routeProblem(checkEligibility('330402', '440106', '2023-01-01'))!;
      expect(p.rule).toBe('eligibility.noRule');
      expect(p.message).toMatch(/opens on 2024-05-27/);
    });
  });

  it('all refusals are DomainRuleErrors (→ 400 by the platform filter)', () => {
    expect(() => checkApplication(body({ delivery: { method: 'POST' } }), TODAY)).toThrow(
      DomainRuleError,
    );
  });
});
