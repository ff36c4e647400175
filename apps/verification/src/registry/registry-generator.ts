import {
  addYearsClamped,
  CountyEntry,
  formatIsoDate,
  fromDayNumber,
  listCounties,
  lookupDivision,
  makeCitizenId,
  parseIsoDate,
  PROVINCE_CODES,
  toDayNumber,
} from '@app/domain';
import { chineseName, ethnicityFor, streetAddress } from './names';
import { Prng } from './prng';
import type { RegistryRecord } from './registry-record';

export interface GenerateRegistryOptions {
  /** Same seed (and options) → same registry, on any machine, on any day. */
  seed: string | number;
  /** 2-digit province codes; default all 31. */
  provinces?: readonly string[];
  perProvince: number;
  /** The day ages are counted from (default 2025-01-01); fixed so the output does not drift daily. */
  asOf?: string;
}

export const DEFAULT_AS_OF = '2025-01-01';

/** Real county-level divisions, without the statistical-only zones (xxxx7x) and odd leftovers. */
function residentialCounties(province: string): CountyEntry[] {
  return listCounties().filter(
    (c) => c.provinceCode === province && c.code[4] !== '7' && /[区县市旗]$/.test(c.name),
  );
}

/**
 * A realistic, deterministic demo population registry: for each province, `perProvince` invented
 * people with valid ID numbers (real county codes, check digit per GB 11643), Chinese names,
 * ethnicities in rough provincial proportions (mostly 汉族), a hukou address in a real county, and
 * ages mostly 0–30 so most are first-time applicants. A few per province (when perProvince ≥ 20)
 * are CANCELLED, DECEASED, already have a card, or carry FRAUD_WATCH, so every refusal can be
 * demonstrated. Each province draws from its own seeded stream, so adding a province does not
 * change the people of the others.
 */
export function generateRegistry(options: GenerateRegistryOptions): RegistryRecord[] {
  const provinces = options.provinces ?? PROVINCE_CODES;
  const perProvince = options.perProvince;
  if (!Number.isInteger(perProvince) || perProvince < 0 || perProvince > 100_000)
    throw new RangeError('perProvince must be an integer from 0 to 100000');
  const asOf = formatIsoDate(parseIsoDate(options.asOf ?? DEFAULT_AS_OF, 'asOf'));
  const asOfDay = toDayNumber(parseIsoDate(asOf));
  const yearsAgo = (years: number) => toDayNumber(parseIsoDate(addYearsClamped(asOf, -years)));
  const used = new Set<string>();
  const out: RegistryRecord[] = [];

  for (const province of [...new Set(provinces)]) {
    if (!PROVINCE_CODES.includes(province))
      throw new RangeError(`${province} is not one of the 31 mainland province codes`);
    const rng = new Prng(`${options.seed}:${province}`);
    const counties = residentialCounties(province);
    const people: RegistryRecord[] = [];
    for (let i = 0; i < perProvince; i++) {
      const county = rng.pick(counties);
      const division = lookupDivision(county.code)!;
      const sex = rng.chance(0.5) ? 'M' : 'F';
      // Mostly ages 0–30 (first-time applicants), some older people.
      const young = rng.chance(0.85);
      const from = young ? yearsAgo(31) + 1 : yearsAgo(75);
      const to = young ? asOfDay : yearsAgo(31);
      const birthDate = formatIsoDate(fromDayNumber(rng.int(from, to)));
      // The ID number keeps the address code of where the number was first assigned.
      const idCounty = rng.chance(0.85) ? county : rng.pick(counties);
      let idNumber: string;
      do {
        const sequence = rng.int(0, 499) * 2 + (sex === 'M' ? 1 : 0);
        idNumber = makeCitizenId({ addressCode: idCounty.code, birthDate, sequence });
      } while (used.has(idNumber.slice(0, 17)));
      used.add(idNumber.slice(0, 17));
      const ethnicity = ethnicityFor(rng, province);
      people.push({
        idNumber,
        name: chineseName(rng, sex, ethnicity),
        sex,
        ethnicity,
        birthDate,
        hukouAddressCode: county.code,
        hukouAddress: division.fullName + streetAddress(rng, county.name),
        status: 'ACTIVE',
        cardIssued: false,
        flags: [],
      });
    }
    if (perProvince >= 20) {
      const k = Math.max(1, Math.floor(perProvince / 50));
      const order = rng.shuffle(people.map((_, i) => i));
      order.slice(0, k).forEach((i) => (people[i].status = 'CANCELLED'));
      order.slice(k, 2 * k).forEach((i) => (people[i].status = 'DECEASED'));
      order.slice(2 * k, 3 * k).forEach((i) => (people[i].cardIssued = true));
      order.slice(3 * k, 4 * k).forEach((i) => (people[i].flags = ['FRAUD_WATCH']));
    }
    out.push(...people);
  }
  return out;
}
