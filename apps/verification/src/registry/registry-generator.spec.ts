import { isValidCitizenId, lookupDivision, parseCitizenId, PROVINCE_CODES } from '@app/domain';
import { checkRegistryRecords } from './registry-import';
import { generateRegistry } from './registry-generator';

describe('generateRegistry', () => {
  const all = generateRegistry({ seed: 'test', perProvince: 50 });

  it('is deterministic: the same seed gives the same registry, another seed another one', () => {
    expect(JSON.stringify(generateRegistry({ seed: 'test', perProvince: 50 }))).toBe(
      JSON.stringify(all),
    );
    const other = generateRegistry({ seed: 'other', perProvince: 50 });
    expect(other.map((r) => r.idNumber)).not.toEqual(all.map((r) => r.idNumber));
  });

  it('does not use Math.random', () => {
    const spy = jest.spyOn(Math, 'random');
    generateRegistry({ seed: 1, perProvince: 5 });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('a province gets the same people whatever other provinces are generated with it', () => {
    const only33 = generateRegistry({ seed: 'test', provinces: ['33'], perProvince: 50 });
    expect(only33).toEqual(all.filter((r) => r.hukouAddressCode.startsWith('33')));
  });

  it('makes perProvince people for every province, with unique valid ID numbers', () => {
    expect(all).toHaveLength(31 * 50);
    for (const province of PROVINCE_CODES) {
      expect(all.filter((r) => r.hukouAddressCode.startsWith(province))).toHaveLength(50);
    }
    expect(new Set(all.map((r) => r.idNumber)).size).toBe(all.length);
    for (const r of all) {
      expect(isValidCitizenId(r.idNumber, { today: '2025-01-01' })).toBe(true);
      const id = parseCitizenId(r.idNumber);
      expect(id.sex).toBe(r.sex);
      expect(id.birthDate).toBe(r.birthDate);
      expect(id.provinceCode).toBe(r.hukouAddressCode.slice(0, 2));
    }
  });

  it('passes the importer checks (every record would be imported)', () => {
    const { problems, good } = checkRegistryRecords(all);
    expect(problems).toEqual([]);
    expect(good).toHaveLength(all.length);
  });

  it('lives in real counties, with an address starting with the county full name', () => {
    for (const r of all) {
      const county = lookupDivision(r.hukouAddressCode);
      expect(county?.level).toBe('county');
      expect(r.hukouAddress.startsWith(county!.fullName)).toBe(true);
      expect(r.hukouAddress.length).toBeGreaterThan(county!.fullName.length);
      expect(r.name).toMatch(/^[\u4e00-\u9fff·]{2,12}$/);
    }
  });

  it('is mostly young, 汉族, ACTIVE first-time applicants, with a few of every special case', () => {
    const age = (birthDate: string) => 2025 - Number(birthDate.slice(0, 4));
    const share = (pred: (r: (typeof all)[number]) => boolean) =>
      all.filter(pred).length / all.length;
    expect(share((r) => age(r.birthDate) <= 31)).toBeGreaterThan(0.75);
    expect(share((r) => r.ethnicity === '汉族')).toBeGreaterThan(0.75);
    expect(
      share((r) => r.status === 'ACTIVE' && !r.cardIssued && r.flags.length === 0),
    ).toBeGreaterThan(0.9);
    for (const province of PROVINCE_CODES) {
      const people = all.filter((r) => r.hukouAddressCode.startsWith(province));
      expect(people.filter((r) => r.status === 'CANCELLED')).toHaveLength(1);
      expect(people.filter((r) => r.status === 'DECEASED')).toHaveLength(1);
      expect(people.filter((r) => r.cardIssued)).toHaveLength(1);
      expect(people.filter((r) => r.flags.includes('FRAUD_WATCH'))).toHaveLength(1);
    }
    expect(new Set(all.map((r) => r.ethnicity)).size).toBeGreaterThan(10);
  });

  it('rejects unknown provinces and bad sizes', () => {
    expect(() => generateRegistry({ seed: 1, provinces: ['99'], perProvince: 1 })).toThrow(/99/);
    expect(() => generateRegistry({ seed: 1, perProvince: -1 })).toThrow(/perProvince/);
  });
});
