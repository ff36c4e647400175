/**
 * Writes years of case history into intake's schema of DATABASE_URL, fast: rows go in with COPY
 * (pg-copy-streams), the ops rollups are rebuilt once at the end (intake.stats_rebuild()).
 *
 *   npm run seed:history -- --cases 1000000 [--years 3] [--seed 1]
 *
 * Runs every service's migrations first. Cases take routes that the pilot schedule opens on their
 * intake date (libs/domain eligibility), between a few county-level acceptance points per
 * province (the busiest, 310101-01, takes about 2 % of them for the clerk-list benchmark); intake
 * dates are spread over the years up to today. Older cases are closed (delivered at the window or
 * by post, refused, withdrawn), the recent ones stand wherever their path has reached now. Every
 * timeline is a hash chain made with the function intake writes it with, so the auditor's check
 * passes on any seeded case. Personal data is generated (valid ID numbers, made-up names).
 * Appends to what is there: run it on an empty database for a clean history.
 */
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import {
  addDays,
  caseDeadlines,
  checkEligibility,
  listCounties,
  makeCitizenId,
  todayInChina,
} from '@app/domain';
import { dataSourceOptions, ensureDatabase, runMigrationsLocked } from '@app/persistence';
import { loadConfig } from '@app/platform';
import { CaseStatus, isTerminal, Side, TRANSITIONS } from '@app/workflow';
import { ALL_FEATURES } from '../apps/all-in-one/src/features';
import {
  GENESIS_HASH,
  timelineContent,
  timelineEntryHash,
} from '../apps/intake/src/case/timeline-chain';

const S = CaseStatus;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a non-negative number`);
    process.exit(2);
  }
  return value;
}

/** A small deterministic generator (mulberry32), so the same --seed gives the same history. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** COPY text format: backslash, tab, newline and carriage return escaped; null is \N. */
function field(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  const s = String(value);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
}
const line = (values: (string | number | boolean | null)[]) => values.map(field).join('\t') + '\n';

const CASE_COLUMNS = [
  'id',
  'receipt_number',
  'acceptance_point',
  'residence_code',
  'residence_province',
  'hukou_code',
  'hukou_province',
  'hukou_address',
  'status',
  'delivery_method',
  'postal_returned',
  'production_attempts',
  'max_production_attempts',
  'applicant',
  'photo_id',
  'fingerprints',
  'delivery',
  'fee_yuan',
  'fee_rule',
  'fee_reason',
  'eligibility_rule',
  'eligibility_reason',
  'intake_date',
  'created_by',
  'review_due_at',
  'promise_due_at',
  'statutory_due_at',
  'review_overdue',
  'statutory_overdue',
  'pickup_reminder_due_at',
  'pickup_reminded_at',
  'decided_at',
  'refusal_code',
  'refusal_reason',
  'card_serial',
  'cancel_reason',
  'pending_command',
  'last_sent_at',
  'resend_count',
  'created_at',
  'updated_at',
];
const TIMELINE_COLUMNS = [
  'case_id',
  'from_status',
  'to_status',
  'event',
  'side',
  'actor',
  'reason',
  'at',
  'prev_hash',
  'hash',
];

interface Route {
  residenceCounty: string;
  hukouCounty: string;
  residenceProvince: string;
  hukouProvince: string;
  rule: string;
  reason: string;
}

/** A few county-level divisions per province: the acceptance points and hukou places used. */
function countiesByProvince(perProvince: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of listCounties()) {
    const list = out.get(c.provinceCode) ?? [];
    if (list.length < perProvince) list.push(c.code);
    out.set(c.provinceCode, list);
  }
  // The busiest point of the benchmark is in Shanghai's first district.
  const sh = out.get('31') ?? [];
  if (!sh.includes('310101')) out.set('31', ['310101', ...sh.slice(0, perProvince - 1)]);
  return out;
}

/** Routes open on `date` between the chosen counties (one check per county pair). */
function openRoutes(date: string, counties: Map<string, string[]>): Route[] {
  const all = [...counties.entries()].flatMap(([p, list]) => list.map((code) => ({ p, code })));
  const routes: Route[] = [];
  for (const r of all)
    for (const h of all) {
      if (r.p === h.p) continue;
      const d = checkEligibility(r.code, h.code, date);
      if (d.eligible)
        routes.push({
          residenceCounty: r.code,
          hukouCounty: h.code,
          residenceProvince: r.p,
          hukouProvince: h.p,
          rule: d.rule?.id ?? '',
          reason: d.reason,
        });
    }
  return routes;
}

const transitionOf = (from: CaseStatus, to: CaseStatus) => {
  const t = TRANSITIONS.find((x) => x.from === from && x.to === to);
  if (!t) throw new Error(`no transition ${from} → ${to}`);
  return t;
};

interface Step {
  from: CaseStatus | null;
  to: CaseStatus;
  at: number;
  event: string;
  side: string;
  actor: string | null;
  reason: string | null;
}

async function write(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/** Drops the indexes of an intake table that back no constraint; returns their definitions. */
async function dropSecondaryIndexes(client: Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
      WHERE i.schemaname = 'intake' AND i.tablename = $1
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                         WHERE k.conname = i.indexname AND k.connamespace = 'intake'::regnamespace)`,
    [table],
  );
  for (const r of rows) await client.query(`DROP INDEX intake."${r.indexname}"`);
  return rows.map((r) => r.indexdef);
}

async function rebuildIndexes(client: Client, definitions: string[]): Promise<void> {
  await client.query(`SET maintenance_work_mem = '512MB'`);
  for (const sql of definitions) await client.query(sql);
}

export interface SeedOptions {
  cases: number;
  years?: number;
  seed?: number;
  /** County-level points (and hukou places) per province; fewer makes the route table quicker. */
  countiesPerProvince?: number;
  log?: (line: string) => void;
}

/** Writes `cases` cases of history into the database at `databaseUrl` (see the file comment). */
export async function seedHistory(databaseUrl: string, options: SeedOptions): Promise<void> {
  const total = Math.trunc(options.cases);
  const years = options.years ?? 3;
  const random = rng(options.seed ?? 1);
  const log = options.log ?? (() => undefined);
  const config = { DATABASE_URL: databaseUrl };
  await ensureDatabase(config.DATABASE_URL);
  const dataSource = new DataSource({
    ...dataSourceOptions(config.DATABASE_URL, {
      entities: ALL_FEATURES.flatMap((f) => f.database.entities as never[]),
      migrations: ALL_FEATURES.flatMap((f) => f.database.migrations as never[]),
    }),
    logging: false,
  });
  await dataSource.initialize();
  await runMigrationsLocked(dataSource, new Logger('Migrations'));
  await dataSource.destroy();

  const started = Date.now();
  const now = Date.now();
  const today = todayInChina(new Date(now));
  const firstDay = addDays(today, -Math.round(years * 365));
  const counties = countiesByProvince(options.countiesPerProvince ?? 3);

  // Routes per month (the schedule changes on dated rules; a month is fine enough here).
  const routesByMonth = new Map<string, Route[]>();
  const days: string[] = [];
  for (let d = firstDay; d <= today; d = addDays(d, 1)) {
    const month = d.slice(0, 7);
    if (!routesByMonth.has(month))
      routesByMonth.set(month, openRoutes(`${month}-15` > today ? today : `${month}-15`, counties));
    if (routesByMonth.get(month)!.length) days.push(d);
  }
  if (!days.length) throw new Error(`no route is open between ${firstDay} and ${today}`);
  const pairs = new Set(
    [...routesByMonth.values()].flat().map((r) => `${r.residenceProvince}>${r.hukouProvince}`),
  );
  log(
    `${total} cases over ${days.length} days (${firstDay} … ${today}), ${pairs.size} province pairs`,
  );

  const client = new Client({ connectionString: config.DATABASE_URL });
  await client.connect();
  const timelineClient = new Client({ connectionString: config.DATABASE_URL });
  await timelineClient.connect();
  // Bulk load: the rollup triggers are skipped (rebuilt once at the end); constraints still hold.
  for (const c of [client, timelineClient]) await c.query(`SET session_replication_role = replica`);
  const photoId = randomUUID();
  await client.query(
    `INSERT INTO intake.photos (id, region, sha256, mime_type, size_bytes, width, height, captured_at, bytes, created_by)
     VALUES ($1, '31', encode(sha256($2::bytea), 'hex'), 'image/png', 16, 358, 441, now(), $2::bytea, 'seed:history')`,
    [photoId, Buffer.from(photoId)],
  );
  const [{ offset }] = (await client.query(`SELECT count(*)::int AS offset FROM intake.cases`))
    .rows;

  // Secondary indexes are dropped inside the loading transactions and built again at the end
  // (much faster than maintaining them row by row); a failed load rolls back to the old ones.
  await client.query('BEGIN');
  await timelineClient.query('BEGIN');
  const caseIndexes = await dropSecondaryIndexes(client, 'cases');
  const timelineIndexes = await dropSecondaryIndexes(timelineClient, 'case_timeline');
  const cases = client.query(copyFrom(`COPY intake.cases (${CASE_COLUMNS.join(', ')}) FROM STDIN`));
  const timeline = timelineClient.query(
    copyFrom(`COPY intake.case_timeline (${TIMELINE_COLUMNS.join(', ')}) FROM STDIN`),
  );
  const deadlinesOf = new Map<string, ReturnType<typeof caseDeadlines>>();
  const endOfDay = (date: string) => new Date(`${date}T23:59:59.999+08:00`).getTime();
  const statusCount = new Map<string, number>();
  let timelineRows = 0;
  let caseChunk = '';
  let timelineChunk = '';

  for (let i = 0; i < total; i++) {
    const serial = offset + i;
    const day = days[Math.floor(random() * days.length)];
    const routes = routesByMonth.get(day.slice(0, 7))!;
    let route = routes[Math.floor(random() * routes.length)];
    // About 2 % of all cases at the busiest point (clerk lists with deep pages).
    if (random() < 0.02) route = routes.find((r) => r.residenceCounty === '310101') ?? route;
    const point = `${route.residenceCounty}-01`;
    const t0 = Math.min(
      new Date(`${day}T08:30:00+08:00`).getTime() + Math.floor(random() * 9 * HOUR),
      now - Math.floor(random() * HOUR) - 1000,
    );
    const id = randomUUID();
    const post = random() < 0.2;
    const roll = random();
    const outcome = roll < 0.06 ? S.REFUSED : roll < 0.11 ? S.CANCELLED : S.DELIVERED;

    // The whole path the case takes, then cut at now: recent cases are still open.
    const statuses: [CaseStatus, number][] = [
      [S.ACCEPTED, 0],
      [S.UNDER_REVIEW, 0],
    ];
    const review = (0.3 + random() * (random() < 0.1 ? 9 : 4.5)) * DAY;
    if (outcome === S.DELIVERED && random() < 0.08) {
      statuses.push([S.SUPPLEMENT_REQUIRED, (0.5 + random() * 2) * DAY]);
      statuses.push([S.UNDER_REVIEW, (0.5 + random() * 4) * DAY]);
    }
    if (outcome === S.REFUSED) statuses.push([S.REFUSED, review]);
    else if (outcome === S.CANCELLED) statuses.push([S.CANCELLED, review / 2]);
    else {
      statuses.push([S.APPROVED, review]);
      statuses.push([S.IN_PRODUCTION, (1 + random() * 3) * HOUR]);
      statuses.push([S.PRODUCED, (1 + random() * 5) * DAY]);
      statuses.push([S.DISPATCHED, (2 + random() * 22) * HOUR]);
      if (!post) statuses.push([S.READY_FOR_PICKUP, (1 + random() * 2) * DAY]);
      statuses.push([S.DELIVERED, (post ? 1 + random() * 3 : 0.2 + random() * 20) * DAY]);
    }
    const steps: Step[] = [];
    let at = t0;
    let previous: CaseStatus | null = null;
    let reviewFlagged = false;
    const due = deadlinesOf.get(day) ?? caseDeadlines(day);
    deadlinesOf.set(day, due);
    const reviewDueAt = endOfDay(due.reviewDue);
    for (const [status, gap] of statuses) {
      const next = at + Math.round(gap);
      // The review timer fires in the middle of a long review (a self-loop, the case flagged).
      if (
        previous === S.UNDER_REVIEW &&
        !reviewFlagged &&
        at < reviewDueAt &&
        next > reviewDueAt + MINUTE &&
        reviewDueAt + MINUTE <= now
      ) {
        const t = transitionOf(S.UNDER_REVIEW, S.UNDER_REVIEW);
        steps.push({
          from: S.UNDER_REVIEW,
          to: S.UNDER_REVIEW,
          at: reviewDueAt + MINUTE,
          event: t.event,
          side: t.side,
          actor: 'system',
          reason: null,
        });
        reviewFlagged = true;
      }
      if (next > now) break;
      at = next;
      const t = previous === null ? null : transitionOf(previous, status);
      steps.push({
        from: previous,
        to: status,
        at,
        event: t?.event ?? 'INTAKE',
        side: t?.side ?? Side.RESIDENCE,
        actor: previous === null ? `clerk@${point}` : null,
        reason: previous === S.ACCEPTED ? 'round 1' : null,
      });
      previous = status;
    }
    const status = previous!;
    statusCount.set(status, (statusCount.get(status) ?? 0) + 1);
    const open = !isTerminal(status);
    const lastAt = steps[steps.length - 1].at;
    const statutoryDueAt = endOfDay(due.statutoryDue);
    const statutoryOverdue = statutoryDueAt + MINUTE <= now && (open || lastAt > statutoryDueAt);
    const pending =
      status === S.UNDER_REVIEW
        ? 'review.requested'
        : status === S.APPROVED || status === S.IN_PRODUCTION
          ? 'production.ordered'
          : status === S.PRODUCED
            ? 'delivery.ordered'
            : null;
    // A healthy steady state: unanswered commands were re-sent recently (the reconciler's backoff).
    const lastSent =
      pending || status === S.DISPATCHED || status === S.READY_FOR_PICKUP
        ? Math.max(lastAt, now - Math.floor(random() * 10 * MINUTE))
        : null;
    const readyAt = status === S.READY_FOR_PICKUP ? lastAt : null;
    const birthDay = serial % 5840;
    const birthDate = new Date(Date.UTC(2005, 0, 1) + birthDay * DAY).toISOString().slice(0, 10);
    const idNumber = makeCitizenId({
      addressCode: route.hukouCounty,
      birthDate,
      sequence: Math.floor(serial / 5840) % 1000,
    });
    const name = `史${String.fromCharCode(0x4e00 + (serial % 8000))}${String.fromCharCode(0x4e00 + ((serial >> 7) % 8000))}`;
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    caseChunk += line([
      id,
      `R${point}-${day.slice(2).replace(/-/g, '')}-H${serial}`,
      point,
      route.residenceCounty,
      route.residenceProvince,
      route.hukouCounty,
      route.hukouProvince,
      `户籍地址${serial}号`,
      status,
      post ? 'POST' : 'WINDOW',
      false,
      steps.some((s) => s.to === S.IN_PRODUCTION) ? 1 : 0,
      3,
      JSON.stringify({
        idNumber,
        name,
        sex: Number(idNumber[16]) % 2 ? 'M' : 'F',
        ethnicity: '汉',
        birthDate,
      }),
      photoId,
      JSON.stringify({ captured: true, templates: null, missingReason: null }),
      JSON.stringify(
        post
          ? {
              method: 'POST',
              recipient: name,
              address: `邮寄地址${serial}号`,
              phone: '13800000000',
            }
          : { method: 'WINDOW', recipient: null, address: null, phone: null },
      ),
      0,
      'seed',
      'seeded history',
      route.rule,
      route.reason,
      day,
      `clerk@${point}`,
      iso(reviewDueAt),
      iso(endOfDay(due.promiseDue)),
      iso(statutoryDueAt),
      reviewFlagged,
      statutoryOverdue,
      iso(readyAt === null ? null : readyAt + 30 * DAY),
      readyAt !== null && readyAt + 30 * DAY <= now ? iso(readyAt + 30 * DAY + MINUTE) : null,
      iso(steps.find((s) => s.to === S.APPROVED || s.to === S.REFUSED)?.at ?? null),
      status === S.REFUSED ? 'REGISTRY_MISMATCH' : null,
      status === S.REFUSED ? 'the registry does not match the application' : null,
      steps.some((s) => s.to === S.PRODUCED) ? `C${String(serial).padStart(12, '0')}` : null,
      status === S.CANCELLED ? 'withdrawn by the applicant' : null,
      pending,
      iso(lastSent),
      pending || lastSent ? 6 : 0,
      iso(t0),
      iso(lastAt),
    ]);
    // Timeline: each entry chained to the one before (the auditor's check verifies it).
    steps.sort((a, b) => a.at - b.at);
    let prevHash = GENESIS_HASH;
    for (const s of steps) {
      const hash = timelineEntryHash(
        timelineContent({
          caseId: id,
          fromStatus: s.from,
          toStatus: s.to,
          event: s.event,
          side: s.side,
          actor: s.actor,
          senderProvince: null,
          senderService: null,
          messageId: null,
          reason: s.reason,
          at: new Date(s.at),
        }),
        prevHash,
      );
      timelineChunk += line([
        id,
        s.from,
        s.to,
        s.event,
        s.side,
        s.actor,
        s.reason,
        iso(s.at),
        prevHash,
        hash,
      ]);
      prevHash = hash;
      timelineRows++;
    }
    if ((i + 1) % 2000 === 0 || i + 1 === total) {
      await write(cases, caseChunk);
      await write(timeline, timelineChunk);
      caseChunk = '';
      timelineChunk = '';
    }
    if ((i + 1) % 100_000 === 0 || i + 1 === total)
      log(
        `${i + 1} cases, ${timelineRows} timeline rows written (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
  }
  cases.end();
  timeline.end();
  await Promise.all([finished(cases), finished(timeline)]);
  log(`rows loaded (${((Date.now() - started) / 1000).toFixed(0)} s); building the indexes …`);
  await Promise.all([
    rebuildIndexes(client, caseIndexes).then(() => client.query('COMMIT')),
    rebuildIndexes(timelineClient, timelineIndexes).then(() => timelineClient.query('COMMIT')),
  ]);
  await timelineClient.end();
  log(`loaded in ${((Date.now() - started) / 1000).toFixed(0)} s; rebuilding the ops rollups …`);
  await client.query(`SET session_replication_role = origin`);
  client.on('notice', (notice) => log(notice.message ?? ''));
  await client.query('SELECT intake.stats_rebuild()');
  log(`rollups rebuilt (${((Date.now() - started) / 1000).toFixed(0)} s); VACUUM ANALYZE …`);
  await client.query('VACUUM ANALYZE intake.cases');
  await client.query('VACUUM ANALYZE intake.case_timeline');
  await client.query(
    'ANALYZE intake.stats_counts, intake.stats_intake_daily, intake.stats_entered_daily, intake.stats_daily, intake.stats_stay_histogram, intake.stats_open_stays',
  );
  await client.end();
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${total} cases (${[
      ...statusCount.entries(),
    ]
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}), ${timelineRows} timeline rows`,
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  await seedHistory(loadConfig().DATABASE_URL, {
    cases: option(args, 'cases', 100_000),
    years: option(args, 'years', 3),
    seed: option(args, 'seed', 1),
    log: (text) => console.log(`[seed:history] ${text}`),
  });
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(
        `seed:history failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    },
  );
