import { DataSource } from 'typeorm';
import { makeCitizenId } from '@app/domain';
import { dataSourceOptions, runMigrationsLocked } from '@app/persistence';
import {
  formatProblem,
  generateRegistry,
  importRegistryRecords,
  parseRegistryFile,
  RegistryRecord,
  toRegistryCsv,
  verificationDatabase,
} from '../../apps/verification/src';
import { createTestDatabase } from '../support/database';

const silent = { log: () => undefined } as never;

/** The registry importer against the real PostgreSQL, with the verification migrations applied. */
describe('registry import', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('verif_import');
    // logging off: TypeORM's error logging prints query parameters (personal data) on a failure.
    dataSource = new DataSource({
      ...dataSourceOptions(db.url, verificationDatabase),
      logging: false,
    });
    await dataSource.initialize();
    await runMigrationsLocked(dataSource, silent);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(async () => {
    await dataSource.query('TRUNCATE verification.registry_persons');
  });

  const people = generateRegistry({
    seed: 'import-test',
    provinces: ['33', '34'],
    perProvince: 25,
  });
  const count = async () =>
    (await dataSource.query('SELECT count(*)::int AS n FROM verification.registry_persons'))[0].n;
  const row = async (idNumber: string) =>
    (
      await dataSource.query(
        `SELECT name, sex, ethnicity, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate",
                hukou_address_code AS "hukouAddressCode", hukou_address AS "hukouAddress",
                status, card_issued AS "cardIssued", flags, updated_at AS "updatedAt"
           FROM verification.registry_persons WHERE id_number = $1`,
        [idNumber],
      )
    )[0];

  /** A valid number whose check digit is X, and the same number with a wrong check digit 5. */
  function idWithCheckDigitX(): { good: string; bad: string } {
    for (let seq = 1; ; seq += 2) {
      const id = makeCitizenId({ addressCode: '330402', birthDate: '2006-04-01', sequence: seq });
      if (id.endsWith('X')) return { good: id, bad: id.slice(0, 17) + '5' };
    }
  }

  it('imports a JSON file, reporting bad rows by line and field and writing nothing of them', async () => {
    const { bad } = idWithCheckDigitX();
    const records: unknown[] = [
      ...people.slice(0, 4),
      { ...people[4], idNumber: bad, birthDate: '2006-04-01', sex: 'M' },
      { ...people[5], status: 'MOVED', hukouAddressCode: '339999' },
      people[1], // the same person twice in one file
    ];
    const text = JSON.stringify(records, null, 2);
    const content = parseRegistryFile(text, undefined, 'registry.json');
    const report = await importRegistryRecords(dataSource, content.records, {
      lines: content.lines,
    });
    // JSON.stringify with indent 2: "[" on line 1, each record takes 14 lines (12 fields incl. flags).
    const lineOf = (i: number) => content.lines[i];
    expect(report).toMatchObject({ total: 7, inserted: 4, updated: 0, unchanged: 0, rejected: 3 });
    expect(report.problems.map(formatProblem)).toEqual([
      `line ${lineOf(4)}: idNumber: check digit is 5 but ISO 7064 MOD 11-2 gives X`,
      `line ${lineOf(5)}: hukouAddressCode: 339999 is not a county-level division code`,
      `line ${lineOf(5)}: status: must be one of ACTIVE, CANCELLED, DECEASED`,
      `line ${lineOf(6)}: idNumber: the same ID number is already on line ${lineOf(1)}; a person appears once per file`,
    ]);
    expect(text.split('\n')[lineOf(4) - 1].trim()).toBe('{');
    expect(await count()).toBe(4);
    expect(await row(people[5].idNumber)).toBeUndefined();
    const stored = await row(people[0].idNumber);
    expect({ ...stored, updatedAt: undefined }).toEqual({
      ...people[0],
      idNumber: undefined,
      updatedAt: undefined,
    });
  });

  it('a second import of the same file changes nothing', async () => {
    const first = await importRegistryRecords(dataSource, people);
    expect(first).toMatchObject({ total: 50, inserted: 50, updated: 0, unchanged: 0, rejected: 0 });
    const before = await row(people[0].idNumber);
    const second = await importRegistryRecords(dataSource, people);
    expect(second).toEqual({
      total: 50,
      inserted: 0,
      updated: 0,
      unchanged: 50,
      rejected: 0,
      problems: [],
    });
    expect((await row(people[0].idNumber)).updatedAt).toEqual(before.updatedAt);
    expect(await count()).toBe(50);
  });

  it('upserts by ID number: changed people are updated, new ones inserted, the rest unchanged', async () => {
    await importRegistryRecords(dataSource, people.slice(0, 40));
    const changed: RegistryRecord[] = people.map((p, i) =>
      i === 0 ? { ...p, cardIssued: true } : i === 1 ? { ...p, flags: ['FRAUD_WATCH'] } : p,
    );
    const report = await importRegistryRecords(dataSource, changed);
    expect(report).toMatchObject({ inserted: 10, updated: 2, unchanged: 38, rejected: 0 });
    expect((await row(people[0].idNumber)).cardIssued).toBe(true);
    expect((await row(people[1].idNumber)).flags).toEqual(['FRAUD_WATCH']);
  });

  it('imports the same people from CSV (flags separated by |) as from JSON', async () => {
    const withFlags = people.map((p, i) => (i === 3 ? { ...p, flags: ['FRAUD_WATCH', 'X_2'] } : p));
    const json = await importRegistryRecords(dataSource, withFlags);
    expect(json.inserted).toBe(50);
    const csv = parseRegistryFile(toRegistryCsv(withFlags), undefined, 'registry.csv');
    const report = await importRegistryRecords(dataSource, csv.records, { lines: csv.lines });
    expect(report).toMatchObject({
      total: 50,
      inserted: 0,
      updated: 0,
      unchanged: 50,
      rejected: 0,
    });
    expect((await row(people[3].idNumber)).flags).toEqual(['FRAUD_WATCH', 'X_2']);
  });

  it('reports CSV problems by file line, including rows with the wrong number of fields', async () => {
    const { bad } = idWithCheckDigitX();
    const lines = toRegistryCsv(people.slice(0, 5)).trimEnd().split('\n');
    lines[2] = lines[2].replace(people[1].idNumber, bad); // line 3 of the file
    lines[4] = lines[4].split(',').slice(0, 5).join(','); // line 5: too few fields
    lines.splice(3, 0, ''); // a blank line: the following rows move down one line
    const csv = parseRegistryFile(lines.join('\r\n') + '\r\n', 'csv');
    const report = await importRegistryRecords(dataSource, csv.records, { lines: csv.lines });
    expect(report.problems.map(formatProblem)).toEqual([
      'line 3: idNumber: check digit is 5 but ISO 7064 MOD 11-2 gives X',
      'line 6: (record): expected 10 fields as in the header, got 5',
    ]);
    expect(report).toMatchObject({ total: 5, inserted: 3, rejected: 2 });
    expect(await count()).toBe(3);
  });

  it('a record never half-imports: a batch that fails in the database rolls back whole', async () => {
    // A CHECK constraint the application rules do not know of, to force a database error mid-import.
    await dataSource.query(
      `ALTER TABLE verification.registry_persons ADD CONSTRAINT test_no_deceased CHECK (status <> 'DECEASED')`,
    );
    try {
      const records = people.map((p, i) => (i === 30 ? { ...p, status: 'DECEASED' } : p));
      await expect(importRegistryRecords(dataSource, records, { batchSize: 10 })).rejects.toThrow(
        /test_no_deceased/,
      );
      expect(await count()).toBe(0);
    } finally {
      await dataSource.query(
        'ALTER TABLE verification.registry_persons DROP CONSTRAINT test_no_deceased',
      );
    }
  });
});
