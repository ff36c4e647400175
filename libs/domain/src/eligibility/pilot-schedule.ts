import { readFileSync } from 'node:fs';
import { DataValidator } from '../data-validator';
import { DomainDataError } from '../errors';
import defaultScheduleJson from '../data/pilot-schedule.json';

/**
 * The pilot schedule: which cross-province routes are open on which date. It is data, so a
 * deployment can replace `data/pilot-schedule.json` (see docs/domain.md) without a code change.
 *
 * Dates are inclusive: a rule applies from `effectiveFrom` through `effectiveUntil` (absent =
 * open-ended). Codes in rules are division-code prefixes: 2 digits (province), 4 (prefecture)
 * or 6 (county); zero-padded forms such as `330400` are normalised to `3304` when loaded.
 */

export interface PilotRegion {
  id: string;
  name: string;
  provinces: string[];
}

/**
 * The services a route can be open for: the first ID card application and newborn hukou
 * registration (新生儿落户). A rule names the services it opens (or, for an exclusion, closes).
 */
export const PILOT_SERVICES = ['idcard', 'newborn'] as const;
export type PilotService = (typeof PILOT_SERVICES)[number];
export const DEFAULT_PILOT_SERVICE: PilotService = 'idcard';

export function isPilotService(value: unknown): value is PilotService {
  return typeof value === 'string' && (PILOT_SERVICES as readonly string[]).includes(value);
}

interface RuleBase {
  id: string;
  description: string;
  source?: string;
  /**
   * The services this rule opens (closes, for an exclusion). Absent in a file: `["idcard"]` for a
   * rule that opens (the only service before newborn registration was added), every service for an
   * exclusion (closing is the safe reading). Always filled in by parsePilotSchedule (and so in
   * any schedule checkEligibility uses).
   */
  services?: PilotService[];
}

/** Named pilot units of one region serve each other, and only each other. */
export interface PilotUnitsRule extends RuleBase {
  kind: 'pilot-units';
  region: string;
  effectiveFrom: string;
  units: string[];
}

/** Every place in the region serves every other place in it. */
export interface RegionWideRule extends RuleBase {
  kind: 'region-wide';
  region: string;
  effectiveFrom: string;
}

export interface NationalBatch {
  effectiveFrom: string;
  provinces: string[];
}

/** Provinces join one national scope (batch by batch); any two provinces in it serve each other. */
export interface NationalRule extends RuleBase {
  kind: 'national';
  batches: NationalBatch[];
}

/** Residence under `from` may apply for a hukou under `to` (that direction only). */
export interface OneWayRule extends RuleBase {
  kind: 'one-way';
  from: string;
  to: string;
  effectiveFrom: string;
  effectiveUntil?: string;
}

/**
 * Closes routes whatever else says: either a `pair` of prefixes (both directions unless
 * `direction` is `one-way`, which closes residence pair[0] → hukou pair[1] only), or a `prefix`
 * that closes every route with the residence or the hukou under it.
 */
export interface ExclusionRule extends RuleBase {
  kind: 'exclusion';
  pair?: [string, string];
  direction?: 'both' | 'one-way';
  prefix?: string;
  effectiveFrom: string;
  effectiveUntil?: string;
}

export type PilotRule = PilotUnitsRule | RegionWideRule | NationalRule | OneWayRule | ExclusionRule;
export type PilotRuleKind = PilotRule['kind'];

export interface PilotSchedule {
  revision: string;
  regions: PilotRegion[];
  rules: PilotRule[];
}

const KINDS: readonly PilotRuleKind[] = [
  'pilot-units',
  'region-wide',
  'national',
  'one-way',
  'exclusion',
];

/** Validates and normalises a schedule; throws DomainDataError naming the bad entry. */
export function parsePilotSchedule(raw: unknown, source = 'pilot schedule'): PilotSchedule {
  const v: DataValidator = new DataValidator(source);
  const top = v.object(raw, '(top level)');
  const revision = v.string(top.revision, 'revision');

  const regionIds = new Set<string>();
  const regions = v.array(top.regions, 'regions').map((r, i) => {
    const at = `regions[${i}]`;
    const o = v.object(r, at);
    const id = v.string(o.id, `${at}.id`);
    if (regionIds.has(id)) v.fail(`${at}.id`, `duplicate region id "${id}"`);
    regionIds.add(id);
    const provinces = v
      .nonEmptyArray(o.provinces, `${at} (${id}).provinces`)
      .map((p, j) => v.province(p, `${at} (${id}).provinces[${j}]`));
    return { id, name: v.string(o.name, `${at}.name`), provinces };
  });
  const regionById = new Map(regions.map((r) => [r.id, r]));

  const ruleIds = new Set<string>();
  const rules = v.array(top.rules, 'rules').map((r, i): PilotRule => {
    const o = v.object(r, `rules[${i}]`);
    const id = v.string(o.id, `rules[${i}].id`);
    const at = `rules[${i}] (${id})`;
    if (ruleIds.has(id)) v.fail(at, `duplicate rule id "${id}"`);
    ruleIds.add(id);
    const kind = o.kind as PilotRuleKind;
    if (!KINDS.includes(kind)) v.fail(`${at}.kind`, `must be one of ${KINDS.join(', ')}`);
    const base: RuleBase = {
      id,
      description: v.string(o.description, `${at}.description`),
      services: parseServices(v, o.services, `${at}.services`, kind),
    };
    if (o.source !== undefined) base.source = v.string(o.source, `${at}.source`);

    switch (kind) {
      case 'pilot-units': {
        const region = v.region(o.region, `${at}.region`, regionById);
        const units = v.nonEmptyArray(o.units, `${at}.units`).map((u, j) => {
          const code = v.prefix(u, `${at}.units[${j}]`);
          if (!region.provinces.includes(code.slice(0, 2))) {
            v.fail(`${at}.units[${j}]`, `${code} is outside region ${region.id}`);
          }
          return code;
        });
        return {
          ...base,
          kind,
          region: region.id,
          effectiveFrom: v.date(o.effectiveFrom, `${at}.effectiveFrom`),
          units,
        };
      }
      case 'region-wide': {
        const region = v.region(o.region, `${at}.region`, regionById);
        return {
          ...base,
          kind,
          region: region.id,
          effectiveFrom: v.date(o.effectiveFrom, `${at}.effectiveFrom`),
        };
      }
      case 'national': {
        const batches = v.array(o.batches, `${at}.batches`).map((b, j) => {
          const bo = v.object(b, `${at}.batches[${j}]`);
          return {
            effectiveFrom: v.date(bo.effectiveFrom, `${at}.batches[${j}].effectiveFrom`),
            provinces: v
              .nonEmptyArray(bo.provinces, `${at}.batches[${j}].provinces`)
              .map((p, k) => v.province(p, `${at}.batches[${j}].provinces[${k}]`)),
          };
        });
        return { ...base, kind, batches };
      }
      case 'one-way': {
        const from = v.prefix(o.from, `${at}.from`);
        const to = v.prefix(o.to, `${at}.to`);
        if (from.slice(0, 2) === to.slice(0, 2)) v.fail(at, 'from and to are in the same province');
        return { ...base, kind, from, to, ...v.dateRange(o, at) };
      }
      case 'exclusion': {
        const hasPair = o.pair !== undefined;
        if (hasPair === (o.prefix !== undefined))
          v.fail(at, 'needs exactly one of "pair" or "prefix"');
        const rule: ExclusionRule = { ...base, kind, ...v.dateRange(o, at) };
        if (hasPair) {
          const pair = v.array(o.pair, `${at}.pair`);
          if (pair.length !== 2) v.fail(`${at}.pair`, 'must hold exactly two codes');
          rule.pair = [v.prefix(pair[0], `${at}.pair[0]`), v.prefix(pair[1], `${at}.pair[1]`)];
          const direction = o.direction ?? 'both';
          if (direction !== 'both' && direction !== 'one-way') {
            v.fail(`${at}.direction`, 'must be "both" or "one-way"');
          }
          rule.direction = direction as 'both' | 'one-way';
        } else {
          rule.prefix = v.prefix(o.prefix, `${at}.prefix`);
        }
        return rule;
      }
    }
  });
  return { revision, regions, rules };
}

function parseServices(
  v: DataValidator,
  raw: unknown,
  at: string,
  kind: PilotRuleKind,
): PilotService[] {
  if (raw === undefined)
    return kind === 'exclusion' ? [...PILOT_SERVICES] : [DEFAULT_PILOT_SERVICE];
  const list = v.nonEmptyArray(raw, at).map((s, i) => {
    if (!isPilotService(s)) v.fail(`${at}[${i}]`, `must be one of ${PILOT_SERVICES.join(', ')}`);
    return s;
  });
  if (new Set(list).size !== list.length) v.fail(at, 'names a service twice');
  return list;
}

/**
 * Reads and validates a schedule file. Without a path, the schedule bundled with this library
 * (`data/pilot-schedule.json`) is returned.
 */
export function loadPilotSchedule(path?: string): PilotSchedule {
  if (path === undefined) return DEFAULT_PILOT_SCHEDULE;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DomainDataError(
      path,
      '(file)',
      `cannot read pilot schedule: ${(e as Error).message}`,
    );
  }
  return parsePilotSchedule(raw, path);
}

export const DEFAULT_PILOT_SCHEDULE: PilotSchedule = deepFreeze(
  parsePilotSchedule(defaultScheduleJson, 'data/pilot-schedule.json'),
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
