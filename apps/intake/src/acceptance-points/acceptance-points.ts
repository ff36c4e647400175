import { readFileSync } from 'node:fs';
import { listCounties, lookupDivision } from '@app/domain';

/**
 * Acceptance points (异地受理点) are data. By default every county-level division has one point,
 * `<county>-01`; a deployment replaces the list with a JSON file (ACCEPTANCE_POINTS_FILE) holding
 * an array of ids (`"330402-01"`) or objects (`{ "id": "330402-01", "name": "南湖区公安分局户籍窗口" }`).
 */
export interface AcceptancePoint {
  /** `<6-digit county code>-<2-digit number>`, e.g. 330402-01. */
  id: string;
  countyCode: string;
  provinceCode: string;
  name: string;
}

const POINT_ID = /^(\d{6})-(\d{2})$/;

export class AcceptancePointsError extends Error {}

/** Parses a point id against the division data; returns the problem in words or the point. */
export function toAcceptancePoint(id: unknown, name?: unknown): AcceptancePoint | string {
  if (typeof id !== 'string') return 'id must be a string like 330402-01';
  const m = POINT_ID.exec(id);
  if (!m) return `"${id}" is not an acceptance point id like 330402-01`;
  const division = lookupDivision(m[1]);
  if (!division || division.level !== 'county') {
    return `"${id}": ${m[1]} is not a county-level division code`;
  }
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 100)) {
    return `"${id}": name must be a non-empty string of at most 100 characters`;
  }
  return {
    id,
    countyCode: division.code,
    provinceCode: division.province.code,
    name: typeof name === 'string' ? name : `${division.fullName} 受理点 ${m[2]}`,
  };
}

/** One point `<county>-01` per county-level division. */
export function defaultAcceptancePoints(): AcceptancePoint[] {
  return listCounties().map((c) => toAcceptancePoint(`${c.code}-01`) as AcceptancePoint);
}

/** Validates a replacement list (parsed JSON); throws AcceptancePointsError naming the entry. */
export function parseAcceptancePoints(
  raw: unknown,
  source = 'acceptance points',
): AcceptancePoint[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new AcceptancePointsError(`${source}: must be a non-empty JSON array`);
  }
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const isObject = entry !== null && typeof entry === 'object' && !Array.isArray(entry);
    const obj = isObject ? (entry as Record<string, unknown>) : undefined;
    if (obj) {
      const extra = Object.keys(obj).filter((k) => k !== 'id' && k !== 'name');
      if (extra.length) {
        throw new AcceptancePointsError(`${source}: [${i}]: unknown field(s) ${extra.join(', ')}`);
      }
    }
    const point = obj ? toAcceptancePoint(obj.id, obj.name) : toAcceptancePoint(entry);
    if (typeof point === 'string') throw new AcceptancePointsError(`${source}: [${i}]: ${point}`);
    if (seen.has(point.id)) {
      throw new AcceptancePointsError(`${source}: [${i}]: duplicate point ${point.id}`);
    }
    seen.add(point.id);
    return point;
  });
}

export function loadAcceptancePoints(path?: string): AcceptancePoint[] {
  if (path === undefined) return defaultAcceptancePoints();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AcceptancePointsError(`${path}: cannot read: ${(error as Error).message}`);
  }
  return parseAcceptancePoints(raw, path);
}

/** The deployment's list of points, indexed by id. */
export class AcceptancePoints {
  private readonly byId: ReadonlyMap<string, AcceptancePoint>;

  constructor(points: readonly AcceptancePoint[]) {
    this.byId = new Map(points.map((p) => [p.id, p]));
  }

  get(id: string): AcceptancePoint | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }
}
