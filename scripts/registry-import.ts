/**
 * Imports a population registry file into the verification schema of DATABASE_URL (runs the
 * verification migrations first). JSON (an array of records) or CSV (header row; flags as A|B).
 *
 *   npm run registry:import -- registry.csv
 *   npm run registry:import -- registry.json [--format json|csv] [--dry-run]
 *
 * Prints inserted/updated/unchanged/rejected and one line per problem (`line 7: idNumber: …`).
 * Exit code 0 when every record was good, 1 when any record was rejected (the good ones are
 * imported), 2 when the file could not be read at all (nothing imported).
 */
import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { dataSourceOptions, ensureDatabase, runMigrationsLocked } from '@app/persistence';
import { loadConfig } from '@app/platform';
import {
  checkRegistryRecords,
  formatProblem,
  importRegistryRecords,
  ImportReport,
  parseRegistryFile,
  RegistryFileError,
  verificationDatabase,
} from '../apps/verification/src';

function usage(): never {
  console.error('usage: npm run registry:import -- FILE [--format json|csv] [--dry-run]');
  process.exit(2);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function dryRun(records: unknown[], lines: number[]): ImportReport {
  const { problems, rejected } = checkRegistryRecords(records, { lines });
  return { total: records.length, inserted: 0, updated: 0, unchanged: 0, rejected, problems };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const format = option(args, 'format');
  if (format !== undefined && format !== 'json' && format !== 'csv') usage();
  const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--format');
  if (!file) usage();

  let content;
  try {
    content = parseRegistryFile(readFileSync(file, 'utf8'), format, file);
  } catch (error) {
    if (error instanceof RegistryFileError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`${file}: ${(error as Error).message}; nothing imported`);
      return 2;
    }
    throw error;
  }

  let report: ImportReport;
  if (args.includes('--dry-run')) {
    report = dryRun(content.records, content.lines);
  } else {
    const config = loadConfig();
    await ensureDatabase(config.DATABASE_URL);
    // No TypeORM query logging: on an error it would print the parameters (names, ID numbers).
    const dataSource = new DataSource({
      ...dataSourceOptions(config.DATABASE_URL, verificationDatabase),
      logging: false,
    });
    await dataSource.initialize();
    try {
      await runMigrationsLocked(dataSource, new Logger('Migrations'));
      report = await importRegistryRecords(dataSource, content.records, { lines: content.lines });
    } finally {
      await dataSource.destroy();
    }
  }

  for (const problem of report.problems) console.error(formatProblem(problem));
  console.log(
    `${file} (${content.format}): ${report.total} record(s): ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected} rejected${args.includes('--dry-run') ? ' (dry run: nothing written)' : ''}`,
  );
  return report.rejected ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(
      `registry import failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(2);
  },
);
