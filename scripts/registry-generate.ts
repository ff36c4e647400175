/**
 * Writes a deterministic demo population registry (same seed → same file), JSON or CSV by the
 * file extension, ready for `npm run registry:import`.
 *
 *   npm run registry:generate -- --per-province 50 --out registry.json
 *   npm run registry:generate -- --per-province 20 --provinces 31,33,34 --seed demo --out registry.csv
 *   [--as-of YYYY-MM-DD]  the day ages are counted from (default 2025-01-01)
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_AS_OF, generateRegistry, toRegistryCsv } from '../apps/verification/src';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function main() {
  const out = option('out');
  const per = Number(option('per-province') ?? '50');
  if (!out || !Number.isInteger(per) || per < 0) {
    console.error(
      'usage: npm run registry:generate -- --per-province N --out FILE.json|FILE.csv [--seed S] [--provinces 31,33] [--as-of YYYY-MM-DD]',
    );
    process.exit(2);
  }
  const seed = option('seed') ?? 'kuasheng';
  const provinces = option('provinces')
    ?.split(',')
    .map((p) => p.trim());
  const asOf = option('as-of') ?? DEFAULT_AS_OF;
  const records = generateRegistry({ seed, provinces, perProvince: per, asOf });
  writeFileSync(
    out,
    /\.csv$/i.test(out) ? toRegistryCsv(records) : JSON.stringify(records, null, 2) + '\n',
  );
  console.log(
    `${out}: ${records.length} people (${provinces?.join(',') ?? 'all 31 provinces'}, ${per} per province, seed ${JSON.stringify(seed)}, ages as of ${asOf})`,
  );
}

try {
  main();
} catch (error) {
  console.error(
    `registry generate failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(2);
}
