/**
 * The national topology on one machine: three provinces (上海 31, 江苏 32, 安徽 34), each with a
 * PostgreSQL server of its own and its four services as separate processes (安徽's verification
 * twice), one Redis Cluster of three masters as the exchange, and the national operations node on a
 * fourth PostgreSQL server (OPS_NATIONAL=true), fed only by the snapshots the provinces sign and
 * publish. It drives cross-province cases over the HTTP API with a progress display, SIGKILLs one
 * node mid-flow and starts it again, and exits non-zero unless every case ends where it should:
 * - every ordered pair of the three provinces, twice: window pickup, DELIVERED;
 * - one person applying in 31 and in 32 at the same moment: the hukou side (34) lets one go on
 *   (DELIVERED) and refuses the other (REFUSED, APPLICATION_ALREADY_OPEN);
 * - the national figures (GET /api/v1/ops/national, from snapshots taken after the last case
 *   ended) are the cases it drove: per residence province, per status and in total.
 *
 *   npm run demo:national                  # builds, runs, cleans up; exit code 0 = every case as expected
 *   npm run demo:national -- --keep-running  # leaves the topology up until Ctrl-C
 *
 * Needs PostgreSQL's server binaries (Debian: postgresql) and redis-server / redis-cli on this machine;
 * it never touches the servers on 5432 and 6379.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { PROVINCE_CODES } from '@app/domain';
import { aPortraitPng } from '@app/fixtures';
import { Keyring, NATIONAL } from '@app/messaging';
import { DEV_JWT_SECRET, jwtKeyFrom, signJwt, type CallerRole } from '@app/platform';
import { generateRegistry, importRegistryRecords, RegistryRecord } from '../apps/verification/src';
import { freePort, LocalPostgres, LocalRedisCluster, until } from './local-servers';

const KEEP_RUNNING = process.argv.includes('--keep-running');
const CASE_TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 180_000);
const PROVINCES = ['31', '32', '34'] as const;
type Province = (typeof PROVINCES)[number];
const NAMES: Record<Province, string> = { '31': '上海', '32': '江苏', '34': '安徽' };
const POINT: Record<Province, string> = {
  '31': '310101-01',
  '32': '320102-01',
  '34': '340104-01',
};
const APPS = ['intake', 'verification', 'production', 'delivery'] as const;
type App = (typeof APPS)[number] | 'ops';
/** Where a node runs: a province, or the national operations node. */
type Site = Province | typeof NATIONAL;
const SITES: readonly Site[] = [...PROVINCES, NATIONAL];
/** How often each province's intake publishes its statistics snapshot here (the demo is short). */
const STATS_PUBLISH_INTERVAL_MS = 2000;
const FINAL = ['DELIVERED', 'REFUSED', 'CANCELLED'];

const say = (line: string) => process.stdout.write(`${line}\n`);

/** One node process: an app of one province, restartable (on a port of its own each time). */
class NodeProcess {
  private child?: ChildProcess;
  private output = '';
  constructor(
    readonly label: string,
    readonly app: App,
    readonly province: Site,
    private port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the node, on `port` when given: a restart takes a fresh free port, because the old one
   * may meanwhile be the local port of some other process's outgoing connection (EADDRINUSE).
   */
  start(port?: number): void {
    if (port !== undefined) this.port = port;
    this.output = '';
    this.child = spawn(process.execPath, [resolve(__dirname, `../apps/${this.app}/src/main.js`)], {
      env: { ...process.env, ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept for the failure report only (warnings and errors: LOG_LEVEL=warn).
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  async ready(): Promise<void> {
    await until(
      `${this.label} ready (${this.url}/health/ready)`,
      async () => {
        if (this.child?.exitCode !== null && this.child?.exitCode !== undefined)
          throw new Error(`${this.label} exited (${this.child.exitCode}): ${this.output}`);
        return fetch(`${this.url}/health/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      90_000,
    );
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      child.once('exit', () => done());
      child.kill(signal);
    });
  }

  get recentOutput(): string {
    return this.output;
  }
}

interface Case {
  label: string;
  residence: Province;
  hukou: Province;
  person: RegistryRecord;
  expected: string[];
  id?: string;
  receiptNumber?: string;
  status: string;
  refusal?: { code: string } | null;
  acted: Set<string>;
}

function bearer(role: CallerRole, scope: { province: string; point?: string }) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = signJwt(
    {
      iss: 'idcard-dev',
      aud: 'idcard-api',
      sub: `national-demo-${role}@${scope.point ?? scope.province}`,
      iat: now,
      exp: now + 3600,
      role,
      scope,
    },
    jwtKeyFrom(DEV_JWT_SECRET, 'sign'),
  );
  return { authorization: `Bearer ${jwt}` };
}

async function api<T>(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${json.message ?? text}`);
  return json as T;
}

async function main(): Promise<number> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'national-demo-'));
  const keyringDir = join(work, 'keys');
  const prefix = `national-${Date.now().toString(36)}`;
  const databases = new Map<Site, LocalPostgres>();
  let cluster: LocalRedisCluster | undefined;
  const nodes: NodeProcess[] = [];

  const cleanup = async () => {
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    await cluster?.stop().catch(() => undefined);
    for (const pg of databases.values()) await pg.destroy().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    say(
      'National topology: three provinces, a PostgreSQL server each, one Redis Cluster, a national ops node.',
    );
    // Development keys for every province and the national node, made once before the nodes start.
    Keyring.load(keyringDir, { provinces: [...PROVINCE_CODES, NATIONAL], autogenerate: true });
    const [pgs, redis] = await Promise.all([
      Promise.all(SITES.map(() => LocalPostgres.start())),
      LocalRedisCluster.start(),
    ]);
    cluster = redis;
    SITES.forEach((p, i) => databases.set(p, pgs[i]));
    for (const p of PROVINCES)
      say(`  PostgreSQL of ${p} ${NAMES[p]}: 127.0.0.1:${databases.get(p)!.port}`);
    say(`  PostgreSQL of the national ops node: 127.0.0.1:${databases.get(NATIONAL)!.port}`);
    say(`  Redis Cluster (3 masters): ${cluster.nodes}`);

    // Each service of each province as its own process; 安徽's verification runs twice.
    for (const province of PROVINCES) {
      for (const app of APPS) {
        const copies = app === 'verification' && province === '34' ? 2 : 1;
        for (let copy = 1; copy <= copies; copy++) {
          nodes.push(
            new NodeProcess(
              `${app}-${province}${copies > 1 ? `-${copy}` : ''}`,
              app,
              province,
              await freePort(),
              {
                NODE_ENV: 'development',
                HOST: '127.0.0.1',
                DATABASE_URL: databases.get(province)!.url(),
                DATABASE_POOL_SIZE: '5',
                REDIS_CLUSTER_NODES: cluster.nodes,
                QUEUE_PREFIX: prefix,
                KEYRING_DIR: keyringDir,
                PROVINCES: province,
                LOG_LEVEL: 'warn',
                LOG_FORMAT: 'json',
                OUTBOX_POLL_MS: '200',
                WORKER_CONCURRENCY: '4',
                MESSAGE_BACKOFF_MS: '200',
                // A message lost with a killed node is re-sent soon (the demo is short).
                RECONCILE_INTERVAL_MS: '5000',
                RESEND_AFTER_MS: '15000',
                STATS_PUBLISH_INTERVAL_MS: String(STATS_PUBLISH_INTERVAL_MS),
              },
            ),
          );
        }
      }
    }
    // The national operations node: its own database, the provinces' snapshots its only input.
    const nationalNode = new NodeProcess('ops-national', 'ops', NATIONAL, await freePort(), {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      DATABASE_URL: databases.get(NATIONAL)!.url(),
      DATABASE_POOL_SIZE: '5',
      REDIS_CLUSTER_NODES: cluster.nodes,
      QUEUE_PREFIX: prefix,
      KEYRING_DIR: keyringDir,
      OPS_NATIONAL: 'true',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      WORKER_CONCURRENCY: '4',
      MESSAGE_BACKOFF_MS: '200',
    });
    nodes.push(nationalNode);
    say(`Starting ${nodes.length} node processes…`);
    // Nodes of one database start one after another (migrations wait on an advisory lock anyway);
    // the provinces start side by side.
    await Promise.all(
      SITES.map(async (province) => {
        for (const node of nodes.filter((n) => n.province === province)) {
          node.start();
          await node.ready();
        }
      }),
    );
    for (const node of nodes) say(`  ${node.label.padEnd(16)} ${node.url}`);
    const nodeOf = (app: App, province: Site) =>
      nodes.find((n) => n.app === app && n.province === province)!;

    // The population registry of each province, imported into that province's database only.
    const registry = generateRegistry({ seed: 'national', provinces: PROVINCES, perProvince: 40 });
    for (const province of PROVINCES) {
      const ds = new DataSource({ type: 'postgres', url: databases.get(province)!.url() });
      await ds.initialize();
      const mine = registry.filter((r) => r.hukouAddressCode.startsWith(province));
      const report = await importRegistryRecords(ds, mine);
      await ds.destroy();
      say(`  registry of ${province}: ${report.total} people, in ${province}'s database only`);
    }
    const adults = (province: Province) =>
      registry.filter(
        (r) =>
          r.hukouAddressCode.startsWith(province) &&
          r.status === 'ACTIVE' &&
          !r.cardIssued &&
          r.flags.length === 0 &&
          Number(r.birthDate.slice(0, 4)) <= new Date().getFullYear() - 18,
      );
    const pool = new Map(PROVINCES.map((p) => [p, adults(p)]));
    const take = (province: Province) => {
      const person = pool.get(province)!.shift();
      if (!person) throw new Error(`no adult left in the registry of ${province}`);
      return person;
    };

    // The cases: every ordered pair twice, and one person applying in two provinces at once.
    const cases: Case[] = [];
    for (const residence of PROVINCES)
      for (const hukou of PROVINCES.filter((p) => p !== residence))
        for (let i = 1; i <= 2; i++)
          cases.push({
            label: `${residence}→${hukou} #${i}`,
            residence,
            hukou,
            person: take(hukou),
            expected: ['DELIVERED'],
            status: 'NEW',
            acted: new Set(),
          });
    const twice = take('34');
    for (const residence of ['31', '32'] as const)
      cases.push({
        label: `same person @${residence}`,
        residence,
        hukou: '34',
        person: twice,
        // One of the two goes on, the other is refused by the hukou side (checked below).
        expected: ['DELIVERED', 'REFUSED'],
        status: 'NEW',
        acted: new Set(),
      });

    say(`\nApplying: ${cases.length} cases at ${PROVINCES.map((p) => POINT[p]).join(', ')}…`);
    await Promise.all(
      cases.map(async (c) => {
        const intake = nodeOf('intake', c.residence).url;
        const clerk = bearer('clerk', { province: c.residence, point: POINT[c.residence] });
        const { photoId } = await api<{ photoId: string }>(
          intake,
          'POST',
          '/api/v1/photos',
          clerk,
          {
            imageBase64: aPortraitPng({ seed: randomInt(2 ** 47) }).toString('base64'),
          },
        );
        const created = await api<{ id: string; receiptNumber: string; status: string }>(
          intake,
          'POST',
          '/api/v1/applications',
          { ...clerk, 'idempotency-key': `${prefix}-${cases.indexOf(c)}` },
          {
            applicant: {
              idNumber: c.person.idNumber,
              name: c.person.name,
              sex: c.person.sex,
              ethnicity: c.person.ethnicity,
              birthDate: c.person.birthDate,
            },
            hukou: { addressCode: c.person.hukouAddressCode, address: c.person.hukouAddress },
            acceptancePoint: POINT[c.residence],
            photoId,
            fingerprints: {
              templates: [
                Buffer.from(`fp1-${c.person.idNumber}`).toString('base64'),
                Buffer.from(`fp2-${c.person.idNumber}`).toString('base64'),
              ],
            },
            delivery: { method: 'WINDOW' },
          },
        );
        c.id = created.id;
        c.receiptNumber = created.receiptNumber;
        c.status = created.status;
      }),
    );

    // Drive the cases: the clerk records arrival and hand-over at the delivery node of the point.
    say('\nProgress (one line a second; ☠ = a node killed with SIGKILL):');
    const victim = nodeOf('production', '31');
    const victimState = { killed: 'no' as 'no' | 'killed' | 'restarted' };
    let restart: Promise<void> = Promise.resolve();
    const deadline = Date.now() + CASE_TIMEOUT_MS;
    let lastLine = 0;
    while (cases.some((c) => !FINAL.includes(c.status)) && Date.now() < deadline) {
      await Promise.all(
        cases
          .filter((c) => !FINAL.includes(c.status))
          .map(async (c) => {
            const clerk = bearer('clerk', { province: c.residence, point: POINT[c.residence] });
            try {
              const view = await api<{ status: string; refusal: { code: string } | null }>(
                nodeOf('intake', c.residence).url,
                'GET',
                `/api/v1/applications/${c.id}`,
                clerk,
              );
              c.status = view.status;
              c.refusal = view.refusal;
              const delivery = nodeOf('delivery', c.residence).url;
              const once = async (step: string, path: string, body: unknown) => {
                if (c.acted.has(step)) return;
                await api(delivery, 'POST', path, clerk, body);
                c.acted.add(step);
              };
              if (c.status === 'DISPATCHED')
                await once('arrived', `/api/v1/deliveries/${c.id}/arrived`, {});
              if (c.status === 'READY_FOR_PICKUP')
                await once('collected', `/api/v1/deliveries/${c.id}/collected`, {
                  receiptNumber: c.receiptNumber,
                  collector: {
                    type: 'APPLICANT',
                    name: c.person.name,
                    idNumber: c.person.idNumber,
                  },
                });
            } catch (error) {
              // A node being restarted answers nothing for a moment: the next round tries again.
              if (!/fetch failed|ECONNREFUSED/.test(String((error as Error).message)))
                say(`  ! ${c.label}: ${(error as Error).message}`);
            }
          }),
      );
      // Mid-flow: once some cards are being made, production of 31 dies without warning.
      const moving = cases.filter((c) =>
        ['APPROVED', 'IN_PRODUCTION', 'PRODUCED', 'DISPATCHED'].includes(c.status),
      ).length;
      if (victimState.killed === 'no' && moving >= 2) {
        await victim.kill('SIGKILL');
        victimState.killed = 'killed';
        say(
          `  ☠ ${victim.label} killed (SIGKILL) with ${moving} case(s) between approval and dispatch`,
        );
        restart = new Promise<void>((resolve) => setTimeout(resolve, 2000)).then(async () => {
          victim.start(await freePort());
          return victim.ready().then(
            () => {
              victimState.killed = 'restarted';
              say(`  ↻ ${victim.label} restarted and ready`);
            },
            (error: Error) => {
              say(`  ! ${victim.label} did not come back: ${error.message}`);
            },
          );
        });
      }
      if (Date.now() - lastLine >= 1000) {
        lastLine = Date.now();
        const counts = new Map<string, number>();
        for (const c of cases) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
        say(
          `  ${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s  ${[...counts]
            .map(([s, n]) => `${s} ${n}`)
            .join(' · ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }

    // The verdict (after the restarted node said it is ready, or gave up).
    await restart;
    say('\nCases:');
    let failures = 0;
    for (const c of cases) {
      const ok = c.expected.includes(c.status);
      if (!ok) failures++;
      say(
        `  ${ok ? '✓' : '✗'} ${c.label.padEnd(16)} ${NAMES[c.residence]} ← 户籍 ${NAMES[c.hukou]}  ${c.receiptNumber ?? '—'}  ${c.status}${c.refusal ? ` (${c.refusal.code})` : ''}`,
      );
    }
    const pair = cases.filter((c) => c.person === twice);
    const pairOk =
      pair
        .map((c) => c.status)
        .sort()
        .join() === 'DELIVERED,REFUSED' &&
      pair.find((c) => c.status === 'REFUSED')?.refusal?.code === 'APPLICATION_ALREADY_OPEN';
    if (!pairOk) failures++;
    say(
      `  ${pairOk ? '✓' : '✗'} one open application per person: ${pairOk ? 'one delivered, one refused by the hukou side' : `got ${pair.map((c) => c.status).join(' and ')}`}`,
    );
    const killOk = victimState.killed === 'restarted';
    if (!killOk) failures++;
    say(
      `  ${killOk ? '✓' : '✗'} ${victim.label} killed and restarted mid-flow (${victimState.killed})`,
    );

    // National statistics: from snapshots the provinces took after the last case ended, the
    // national node's figures must be the cases driven here, though it never read their databases.
    const endedAt = Date.now();
    const nationalOk = await checkNational(nationalNode.url, endedAt, cases);
    if (!nationalOk) failures++;
    if (failures) {
      for (const node of nodes.filter((n) => n.recentOutput))
        say(`\n--- last output of ${node.label} ---\n${node.recentOutput}`);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(
      `\ndemo:national: ${failures ? `${failures} problem(s)` : 'every case ended where it should'} (${cases.length} cases, ${nodes.length} processes, ${seconds} s)`,
    );
    if (KEEP_RUNNING && !failures) {
      say('The topology keeps running (Ctrl-C stops it and removes its servers).');
      await new Promise(() => undefined);
    }
    return failures ? 1 : 0;
  } finally {
    await cleanup();
  }
}

interface NationalFigures {
  total: number;
  byStatus: { status: string; cases: number }[];
  provinces: { province: string; asOf: string; sequence: number; cases: number }[];
}

/** Waits for snapshots of every province newer than `endedAt`, then compares them with the cases. */
async function checkNational(url: string, endedAt: number, cases: Case[]): Promise<boolean> {
  const auditor = bearer('auditor', { province: '11' });
  let figures: NationalFigures | undefined;
  const fresh = (n: NationalFigures) =>
    PROVINCES.every((p) => {
      const snapshot = n.provinces.find((x) => x.province === p);
      return !!snapshot && Date.parse(snapshot.asOf) > endedAt;
    });
  try {
    await until(
      'snapshots of 31, 32 and 34 taken after the last case ended',
      async () => {
        figures = await api<NationalFigures>(url, 'GET', '/api/v1/ops/national', auditor);
        return fresh(figures);
      },
      10 * STATS_PUBLISH_INTERVAL_MS + 20_000,
    );
  } catch (error) {
    say(`  ✗ national statistics: ${(error as Error).message}`);
    return false;
  }
  const n = figures!;
  const problems: string[] = [];
  if (n.total !== cases.length) problems.push(`total ${n.total}, expected ${cases.length}`);
  for (const p of PROVINCES) {
    const expected = cases.filter((c) => c.residence === p).length;
    const got = n.provinces.find((x) => x.province === p)!.cases;
    if (got !== expected) problems.push(`${p}: ${got} cases, expected ${expected}`);
  }
  const statuses = new Set([...cases.map((c) => c.status), ...n.byStatus.map((s) => s.status)]);
  for (const status of statuses) {
    const expected = cases.filter((c) => c.status === status).length;
    const got = n.byStatus.find((s) => s.status === status)?.cases ?? 0;
    if (got !== expected) problems.push(`${status}: ${got}, expected ${expected}`);
  }
  const snapshots = PROVINCES.map(
    (p) => `${p} #${n.provinces.find((x) => x.province === p)!.sequence}`,
  ).join(', ');
  say(
    problems.length
      ? `  ✗ national statistics disagree with the cases: ${problems.join('; ')}`
      : `  ✓ national statistics: ${n.total} cases from the provinces' signed snapshots (${snapshots}), ${n.byStatus
          .map((s) => `${s.status} ${s.cases}`)
          .join(', ')}; the national node read no province's database`,
  );
  return problems.length === 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(
      `demo:national failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  },
);
