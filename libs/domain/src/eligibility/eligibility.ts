import { parseIsoDate } from '../dates';
import { addDays } from '../time-limits';
import { Division, DivisionRef, lookupDivision, parseDivisionCode } from '../divisions';
import { DomainRuleError } from '../errors';
import {
  DEFAULT_PILOT_SCHEDULE,
  DEFAULT_PILOT_SERVICE,
  ExclusionRule,
  isPilotService,
  parsePilotSchedule,
  PILOT_SERVICES,
  PilotService,
  PilotRegion,
  PilotRule,
  PilotSchedule,
} from './pilot-schedule';

/**
 * "Can this person apply here today?" A case is eligible on date D when the residence and hukou
 * provinces differ, no exclusion closes the route on D, and one of these holds on D:
 * a one-way rule opens residence → hukou; both are pilot units of the same region; their region
 * is open region-wide; or both provinces are in national scope.
 *
 * When several rules apply, the one reported is the one that opened this route first (earliest
 * date it started covering the pair); ties go to the more specific kind (one-way, pilot-units,
 * region-wide, national), then to file order.
 */

export interface EligibilityDecision {
  eligible: boolean;
  /** The service asked about: `idcard` (first ID card application) or `newborn` (registration). */
  service: PilotService;
  residenceProvince: DivisionRef;
  hukouProvince: DivisionRef;
  date: string;
  /** The rule that decided; null when no rule applies (or the route is not cross-province). */
  rule: { id: string; kind: string; description: string } | null;
  /** One English sentence for the clerk. */
  reason: string;
  /** When not eligible: the first later date on which the schedule opens this route, if any. */
  opensOn?: string;
}

const RANK: Record<PilotRule['kind'], number> = {
  'one-way': 0,
  'pilot-units': 1,
  'region-wide': 2,
  national: 3,
  exclusion: -1,
};

interface Candidate {
  rule: PilotRule;
  since: string;
  order: number;
  reason: string;
}

type Outcome =
  { eligible: true; winner: Candidate } | { eligible: false; exclusion: ExclusionRule | null };

// Schedules passed in by callers are validated once; treat them as immutable afterwards.
const validated = new WeakMap<PilotSchedule, PilotSchedule>([
  [DEFAULT_PILOT_SCHEDULE, DEFAULT_PILOT_SCHEDULE],
]);

function validatedSchedule(schedule: PilotSchedule): PilotSchedule {
  let ok = validated.get(schedule);
  if (!ok) {
    ok = parsePilotSchedule(schedule, `pilot schedule "${schedule?.revision ?? '(no revision)'}"`);
    validated.set(schedule, ok);
  }
  return ok;
}

// The rules that speak for one service, in file order (the order that breaks ties).
const byService = new WeakMap<PilotSchedule, Map<PilotService, PilotSchedule>>();

function scheduleFor(sched: PilotSchedule, service: PilotService): PilotSchedule {
  let views = byService.get(sched);
  if (!views) byService.set(sched, (views = new Map()));
  let view = views.get(service);
  if (!view) {
    view = { ...sched, rules: sched.rules.filter((r) => r.services?.includes(service)) };
    views.set(service, view);
  }
  return view;
}

/** How the reasons name each service. */
export const SERVICE_NAMES: Readonly<Record<PilotService, string>> = Object.freeze({
  idcard: 'first ID card applications',
  newborn: 'newborn hukou registration (新生儿落户)',
});

export function checkEligibility(
  residenceCode: string,
  hukouCode: string,
  date: string,
  schedule: PilotSchedule = DEFAULT_PILOT_SCHEDULE,
  service: PilotService = DEFAULT_PILOT_SERVICE,
): EligibilityDecision {
  const residence = parseDivisionCode(residenceCode, 'residence');
  const hukou = parseDivisionCode(hukouCode, 'hukou');
  parseIsoDate(date, 'date');
  if (!isPilotService(service)) {
    throw new DomainRuleError(
      'service',
      'eligibility.service',
      `service: must be one of ${PILOT_SERVICES.join(', ')}`,
    );
  }
  const sched = scheduleFor(validatedSchedule(schedule), service);
  const base = {
    service,
    residenceProvince: { ...residence.province },
    hukouProvince: { ...hukou.province },
    date,
  };
  const res = residence.province.name;
  const huk = hukou.province.name;

  if (residence.province.code === hukou.province.code) {
    return {
      ...base,
      eligible: false,
      rule: null,
      reason: `Not eligible: residence and hukou are both in ${res}, so this is not cross-province: apply under the ordinary procedure.`,
    };
  }

  const outcome = evaluate(residence, hukou, date, sched);
  if (outcome.eligible) {
    const { rule, reason } = outcome.winner;
    return { ...base, eligible: true, rule: ruleRef(rule), reason: `Eligible: ${reason}` };
  }
  if (outcome.exclusion) {
    const x = outcome.exclusion;
    const period = x.effectiveUntil
      ? `from ${x.effectiveFrom} until ${x.effectiveUntil}`
      : `since ${x.effectiveFrom}`;
    return {
      ...base,
      eligible: false,
      rule: ruleRef(x),
      reason: `Not eligible: the route from residence ${res} to hukou ${huk} is closed ${period} by exclusion rule ${x.id} (${x.description}).`,
    };
  }

  const opening = nextOpening(residence, hukou, date, sched);
  const context = regionContext(residence.province, hukou.province, sched);
  const then = opening
    ? `; it opens on ${opening.date} (rule ${opening.ruleId})`
    : '; the applicant applies at the hukou place';
  return {
    ...base,
    eligible: false,
    rule: null,
    reason: `Not eligible on ${date}: no rule in the pilot schedule opens the route from residence ${res} to hukou ${huk}${service === DEFAULT_PILOT_SERVICE ? '' : ` for ${SERVICE_NAMES[service]}`}${context}${then}.`,
    ...(opening ? { opensOn: opening.date } : {}),
  };
}

function evaluate(
  residence: Division,
  hukou: Division,
  date: string,
  sched: PilotSchedule,
): Outcome {
  const r = residence.code;
  const h = hukou.code;
  const active = (from: string, until?: string) => from <= date && (!until || date <= until);

  for (const rule of sched.rules) {
    if (rule.kind !== 'exclusion' || !active(rule.effectiveFrom, rule.effectiveUntil)) continue;
    if (rule.prefix !== undefined && (r.startsWith(rule.prefix) || h.startsWith(rule.prefix))) {
      return { eligible: false, exclusion: rule };
    }
    if (rule.pair) {
      const [a, b] = rule.pair;
      const forward = r.startsWith(a) && h.startsWith(b);
      const backward = rule.direction !== 'one-way' && r.startsWith(b) && h.startsWith(a);
      if (forward || backward) return { eligible: false, exclusion: rule };
    }
  }

  const resName = residence.province.name;
  const hukName = hukou.province.name;
  const order = (rule: PilotRule) => sched.rules.indexOf(rule);
  const candidates: Candidate[] = [];

  for (const rule of sched.rules) {
    if (rule.kind === 'one-way' && active(rule.effectiveFrom, rule.effectiveUntil)) {
      if (r.startsWith(rule.from) && h.startsWith(rule.to)) {
        candidates.push({
          rule,
          since: rule.effectiveFrom,
          order: order(rule),
          reason: `the one-way route from residence in ${placeName(rule.from)} to hukou in ${placeName(rule.to)} is open since ${rule.effectiveFrom} (rule ${rule.id}).`,
        });
      }
    }
    if (rule.kind === 'region-wide' && active(rule.effectiveFrom)) {
      const region = regionOf(sched, rule.region);
      if (
        region.provinces.includes(residence.province.code) &&
        region.provinces.includes(hukou.province.code)
      ) {
        candidates.push({
          rule,
          since: rule.effectiveFrom,
          order: order(rule),
          reason: `${resName} and ${hukName} are both in the ${region.name} region, open region-wide since ${rule.effectiveFrom} (rule ${rule.id}).`,
        });
      }
    }
  }

  // Pilot units of one region serve each other, even when listed by different rules.
  for (const region of sched.regions) {
    const hit = (code: string) => {
      let best: { rule: PilotRule; since: string; unit: string } | undefined;
      for (const rule of sched.rules) {
        if (rule.kind !== 'pilot-units' || rule.region !== region.id || !active(rule.effectiveFrom))
          continue;
        const unit = rule.units.find((u) => code.startsWith(u));
        if (unit && (!best || rule.effectiveFrom < best.since))
          best = { rule, since: rule.effectiveFrom, unit };
      }
      return best;
    };
    const a = hit(r);
    const b = hit(h);
    if (a && b) {
      const later = b.since > a.since ? b : a;
      candidates.push({
        rule: later.rule,
        since: later.since,
        order: order(later.rule),
        reason: `${resName} and ${hukName} are both in ${region.name} pilot units (${placeName(a.unit)}, ${placeName(b.unit)}), serving each other since ${later.since} (rule ${later.rule.id}).`,
      });
    }
  }

  // National scope is one set of provinces, whichever rule or batch brought each one in.
  const joined = (province: string) => {
    let best: { rule: PilotRule; since: string } | undefined;
    for (const rule of sched.rules) {
      if (rule.kind !== 'national') continue;
      for (const batch of rule.batches) {
        if (active(batch.effectiveFrom) && batch.provinces.includes(province)) {
          if (!best || batch.effectiveFrom < best.since)
            best = { rule, since: batch.effectiveFrom };
        }
      }
    }
    return best;
  };
  const nr = joined(residence.province.code);
  const nh = joined(hukou.province.code);
  if (nr && nh) {
    const later = nh.since > nr.since ? nh : nr;
    candidates.push({
      rule: later.rule,
      since: later.since,
      order: order(later.rule),
      reason: `${resName} and ${hukName} are both in national scope since ${later.since} (rule ${later.rule.id}).`,
    });
  }

  if (candidates.length === 0) return { eligible: false, exclusion: null };
  candidates.sort(
    (x, y) =>
      x.since.localeCompare(y.since) || RANK[x.rule.kind] - RANK[y.rule.kind] || x.order - y.order,
  );
  return { eligible: true, winner: candidates[0] };
}

/** The first later date on which the schedule (as it stands) opens the route. */
function nextOpening(
  residence: Division,
  hukou: Division,
  date: string,
  sched: PilotSchedule,
): { date: string; ruleId: string } | undefined {
  const dates = new Set<string>();
  for (const rule of sched.rules) {
    if (rule.kind === 'national') rule.batches.forEach((b) => dates.add(b.effectiveFrom));
    else dates.add(rule.effectiveFrom);
    if (rule.kind === 'exclusion' && rule.effectiveUntil)
      dates.add(addDays(rule.effectiveUntil, 1));
  }
  for (const d of [...dates].filter((d) => d > date).sort()) {
    const outcome = evaluate(residence, hukou, d, sched);
    if (outcome.eligible) return { date: d, ruleId: outcome.winner.rule.id };
  }
  return undefined;
}

function regionContext(res: DivisionRef, huk: DivisionRef, sched: PilotSchedule): string {
  const rr = sched.regions.find((g) => g.provinces.includes(res.code));
  const hr = sched.regions.find((g) => g.provinces.includes(huk.code));
  if (rr && rr === hr) return ` on that date (both are in the ${rr.name} region)`;
  const where = (p: DivisionRef, g?: PilotRegion) =>
    g ? `${p.name} is in ${g.name}` : `${p.name} is in no pilot region`;
  const tail = rr && hr ? ', and a pilot region serves only its own members' : '';
  return ` on that date (${where(res, rr)}, ${where(huk, hr)}${tail})`;
}

function regionOf(sched: PilotSchedule, id: string): PilotRegion {
  const region = sched.regions.find((g) => g.id === id);
  if (!region) throw new Error(`pilot schedule: unknown region ${id}`); // prevented by validation
  return region;
}

function placeName(code: string): string {
  return lookupDivision(code)?.fullName ?? code;
}

function ruleRef(rule: PilotRule): { id: string; kind: string; description: string } {
  return { id: rule.id, kind: rule.kind, description: rule.description };
}
