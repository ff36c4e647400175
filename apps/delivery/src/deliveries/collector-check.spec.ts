import { makeCitizenId } from '@app/domain';
import { checkCollector, checkReceipt, CollectionRecord, normalizeName } from './collector-check';

const applicantId = makeCitizenId({ addressCode: '330402', birthDate: '2010-03-04', sequence: 13 });
const proxyId = makeCitizenId({ addressCode: '330402', birthDate: '1980-07-08', sequence: 24 });

const record = (proxy: CollectionRecord['proxy'] = null): CollectionRecord => ({
  receiptNumber: 'R330402-2025-000123',
  applicantIdNumber: applicantId,
  proxy,
});

describe('receipt check', () => {
  it('accepts the receipt number of the case, ignoring case and surrounding spaces', () => {
    expect(checkReceipt(record(), 'R330402-2025-000123')).toEqual({ ok: true });
    expect(checkReceipt(record(), ' r330402-2025-000123 ')).toEqual({ ok: true });
  });

  it('refuses another number, naming receiptNumber', () => {
    expect(checkReceipt(record(), 'R330402-2025-000124')).toMatchObject({
      ok: false,
      field: 'receiptNumber',
      rule: 'receipt.mismatch',
    });
  });
});

describe('collector check', () => {
  it('lets the applicant collect with their own ID number (lower-case x accepted)', () => {
    expect(
      checkCollector(record(), { type: 'APPLICANT', name: '张三', idNumber: applicantId }),
    ).toEqual({ ok: true, collectedBy: 'APPLICANT' });
    const withX = { ...record(), applicantIdNumber: '33040220100304001X' };
    expect(
      checkCollector(withX, { type: 'APPLICANT', name: '张三', idNumber: '33040220100304001x' }),
    ).toEqual({ ok: true, collectedBy: 'APPLICANT' });
  });

  it('refuses an "applicant" with another ID number', () => {
    const result = checkCollector(record(), { type: 'APPLICANT', name: '张三', idNumber: proxyId });
    expect(result).toMatchObject({
      ok: false,
      field: 'collector.idNumber',
      rule: 'collector.notApplicant',
    });
    if (!result.ok) expect(result.message).not.toContain(proxyId);
  });

  it('lets the proxy named at intake collect, matching name and ID number', () => {
    const r = record({ name: '李四', idNumber: proxyId });
    expect(checkCollector(r, { type: 'PROXY', name: ' 李四 ', idNumber: proxyId })).toEqual({
      ok: true,
      collectedBy: 'PROXY',
    });
  });

  it('refuses a proxy when intake named none', () => {
    expect(
      checkCollector(record(), { type: 'PROXY', name: '李四', idNumber: proxyId }),
    ).toMatchObject({ ok: false, field: 'collector', rule: 'collector.proxyNotNamed' });
  });

  it('refuses a proxy whose name or ID number differs from the named one', () => {
    const r = record({ name: '李四', idNumber: proxyId });
    expect(checkCollector(r, { type: 'PROXY', name: '王五', idNumber: proxyId })).toMatchObject({
      ok: false,
      rule: 'collector.proxyMismatch',
    });
    expect(checkCollector(r, { type: 'PROXY', name: '李四', idNumber: applicantId })).toMatchObject(
      { ok: false, rule: 'collector.proxyMismatch' },
    );
  });

  it('normalises names: width, spaces and the middle dot of transliterated names', () => {
    expect(normalizeName('买买提·艾力')).toBe(normalizeName('买买提•艾力'));
    expect(normalizeName('买买提 · 艾力')).toBe(normalizeName('买买提·艾力'));
    expect(normalizeName('ＡＢＣ')).toBe(normalizeName('abc'));
  });
});
