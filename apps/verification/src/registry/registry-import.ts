import type { DataSource } from 'typeorm';
import { CsvShapeProblem } from './registry-file';
import { checkRegistryRecord, RegistryRecord } from './registry-record';

export interface ImportProblem {
  /** Line of the file where the record starts (or its 1-based position when no lines were given). */
  line: number;
  field: string;
  message: string;
}

export interface ImportReport {
  /** Records read. */
  total: number;
  /** New people written. */
  inserted: number;
  /** Existing people whose registry data changed. */
  updated: number;
  /** Existing people whose data was already the same (nothing written). */
  unchanged: number;
  /** Records not imported because of at least one problem. */
  rejected: number;
  problems: ImportProblem[];
}

export interface ImportOptions {
  /** Source line of each record (from `parseRegistryFile`); default: the record's 1-based position. */
  lines?: readonly number[];
  /** Birth dates after this day are rejected; default today in China. */
  today?: string;
  /** Records per statement. */
  batchSize?: number;
}

/** `line 7: idNumber: check digit is 5 but ISO 7064 MOD 11-2 gives X` */
export function formatProblem(problem: ImportProblem): string {
  return `line ${problem.line}: ${problem.field}: ${problem.message}`;
}

const COLUMNS = `id_number text, name text, sex text, ethnicity text, birth_date date,
  hukou_address_code text, hukou_address text, status text, card_issued boolean, flags text[]`;
const DATA = `name, sex, ethnicity, birth_date, hukou_address_code, hukou_address, status, card_issued, flags`;

const UPSERT = `
  INSERT INTO verification.registry_persons AS p (id_number, ${DATA})
  SELECT id_number, ${DATA} FROM jsonb_to_recordset($1::jsonb) AS r(${COLUMNS})
  ON CONFLICT (id_number) DO UPDATE SET
    name = EXCLUDED.name, sex = EXCLUDED.sex, ethnicity = EXCLUDED.ethnicity,
    birth_date = EXCLUDED.birth_date, hukou_address_code = EXCLUDED.hukou_address_code,
    hukou_address = EXCLUDED.hukou_address, status = EXCLUDED.status,
    card_issued = EXCLUDED.card_issued, flags = EXCLUDED.flags, updated_at = now()
  WHERE (p.name, p.sex, p.ethnicity, p.birth_date, p.hukou_address_code, p.hukou_address,
         p.status, p.card_issued, p.flags)
    IS DISTINCT FROM
        (EXCLUDED.name, EXCLUDED.sex, EXCLUDED.ethnicity, EXCLUDED.birth_date,
         EXCLUDED.hukou_address_code, EXCLUDED.hukou_address, EXCLUDED.status,
         EXCLUDED.card_issued, EXCLUDED.flags)
  RETURNING (xmax = 0) AS inserted`;

export interface CheckedRecords {
  good: RegistryRecord[];
  problems: ImportProblem[];
  rejected: number;
}

/** Checks every record (fields, and ID numbers repeated within the input); writes nothing. */
export function checkRegistryRecords(
  records: unknown[],
  options: Pick<ImportOptions, 'lines' | 'today'> = {},
): CheckedRecords {
  const problems: ImportProblem[] = [];
  const good: RegistryRecord[] = [];
  const seen = new Map<string, number>();
  let rejected = 0;
  records.forEach((raw, index) => {
    const line = options.lines?.[index] ?? index + 1;
    if (raw instanceof CsvShapeProblem) {
      problems.push({ line, field: '(record)', message: raw.message });
      rejected++;
      return;
    }
    const check = checkRegistryRecord(raw, options.today);
    if (!check.ok) {
      problems.push(...check.problems.map((p) => ({ line, ...p })));
      rejected++;
      return;
    }
    const first = seen.get(check.record.idNumber);
    if (first !== undefined) {
      problems.push({
        line,
        field: 'idNumber',
        message: `the same ID number is already on line ${first}; a person appears once per file`,
      });
      rejected++;
      return;
    }
    seen.set(check.record.idNumber, line);
    good.push(check.record);
  });
  return { good, problems, rejected };
}

/**
 * Imports registry records: every record is checked first; the good ones are upserted by ID number
 * in one transaction, the bad ones are reported (by line and field) and not written at all. Running
 * the same import twice changes nothing the second time (every record is `unchanged`). A record whose
 * ID number already appeared earlier in the same input is a problem, not a silent overwrite.
 * Assumes the verification migrations have run.
 */
export async function importRegistryRecords(
  dataSource: DataSource,
  records: unknown[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const { good, problems, rejected } = checkRegistryRecords(records, options);
  let inserted = 0;
  let updated = 0;
  const batchSize = Math.max(1, options.batchSize ?? 1000);
  if (good.length) {
    await dataSource.transaction(async (manager) => {
      for (let i = 0; i < good.length; i += batchSize) {
        const batch = good.slice(i, i + batchSize).map((r) => ({
          id_number: r.idNumber,
          name: r.name,
          sex: r.sex,
          ethnicity: r.ethnicity,
          birth_date: r.birthDate,
          hukou_address_code: r.hukouAddressCode,
          hukou_address: r.hukouAddress,
          status: r.status,
          card_issued: r.cardIssued,
          flags: r.flags,
        }));
        const rows: { inserted: boolean }[] = await manager.query(UPSERT, [JSON.stringify(batch)]);
        for (const row of rows) {
          if (row.inserted) inserted++;
          else updated++;
        }
      }
    });
  }
  return {
    total: records.length,
    inserted,
    updated,
    unchanged: good.length - inserted - updated,
    rejected,
    problems,
  };
}
