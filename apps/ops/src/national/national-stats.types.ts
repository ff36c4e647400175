/** The national figures, summed from the newest statistics snapshot of every province. */
export interface ProvinceFreshness {
  province: string;
  name: string;
  /** The snapshot's sequence in its province (higher = newer). */
  sequence: number;
  /** When the province read its counts. */
  asOf: string;
  /** When the national node stored the snapshot. */
  receivedAt: string;
  /** Seconds from asOf to this answer. */
  ageSeconds: number;
  /** ageSeconds above the node's NATIONAL_STALE_AFTER_MS. */
  stale: boolean;
  /** Current cases of the province (as the residence side). */
  cases: number;
  /** First day of the province's per-day counts. */
  windowStart: string;
}

export interface NationalStatusCount {
  status: string;
  cases: number;
}

export interface NationalKindCount {
  kind: string;
  cases: number;
  open: number;
}

export interface NationalPairCount {
  residence: string;
  hukou: string;
  cases: number;
  open: number;
}

export interface NationalDayCount {
  day: string;
  kind: string;
  measure: 'intake' | 'entered';
  status: string | null;
  cases: number;
}

export interface NationalStats {
  asOf: string;
  staleAfterSeconds: number;
  provinces: ProvinceFreshness[];
  /** Province codes with no snapshot yet. */
  missing: string[];
  total: number;
  open: number;
  byStatus: NationalStatusCount[];
  byKind: NationalKindCount[];
  byPair: NationalPairCount[];
  /** First day every stored snapshot covers (null: no snapshot yet); `daily` starts there. */
  dailyFrom: string | null;
  daily: NationalDayCount[];
}
