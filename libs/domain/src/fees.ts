import { readFileSync } from 'node:fs';
import { DataValidator } from './data-validator';
import { parseIsoDate } from './dates';
import { parseDivisionCode } from './divisions';
import { DomainDataError } from './errors';
import defaultFeePolicyJson from './data/fee-policy.json';

/**
 * Fee for a FIRST application (首次申领), the only kind of case this system handles. Policy is
 * data (`data/fee-policy.json`): rules are tried in file order and the first that matches wins;
 * if none matches, `default` applies. A rule matches when the residence province is in
 * `residenceProvinces` (absent = any), the hukou province is in `hukouProvinces` (absent = any)
 * and the date is within effectiveFrom..effectiveUntil (inclusive; each optional).
 *
 * The fee does not depend on eligibility: check the route with checkEligibility first.
 */

export interface FeeRule {
  id: string;
  amountYuan: number;
  description: string;
  source?: string;
  residenceProvinces?: string[];
  hukouProvinces?: string[];
  effectiveFrom?: string;
  effectiveUntil?: string;
}

export interface FeePolicy {
  revision: string;
  default: { id: string; amountYuan: number; description: string; source?: string };
  rules: FeeRule[];
}

export interface FeeDecision {
  amountYuan: number;
  /** id of the rule that decided (or of the default). */
  rule: string;
  reason: string;
}

export function parseFeePolicy(raw: unknown, source = 'fee policy'): FeePolicy {
  const v: DataValidator = new DataValidator(source);
  const top = v.object(raw, '(top level)');
  const d = v.object(top.default, 'default');
  const amount = (value: unknown, at: string): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      v.fail(at, 'must be a number of yuan, 0 or more');
    }
    return value;
  };
  const ids = new Set<string>();
  const rules = v.array(top.rules, 'rules').map((r, i): FeeRule => {
    const o = v.object(r, `rules[${i}]`);
    const id = v.string(o.id, `rules[${i}].id`);
    const at = `rules[${i}] (${id})`;
    if (ids.has(id)) v.fail(at, `duplicate rule id "${id}"`);
    ids.add(id);
    const rule: FeeRule = {
      id,
      amountYuan: amount(o.amountYuan, `${at}.amountYuan`),
      description: v.string(o.description, `${at}.description`),
    };
    if (o.source !== undefined) rule.source = v.string(o.source, `${at}.source`);
    for (const key of ['residenceProvinces', 'hukouProvinces'] as const) {
      if (o[key] === undefined) continue;
      rule[key] = v
        .nonEmptyArray(o[key], `${at}.${key}`)
        .map((p, j) => v.province(p, `${at}.${key}[${j}]`));
    }
    if (o.effectiveFrom !== undefined)
      rule.effectiveFrom = v.date(o.effectiveFrom, `${at}.effectiveFrom`);
    if (o.effectiveUntil !== undefined)
      rule.effectiveUntil = v.date(o.effectiveUntil, `${at}.effectiveUntil`);
    if (rule.effectiveFrom && rule.effectiveUntil && rule.effectiveUntil < rule.effectiveFrom) {
      v.fail(`${at}.effectiveUntil`, 'is before effectiveFrom');
    }
    return rule;
  });
  const policy: FeePolicy = {
    revision: v.string(top.revision, 'revision'),
    default: {
      id: v.string(d.id, 'default.id'),
      amountYuan: amount(d.amountYuan, 'default.amountYuan'),
      description: v.string(d.description, 'default.description'),
    },
    rules,
  };
  if (d.source !== undefined) policy.default.source = v.string(d.source, 'default.source');
  return policy;
}

/** Reads and validates a fee policy file; without a path, the bundled `data/fee-policy.json`. */
export function loadFeePolicy(path?: string): FeePolicy {
  if (path === undefined) return DEFAULT_FEE_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DomainDataError(path, '(file)', `cannot read fee policy: ${(e as Error).message}`);
  }
  return parseFeePolicy(raw, path);
}

export const DEFAULT_FEE_POLICY: FeePolicy = Object.freeze(
  parseFeePolicy(defaultFeePolicyJson, 'data/fee-policy.json'),
);

export function feeFor(
  residenceCode: string,
  hukouCode: string,
  date: string,
  policy: FeePolicy = DEFAULT_FEE_POLICY,
): FeeDecision {
  const residence = parseDivisionCode(residenceCode, 'residence').province;
  const hukou = parseDivisionCode(hukouCode, 'hukou').province;
  parseIsoDate(date, 'date');
  const route = `residence ${residence.name}, hukou ${hukou.name}`;

  for (const rule of policy.rules) {
    if (rule.residenceProvinces && !rule.residenceProvinces.includes(residence.code)) continue;
    if (rule.hukouProvinces && !rule.hukouProvinces.includes(hukou.code)) continue;
    if (rule.effectiveFrom && date < rule.effectiveFrom) continue;
    if (rule.effectiveUntil && date > rule.effectiveUntil) continue;
    const since = rule.effectiveFrom ? ` since ${rule.effectiveFrom}` : '';
    return {
      amountYuan: rule.amountYuan,
      rule: rule.id,
      reason: `${price(rule.amountYuan)}: ${rule.description} (${route}; in force${since}, rule ${rule.id}).`,
    };
  }
  const d = policy.default;
  return {
    amountYuan: d.amountYuan,
    rule: d.id,
    reason: `${price(d.amountYuan)}: ${d.description} (${route}; rule ${d.id}).`,
  };
}

function price(yuan: number): string {
  return yuan === 0 ? 'No fee' : `${yuan} yuan`;
}
