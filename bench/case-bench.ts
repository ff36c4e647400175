/**
 * The end-to-end case benchmark (see cases.bench.ts for the command line). Drives a running system
 * over its public HTTP API, exactly as clerk apps do, and follows every case to DISPATCHED through
 * the ops and case reads; in the same run, the hand-written four-stage pipeline on the same
 * PostgreSQL and Redis gives the baseline. Four phases:
 *
 *   1. baseline      the hand-written pipeline, N flows, as many producers as the system gets clients;
 *                    then the case's seven messages through the messaging backbone with no work
 *                    around them (messages-only-pipeline.ts): the most the system could reach
 *   2. throughput    N applications from C concurrent clerks of ≥ 20 acceptance points in several
 *                    provinces, until every case is DISPATCHED: cases/s, intake latency, stage times
 *   3. offered rate  R applications/s for S seconds across the same points, open loop (a request is
 *                    sent on schedule whether or not earlier ones were answered): intake latency
 *   4. light load    one case at a time, intake → DISPATCHED
 */
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { ageOn, listCounties, todayInChina } from '@app/domain';
import { aPortraitPng } from '@app/fixtures';
import { DEV_JWT_SECRET, jwtKeyFrom, loadConfig, signJwt, type CallerRole } from '@app/platform';
import { generateRegistry, importRegistryRecords, RegistryRecord } from '../apps/verification/src';
import { CpuMeter, CpuSpent } from './cpu-meter';
import { HandWrittenResult, runHandWrittenPipeline } from './hand-written-pipeline';
import { CASE_MESSAGES, runMessagesOnlyPipeline } from './messages-only-pipeline';

export interface CaseBenchOptions {
  /** Base URL of the system (all-in-one, or a node serving the clerk and ops routes). */
  url: string;
  /** The system's database: the registry is seeded there. */
  databaseUrl: string;
  /** PostgreSQL server and Redis for the hand-written baseline (its own database and prefix). */
  pgUrl: string;
  redisUrl: string;
  baselinePrefix: string;
  /** Token settings of the system (development defaults). */
  jwt?: { secret: string; issuer: string; audience: string };
  cases: number;
  concurrency: number;
  rate: number;
  rateSeconds: number;
  light: number;
  /** Worker concurrency of the baseline's stages (the system's WORKER_CONCURRENCY). */
  workerConcurrency: number;
  /** PostgreSQL connections of the baseline (the system's DATABASE_POOL_SIZE; default 10). */
  poolSize?: number;
  /** Acceptance points per province; provinces below. */
  pointsPerProvince?: number;
  provinces?: string[];
  /** Skips the baseline (e.g. when only the system's figures are wanted). */
  skipBaseline?: boolean;
  progress?: (line: string) => void;
  timeoutMs?: number;
  /** The system's process (when the benchmark started it): its CPU time is measured. */
  systemPid?: number;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface CaseBenchReport {
  points: number;
  provinces: string[];
  baseline: HandWrittenResult | null;
  /**
   * The case's messages alone through the backbone (skipped with the baseline), and its ratios to
   * the baseline: the ceiling of the system's ratios.
   */
  messagesOnly:
    | (HandWrittenResult & {
        messages: number;
        ratioToBaseline: number;
        cpuRatioToBaseline: number | null;
      })
    | null;
  throughput: {
    cases: number;
    concurrency: number;
    ms: number;
    casesPerSecond: number;
    ratioToBaseline: number | null;
    /**
     * CPU per case (the system's process, its database's backends, Redis) while the phase ran,
     * and the baseline's CPU per flow divided by it: the ratio a CPU-bound machine gives, little
     * changed by other work on the machine. null when not measured.
     */
    cpuPerCase: CpuSpent | null;
    cpuRatioToBaseline: number | null;
    intakeMs: Percentiles;
    endToEndMs: Percentiles;
    /** Time spent in each status on the way to DISPATCHED (from the case timelines). */
    stages: { status: string; ms: Percentiles }[];
  };
  offered: {
    rate: number;
    seconds: number;
    sent: number;
    achievedRate: number;
    intakeMs: Percentiles;
    errors: number;
  };
  light: { cases: number; endToEndMs: Percentiles; intakeMs: Percentiles };
  /**
   * Reminders (delayed case.timer jobs in intake's queues) the run left waiting in Redis, per case
   * it created: each one fires later (days on) as one more handled message, unless withdrawn.
   */
  reminders: { cases: number; waiting: number; perCase: number };
}

const DEFAULT_PROVINCES = ['31', '32', '33', '34', '44', '51'];
/** The statuses a case passes through on its way to DISPATCHED; the time in each is reported. */
const STAGES = ['UNDER_REVIEW', 'APPROVED', 'IN_PRODUCTION', 'PRODUCED'] as const;

interface Timeline {
  from: string | null;
  to: string;
  at: string;
}
interface CaseView {
  id: string;
  status: string;
  timeline: Timeline[];
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runCaseBenchmark(o: CaseBenchOptions): Promise<CaseBenchReport> {
  const say = o.progress ?? (() => undefined);
  const jwt = o.jwt ?? { secret: DEV_JWT_SECRET, issuer: 'idcard-dev', audience: 'idcard-api' };
  const timeoutMs = o.timeoutMs ?? 15 * 60_000;
  const provinces = o.provinces ?? DEFAULT_PROVINCES;
  const perProvince = o.pointsPerProvince ?? 4;
  const points = provinces.flatMap((p) =>
    listCounties()
      .filter((c) => c.provinceCode === p)
      .slice(0, perProvince)
      .map((c) => `${c.code}-01`),
  );

  const bearer = (role: CallerRole, scope: { province: string; point?: string }) => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(
      {
        iss: jwt.issuer,
        aud: jwt.audience,
        sub: `bench-${role}@${scope.point ?? scope.province}`,
        iat: now,
        exp: now + 6 * 3600,
        role,
        scope,
      },
      jwtKeyFrom(jwt.secret, 'sign'),
    );
    return { authorization: `Bearer ${token}` };
  };
  const clerks = new Map(
    points.map((p) => [p, bearer('clerk', { province: p.slice(0, 2), point: p })]),
  );
  const opsOf = new Map(provinces.map((p) => [p, bearer('ops', { province: p })]));
  const ops = opsOf.get(provinces[0])!;

  async function api<T>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
    extra: Record<string, string> = {},
  ) {
    const res = await fetch(`${o.url}${path}`, {
      method,
      headers: {
        ...headers,
        ...extra,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  // ---- seeding: a registry with enough adults for every application, one portrait per province.
  const offeredCount = Math.round(o.rate * o.rateSeconds);
  const needed = o.cases + offeredCount + o.light;
  const today = todayInChina();
  const runId = Date.now().toString(36);
  const registry = generateRegistry({
    seed: `bench-${runId}`,
    perProvince: Math.ceil((needed * 2.2) / 31) + 20,
  });
  const ds = new DataSource({ type: 'postgres', url: o.databaseUrl, extra: { max: 2 } });
  await ds.initialize();
  let pool: RegistryRecord[];
  try {
    const open: { id: string }[] = await ds.query(
      `SELECT applicant->>'idNumber' AS id FROM intake.cases WHERE status NOT IN ('REFUSED', 'CANCELLED', 'DELIVERED')`,
    );
    const taken = new Set(open.map((r) => r.id));
    pool = registry.filter(
      (r) =>
        r.status === 'ACTIVE' &&
        !r.cardIssued &&
        r.flags.length === 0 &&
        ageOn(r.birthDate, today) >= 16 &&
        !taken.has(r.idNumber),
    );
    const report = await importRegistryRecords(ds, registry);
    say(`registry: ${report.total} people seeded (${pool.length} adults free to apply)`);
  } finally {
    await ds.destroy();
  }
  if (pool.length < needed)
    throw new Error(`registry has ${pool.length} applicants, ${needed} needed`);

  const photos = new Map<string, string>();
  for (const p of provinces) {
    const point = points.find((x) => x.startsWith(p))!;
    const { photoId } = await api<{ photoId: string }>(
      'POST',
      '/api/v1/photos',
      clerks.get(point)!,
      {
        imageBase64: aPortraitPng({
          seed: (Number.parseInt(runId, 36) % 2 ** 40) + Number(p),
        }).toString('base64'),
      },
    );
    photos.set(p, photoId);
  }

  let seq = 0;
  /** The next application: round robin over the points, an applicant of another hukou province. */
  function nextApplication() {
    const point = points[seq % points.length];
    const i = pool.findIndex((r) => !r.hukouAddressCode.startsWith(point.slice(0, 2)));
    if (i < 0) throw new Error('no applicant left for ' + point);
    const [person] = pool.splice(i, 1);
    seq++;
    return {
      point,
      key: `bench-${runId}-${seq}`,
      body: {
        applicant: {
          idNumber: person.idNumber,
          name: person.name,
          sex: person.sex,
          ethnicity: person.ethnicity,
          birthDate: person.birthDate,
        },
        hukou: { addressCode: person.hukouAddressCode, address: person.hukouAddress },
        acceptancePoint: point,
        photoId: photos.get(point.slice(0, 2))!,
        fingerprints: {
          templates: [
            Buffer.from(`fp1-${person.idNumber}`).toString('base64'),
            Buffer.from(`fp2-${person.idNumber}`).toString('base64'),
          ],
        },
        delivery: { method: 'WINDOW' },
      },
    };
  }

  /** Sends one application; returns its id and the intake latency (request → 201) in ms. */
  async function apply(): Promise<{ id: string; point: string; ms: number; sentAt: number }> {
    const a = nextApplication();
    const sentAt = Date.now();
    const t0 = performance.now();
    const created = await api<{ id: string; status: string }>(
      'POST',
      '/api/v1/applications',
      clerks.get(a.point)!,
      a.body,
      {
        'idempotency-key': a.key,
      },
    );
    return { id: created.id, point: a.point, ms: performance.now() - t0, sentAt };
  }

  async function dispatchedCount(): Promise<number> {
    const s = await api<{ statuses: { status: string; reached: number }[] }>(
      'GET',
      '/api/v1/ops/stats/statuses',
      ops,
    );
    return s.statuses.find((x) => x.status === 'DISPATCHED')?.reached ?? 0;
  }

  /** Polls the ops figures until `count` more cases than `base` have reached DISPATCHED. */
  async function untilDispatched(base: number, count: number, label: string, started: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = (await dispatchedCount()) - base;
      say(`${label} ${n}/${count} dispatched, ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (n >= count) return;
      if (Date.now() > deadline)
        throw new Error(`${label} only ${n} of ${count} cases DISPATCHED after ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  /** Delayed jobs in intake's queues of the run's provinces (its reminders), from the ops board. */
  async function remindersWaiting(): Promise<number> {
    let n = 0;
    for (const p of provinces) {
      const board = await api<{ queues: { service: string; delayed: number }[] }>(
        'GET',
        `/api/v1/ops/queues?province=${p}`,
        opsOf.get(p)!,
      );
      n += board.queues.filter((q) => q.service === 'intake').reduce((k, q) => k + q.delayed, 0);
    }
    return n;
  }

  async function readCases(ids: string[], pointOf: Map<string, string>): Promise<CaseView[]> {
    const out: CaseView[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ids.length) {
          const id = ids[next++];
          out.push(
            await api<CaseView>('GET', `/api/v1/applications/${id}`, clerks.get(pointOf.get(id)!)!),
          );
        }
      }),
    );
    return out;
  }

  const meter = await CpuMeter.open(o.pgUrl, o.redisUrl);

  // ---- 1. baseline, then the case's messages alone, with the same load and resources
  const pipeline = {
    pgUrl: o.pgUrl,
    redisUrl: o.redisUrl,
    prefix: o.baselinePrefix,
    flows: o.cases,
    producers: o.concurrency,
    concurrency: o.workerConcurrency,
    poolSize: o.poolSize ?? 10,
    meter,
  };
  let baseline: CaseBenchReport['baseline'] = null;
  if (!o.skipBaseline) {
    say(`baseline: hand-written pipeline, ${o.cases} flows…`);
    baseline = await runHandWrittenPipeline({
      ...pipeline,
      onProgress: (done) => {
        if (done % 100 === 0) say(`baseline: ${done}/${o.cases} flows`);
      },
    });
  }
  let messagesOnly: CaseBenchReport['messagesOnly'] = null;
  if (baseline) {
    say(
      `messages only: ${CASE_MESSAGES} messages per flow through the backbone, ${o.cases} flows…`,
    );
    // The relay settings the system gets from this environment (it inherits it when started).
    const { OUTBOX_BATCH_SIZE, OUTBOX_POLL_MS } = loadConfig(process.env);
    const run = await runMessagesOnlyPipeline({
      ...pipeline,
      relay: { batchSize: OUTBOX_BATCH_SIZE, pollMs: OUTBOX_POLL_MS },
      onProgress: (done) => say(`messages only: ${done}/${o.cases} flows`),
    });
    messagesOnly = {
      ...run,
      messages: CASE_MESSAGES,
      ratioToBaseline: run.flowsPerSecond / baseline.flowsPerSecond,
      cpuRatioToBaseline:
        run.cpu && baseline.cpu
          ? baseline.cpu.total / baseline.flows / (run.cpu.total / run.flows)
          : null,
    };
  }

  // ---- 2. throughput
  const remindersBefore = await remindersWaiting();
  const before = await dispatchedCount();
  const systemSpent =
    meter && o.systemPid !== undefined
      ? await meter.start({ node: o.systemPid, database: new URL(o.databaseUrl).pathname.slice(1) })
      : undefined;
  const intake: number[] = [];
  const created: { id: string; point: string; sentAt: number }[] = [];
  const t0 = Date.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (sent < o.cases) {
        sent++;
        const r = await apply();
        intake.push(r.ms);
        created.push(r);
        if (created.length % 50 === 0)
          say(
            `throughput: ${created.length}/${o.cases} accepted, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
          );
      }
    }),
  );
  await untilDispatched(before, o.cases, `throughput: ${o.cases} accepted,`, t0);
  const ms = Date.now() - t0;
  const spent = systemSpent ? await systemSpent() : null;
  const cpuPerCase = spent ? perUnit(spent, o.cases) : null;
  const baselineCpu = baseline?.cpu ? perUnit(baseline.cpu, baseline.flows) : null;
  await meter?.close();
  const views = await readCases(
    created.map((c) => c.id),
    new Map(created.map((c) => [c.id, c.point])),
  );
  const stageMs = new Map<string, number[]>(STAGES.map((s) => [s, []]));
  const e2e: number[] = [];
  for (const v of views) {
    const sentAt = created.find((c) => c.id === v.id)!.sentAt;
    const dispatched = v.timeline.find((t) => t.to === 'DISPATCHED');
    if (dispatched) e2e.push(Date.parse(dispatched.at) - sentAt);
    for (const s of STAGES) {
      const into = v.timeline.find((t) => t.to === s);
      const out = v.timeline.find((t) => t.from === s && t.to !== s);
      if (into && out) stageMs.get(s)!.push(Date.parse(out.at) - Date.parse(into.at));
    }
  }
  const casesPerSecond = (o.cases / ms) * 1000;

  // ---- 3. offered rate (open loop)
  const offered: number[] = [];
  let errors = 0;
  const offeredStart = Date.now();
  const before3 = await dispatchedCount();
  say(`offered: ${o.rate}/s for ${o.rateSeconds} s…`);
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < offeredCount; i++) {
    const due = offeredStart + (i * 1000) / o.rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      apply().then(
        (r) => void offered.push(r.ms),
        () => void errors++,
      ),
    );
    if (i % 100 === 99) say(`offered: ${i + 1}/${offeredCount} sent, ${offered.length} answered`);
  }
  await Promise.all(inFlight);
  const offeredMs = Date.now() - offeredStart;
  // Let the system drain before the light-load phase.
  await untilDispatched(before3, offered.length, 'offered: draining,', offeredStart);

  // ---- 4. light load: one case at a time
  const lightE2e: number[] = [];
  const lightIntake: number[] = [];
  for (let i = 0; i < o.light; i++) {
    const r = await apply();
    lightIntake.push(r.ms);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const v = await api<CaseView>('GET', `/api/v1/applications/${r.id}`, clerks.get(r.point)!);
      const d = v.timeline.find((t) => t.to === 'DISPATCHED');
      if (d) {
        lightE2e.push(Date.parse(d.at) - r.sentAt);
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`light load: case ${r.id} not DISPATCHED after 60 s (${v.status})`);
      await sleep(10);
    }
    say(`light: ${i + 1}/${o.light}, last ${lightE2e[lightE2e.length - 1]} ms`);
  }
  const runCases = o.cases + offered.length + o.light;
  const remindersLeft = (await remindersWaiting()) - remindersBefore;

  return {
    points: points.length,
    provinces,
    baseline,
    messagesOnly,
    throughput: {
      cases: o.cases,
      concurrency: o.concurrency,
      ms,
      casesPerSecond,
      ratioToBaseline: baseline ? casesPerSecond / baseline.flowsPerSecond : null,
      cpuPerCase,
      cpuRatioToBaseline: cpuPerCase && baselineCpu ? baselineCpu.total / cpuPerCase.total : null,
      intakeMs: percentiles(intake),
      endToEndMs: percentiles(e2e),
      stages: STAGES.map((s) => ({ status: s, ms: percentiles(stageMs.get(s)!) })),
    },
    offered: {
      rate: o.rate,
      seconds: o.rateSeconds,
      sent: offeredCount,
      achievedRate: (offeredCount / offeredMs) * 1000,
      intakeMs: percentiles(offered),
      errors,
    },
    light: {
      cases: o.light,
      endToEndMs: percentiles(lightE2e),
      intakeMs: percentiles(lightIntake),
    },
    reminders: { cases: runCases, waiting: remindersLeft, perCase: remindersLeft / runCases },
  };
}

function perUnit(spent: CpuSpent, units: number): CpuSpent {
  return {
    node: spent.node / units,
    postgres: spent.postgres / units,
    redis: spent.redis / units,
    total: spent.total / units,
  };
}

const cpu = (c: CpuSpent) =>
  `${c.total.toFixed(1)} ms (node ${c.node.toFixed(1)}, PostgreSQL ${c.postgres.toFixed(1)}, Redis ${c.redis.toFixed(1)})`;

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const pct = (p: Percentiles) =>
  `p50 ${f(p.p50)} ms, p95 ${f(p.p95)} ms, p99 ${f(p.p99)} ms (n=${p.n})`;

export function formatReport(r: CaseBenchReport): string {
  const t = r.throughput;
  const lines = [
    `acceptance points: ${r.points} in provinces ${r.provinces.join(', ')}`,
    r.baseline
      ? `baseline (hand-written BullMQ+pg, 4 stages): ${r.baseline.flowsPerSecond.toFixed(1)} flows/s (${r.baseline.flows} in ${(r.baseline.ms / 1000).toFixed(1)} s)`
      : 'baseline: skipped',
    ...(r.messagesOnly
      ? [
          `messages only (the case's ${r.messagesOnly.messages} messages through the backbone, no work): ${r.messagesOnly.flowsPerSecond.toFixed(1)} flows/s → ratio ${r.messagesOnly.ratioToBaseline.toFixed(2)} of the baseline` +
            (r.messagesOnly.cpu
              ? `; CPU per flow ${cpu(perUnit(r.messagesOnly.cpu, r.messagesOnly.flows))} → CPU ratio ${r.messagesOnly.cpuRatioToBaseline!.toFixed(2)}`
              : ''),
        ]
      : []),
    `system, intake → DISPATCHED: ${t.casesPerSecond.toFixed(1)} cases/s (${t.cases} in ${(t.ms / 1000).toFixed(1)} s, ${t.concurrency} concurrent clients)` +
      (t.ratioToBaseline !== null
        ? ` → ratio ${t.ratioToBaseline.toFixed(2)} of the baseline`
        : ''),
    ...(t.cpuPerCase
      ? [
          `  CPU per case: ${cpu(t.cpuPerCase)}` +
            (r.baseline?.cpu
              ? `; baseline per flow: ${cpu(perUnit(r.baseline.cpu, r.baseline.flows))} → CPU ratio ${t.cpuRatioToBaseline!.toFixed(2)}`
              : ''),
        ]
      : []),
    `  intake latency at ${t.concurrency} concurrent: ${pct(t.intakeMs)}`,
    `  intake → DISPATCHED per case: ${pct(t.endToEndMs)}`,
    ...t.stages.map((s) => `  time in ${s.status.padEnd(13)} ${pct(s.ms)}`),
    `offered ${r.offered.rate}/s for ${r.offered.seconds} s (achieved ${r.offered.achievedRate.toFixed(1)}/s, ${r.offered.errors} errors): intake ${pct(r.offered.intakeMs)}`,
    `light load (one case at a time): intake → DISPATCHED ${pct(r.light.endToEndMs)}; intake ${pct(r.light.intakeMs)}`,
    `reminders left waiting in Redis: ${r.reminders.perCase.toFixed(2)} per case (${r.reminders.waiting} delayed timer jobs for ${r.reminders.cases} cases, each one more handled message when it fires)`,
  ];
  return lines.join('\n');
}
