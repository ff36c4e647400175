/**
 * `npm run bench`: throughput and latency of whole cases, intake → DISPATCHED, beside a hand-written
 * four-stage BullMQ + pg pipeline in the same run (quote the ratio: the absolute figures depend on
 * the machine and on whatever else runs on it). See case-bench.ts for the phases and
 * docs/performance.md for results.
 *
 *   npm run bench -- [--cases 1000] [--concurrency 32] [--rate 100] [--rate-seconds 10] [--light 30]
 *                    [--points-per-province 4] [--worker-concurrency 8] [--pool-size 10] [--no-baseline]
 *                    [--url http://127.0.0.1:3000 --database-url postgres://…/idcard]
 *
 * Without --url it starts the system all-in-one as a child process (the compiled `npm start`) on a
 * free port, with a database, a queue prefix and a keyring of its own, and removes them afterwards.
 * With --url it drives that running system (development token settings, or JWT_SECRET/JWT_ISSUER/
 * JWT_AUDIENCE from the environment) and seeds the registry into --database-url.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { DEV_JWT_SECRET } from '@app/platform';
import { formatReport, runCaseBenchmark } from './case-bench';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const num = (name: string, fallback: number) => {
  const raw = option(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
};

const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface System {
  pid?: number;
  url: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** The compiled all-in-one node in a child process of its own (so the load generator does not share its CPU time). */
async function startSystem(workerConcurrency: number, poolSize: number): Promise<System> {
  const id = Date.now().toString(36);
  const dbName = `bench_cases_${id}`;
  const url = new URL(PG_URL);
  url.pathname = `/${dbName}`;
  const prefix = `bench-cases-${id}`;
  const keyringDir = mkdtempSync(join(tmpdir(), 'bench-keys-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      join(__dirname, '../apps/all-in-one/src/main.js'),
    ],
    {
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: String(port),
        DATABASE_URL: url.toString(),
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        KEYRING_DIR: keyringDir,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        WORKER_CONCURRENCY: String(workerConcurrency),
        DATABASE_POOL_SIZE: String(poolSize),
        // The benchmark's clerks send far more than a counter does.
        RATE_LIMIT_PER_MINUTE: '1000000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  let exited = false;
  child.on('exit', () => (exited = true));
  // Never leave the system running behind a benchmark that failed.
  process.on('exit', () => {
    if (!exited) child.kill('SIGTERM');
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error('the system exited during start-up');
    const ok = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('the system was not ready after 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: base,
    pid: child.pid,
    databaseUrl: url.toString(),
    async stop() {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      const admin = new Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
      await deleteKeys(prefix);
      rmSync(keyringDir, { recursive: true, force: true });
    },
  };
}

async function deleteKeys(prefix: string) {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main() {
  const workerConcurrency = num('worker-concurrency', 8);
  const poolSize = num('pool-size', 10);
  const given = option('url');
  if (given && !option('database-url'))
    throw new Error('--url needs --database-url (the registry is seeded there)');
  const system: System = given
    ? {
        url: given.replace(/\/$/, ''),
        databaseUrl: option('database-url')!,
        stop: async () => undefined,
      }
    : await startSystem(workerConcurrency, poolSize);
  const baselinePrefix = `bench-hw-${Date.now().toString(36)}`;
  const tty = process.stderr.isTTY;
  let last = 0;
  try {
    const report = await runCaseBenchmark({
      url: system.url,
      databaseUrl: system.databaseUrl,
      systemPid: system.pid,
      pgUrl: PG_URL,
      redisUrl: REDIS_URL,
      baselinePrefix,
      jwt: {
        secret: process.env.JWT_SECRET ?? DEV_JWT_SECRET,
        issuer: process.env.JWT_ISSUER ?? 'idcard-dev',
        audience: process.env.JWT_AUDIENCE ?? 'idcard-api',
      },
      cases: num('cases', 1000),
      concurrency: num('concurrency', 32),
      rate: num('rate', 100),
      rateSeconds: num('rate-seconds', 10),
      light: num('light', 30),
      workerConcurrency,
      poolSize,
      pointsPerProvince: num('points-per-province', 4),
      skipBaseline: process.argv.includes('--no-baseline'),
      progress: (line) => {
        // One progress line, rewritten in place on a terminal; at most one a second otherwise.
        if (tty) process.stderr.write(`\r\x1b[K${line}`);
        else if (Date.now() - last > 1000) {
          last = Date.now();
          process.stderr.write(`${line}\n`);
        }
      },
    });
    if (tty) process.stderr.write('\r\x1b[K');
    process.stdout.write(`${formatReport(report)}\n`);
  } finally {
    await system.stop();
    await deleteKeys(baselinePrefix);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
