/**
 * The system with years of history behind it: the same requests against 0, 100,000 and N cases
 * of history, side by side (p95 of every ops stats route and the stuck-case list, the clerk list
 * on its first page and deep in it, a case read, intake p99, one reconciler sweep).
 *
 *   npm run bench:history -- --history 1000000 [--samples 20] [--intakes 150] [--sizes 0,100000,1000000]
 *
 * Each size has its own database on DATABASE_URL's server (`bench_history_<n>`), seeded with
 * `seed:history` when it holds fewer cases than asked, and reused otherwise (drop the databases
 * when done). Each size runs in a child process: the whole system (all-in-one) on a free port,
 * with the reconciler's timer off so that the measured sweep is the only one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { addDays, makeCitizenId, todayInChina } from '@app/domain';
import { aPortraitPng } from '@app/fixtures';
import { jwtKeyFrom, loadConfig, signJwt, startNode, type CallerRole } from '@app/platform';
import { ALL_FEATURES } from '../apps/all-in-one/src/features';
import { ReconcilerService } from '../apps/intake/src/reconciler/reconciler.service';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/idcard';
const POINT = '310101-01';

function dbUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const p = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
};

interface Figures {
  history: number;
  rows: [string, string, number][];
}

// ---------------------------------------------------------------- one size (child process)

async function runOne(database: string, samples: number, intakes: number): Promise<Figures> {
  process.env.DATABASE_URL = dbUrl(database);
  process.env.QUEUE_PREFIX = `bench-history-${database}-${process.pid}`;
  process.env.RECONCILE_INTERVAL_MS = '0';
  process.env.STATS_PUBLISH_INTERVAL_MS = '0';
  process.env.LOG_LEVEL = 'warn';
  const config = loadConfig();
  const node = await startNode({ name: 'bench-history', features: ALL_FEATURES, config, port: 0 });
  const dataSource = node.app.get(DataSource);
  const secret = config.JWT_SECRET!;
  const bearer = (role: CallerRole, scope: { province: string; point?: string }) => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      {
        iss: config.JWT_ISSUER,
        aud: config.JWT_AUDIENCE,
        sub: `bench-${role}`,
        iat: now,
        exp: now + 3600,
        role,
        scope,
      },
      jwtKeyFrom(secret, 'sign'),
    );
    return { authorization: `Bearer ${token}` };
  };
  const ops = bearer('ops', { province: '31' });
  const clerk = bearer('clerk', { province: '31', point: POINT });
  const call = async (path: string, headers: Record<string, string>, body?: unknown) => {
    const started = performance.now();
    const res = await fetch(`${node.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    if (!res.ok) throw new Error(`${path} → ${res.status}: ${text.slice(0, 300)}`);
    return { ms, json: JSON.parse(text) as Record<string, unknown> };
  };
  const measure = async (path: string, headers: Record<string, string>) => {
    for (let i = 0; i < 2; i++) await call(path, headers);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push((await call(path, headers)).ms);
    return p(times, 0.95);
  };
  const [{ n: history }] = await dataSource.query(
    `SELECT coalesce(sum(cases), 0)::int AS n FROM intake_stats.case_counts`,
  );
  const rows: Figures['rows'] = [];
  const today = todayInChina();
  for (const [label, path] of [
    ['overview', '/api/v1/ops/stats/overview'],
    ['overview ?province=31', '/api/v1/ops/stats/overview?province=31'],
    ['statuses', '/api/v1/ops/stats/statuses'],
    ['province-pairs', '/api/v1/ops/stats/province-pairs'],
    ['regions', '/api/v1/ops/stats/regions'],
    ['daily (30 days)', '/api/v1/ops/stats/daily'],
    ['daily (1000 days)', `/api/v1/ops/stats/daily?from=${addDays(today, -999)}&to=${today}`],
    ['stage-times', '/api/v1/ops/stats/stage-times'],
    ['breaches', '/api/v1/ops/stats/breaches'],
    ['stuck cases', '/api/v1/ops/cases/stuck'],
  ] as const)
    rows.push(['ops p95', label, await measure(path, ops)]);

  // Clerk list: first page, then a page 10,000 cases deep (cursor followed there), and the old
  // offset page at the same depth.
  rows.push(['clerk p95', 'list, first page', await measure('/api/v1/applications', clerk)]);
  let cursor: string | null = null;
  let depth = 0;
  let caseId: string | null = null;
  do {
    const { json } = await call(
      `/api/v1/applications?pageSize=100${cursor ? `&cursor=${cursor}` : ''}`,
      clerk,
    );
    caseId ??= ((json.items as { id: string }[])[0]?.id as string) ?? null;
    cursor = json.nextCursor as string | null;
    depth += 100;
  } while (cursor && depth < 10_000);
  if (cursor) {
    rows.push([
      'clerk p95',
      'list, cursor 10,000 deep',
      await measure(`/api/v1/applications?pageSize=20&cursor=${cursor}`, clerk),
    ]);
    rows.push([
      'clerk p95',
      'list, page=500 (offset, 10,000 deep)',
      await measure(`/api/v1/applications?page=500&pageSize=20`, clerk),
    ]);
  }

  // Intake: new applications at the point (adults with a Zhejiang hukou, one photo reused).
  const { json: photo } = await call('/api/v1/photos', clerk, {
    imageBase64: aPortraitPng({ seed: 7 }).toString('base64'),
  });
  const intakeTimes: number[] = [];
  const run = `${process.pid}-${Date.now() % 100_000}`;
  for (let i = 0; i < intakes + 5; i++) {
    const idNumber = makeCitizenId({
      addressCode: '330402',
      birthDate: `1990-01-${String(1 + (i % 28)).padStart(2, '0')}`,
      sequence: (Date.now() + i * 37) % 1000,
    });
    const started = performance.now();
    const res = await fetch(`${node.url}/api/v1/applications`, {
      method: 'POST',
      headers: {
        ...clerk,
        'content-type': 'application/json',
        'idempotency-key': `bench-${run}-${i}`,
      },
      body: JSON.stringify({
        applicant: {
          idNumber,
          name: '测试人',
          sex: Number(idNumber[16]) % 2 ? 'M' : 'F',
          ethnicity: '汉',
          birthDate: `1990-01-${String(1 + (i % 28)).padStart(2, '0')}`,
        },
        hukou: { addressCode: '330402', address: '浙江省嘉兴市南湖区测试路1号' },
        acceptancePoint: POINT,
        photoId: photo.photoId,
        fingerprints: {
          templates: [
            Buffer.from(`a${i}`).toString('base64'),
            Buffer.from(`b${i}`).toString('base64'),
          ],
        },
        delivery: { method: 'WINDOW' },
      }),
    });
    const ms = performance.now() - started;
    const text = await res.text();
    if (res.status === 409) continue; // the same generated person already has an open case
    if (res.status !== 201) throw new Error(`intake → ${res.status}: ${text.slice(0, 300)}`);
    if (i >= 5) intakeTimes.push(ms);
  }
  rows.push(['intake', 'create, p99 (sequential)', p(intakeTimes, 0.99)]);
  rows.push(['intake', 'create, p50', p(intakeTimes, 0.5)]);
  if (caseId)
    rows.push([
      'clerk p95',
      'case read (with timeline)',
      await measure(`/api/v1/applications/${caseId}`, clerk),
    ]);

  const reconciler = node.app.get(ReconcilerService);
  const sweeps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await reconciler.reconcileOnce();
    sweeps.push(performance.now() - started);
  }
  rows.push(['reconciler', 'one sweep (median of 5)', p(sweeps, 0.5)]);
  await node.close();
  return { history, rows };
}

// ---------------------------------------------------------------- the orchestrator

async function casesIn(database: string): Promise<number | null> {
  const client = new Client({ connectionString: dbUrl(database) });
  try {
    await client.connect();
  } catch {
    return null;
  }
  try {
    const { rows } = await client.query(
      `SELECT coalesce(sum(cases), 0)::int AS n FROM intake_stats.case_counts`,
    );
    return rows[0].n;
  } catch {
    return 0;
  } finally {
    await client.end();
  }
}

async function dropDatabase(database: string): Promise<void> {
  const client = new Client({ connectionString: dbUrl('postgres') });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await client.end();
}

function child(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [__filename, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });
}

async function main() {
  if (arg('run-one')) {
    const figures = await runOne(
      arg('run-one')!,
      Number(arg('samples') ?? 20),
      Number(arg('intakes') ?? 150),
    );
    process.stdout.write(`\n@@FIGURES ${JSON.stringify(figures)}\n`);
    process.exit(0);
  }
  const history = Number(arg('history') ?? 1_000_000);
  const sizes = (arg('sizes') ?? `0,100000,${history}`)
    .split(',')
    .map(Number)
    .filter((n, i, all) => all.indexOf(n) === i && n <= history);
  const results: Figures[] = [];
  for (const size of sizes) {
    const database = `bench_history_${size}`;
    if (size === 0) await dropDatabase(database); // empty every time (the run adds its intakes)
    const have = (await casesIn(database)) ?? 0;
    if (have < size) {
      console.error(`[bench:history] ${database}: ${have} cases, seeding ${size - have} more …`);
      execFileSync(
        process.execPath,
        [`${__dirname}/../scripts/seed-history.js`, '--cases', String(size - have)],
        {
          env: { ...process.env, DATABASE_URL: dbUrl(database) },
          stdio: 'inherit',
        },
      );
    } else console.error(`[bench:history] ${database}: reusing ${have} cases`);
    console.error(`[bench:history] measuring with ${size} cases of history …`);
    const out = await child(
      [
        '--run-one',
        database,
        '--samples',
        arg('samples') ?? '20',
        '--intakes',
        arg('intakes') ?? '150',
      ],
      {},
    );
    const line = out.split('\n').find((l) => l.startsWith('@@FIGURES '));
    if (!line) throw new Error(`no figures from the run on ${database}`);
    results.push(JSON.parse(line.slice('@@FIGURES '.length)));
  }
  const header = `| | ${results.map((r) => `${r.history.toLocaleString('en')} cases`).join(' | ')} |`;
  console.log(header);
  console.log(`| --- | ${results.map(() => '---:').join(' | ')} |`);
  const keys = results
    .flatMap((r) => r.rows.map(([g, l]) => `${g}\u0000${l}`))
    .filter((k, i, all) => all.indexOf(k) === i);
  for (const key of keys) {
    const [group, label] = key.split('\u0000');
    const cells = results.map((r) => {
      const row = r.rows.find(([g, l]) => g === group && l === label);
      return row ? `${row[2].toFixed(1)} ms` : '—';
    });
    console.log(`| ${group}: ${label} | ${cells.join(' | ')} |`);
  }
}

main().catch((error) => {
  console.error(
    `bench:history failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
