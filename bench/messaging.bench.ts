/**
 * Throughput of the messaging backbone, side by side with hand-written baselines, in one run on one
 * machine (figures are only comparable within a run: quote the ratios).
 *
 *   raw-bullmq   Queue.addBulk + Worker, no database                        (the ceiling)
 *   bullmq+pg    hand-written: 1 INSERT tx per message, add job, worker does 1 INSERT tx (same stages, no framework)
 *   backbone     Outbox.add in a tx per message → OutboxRelay (SKIP LOCKED, addBulk) → BullMqServer
 *                (envelope check, Ed25519 verify, zod, inbox + effect in one tx) via a Nest @EventPattern
 *
 * Two loads: saturated (throughput: N producers as fast as they can) and light (latency: one
 * producer, a message every 10 ms). Latency is from the producer's commit to the consumer's effect.
 *
 * Usage: npm run bench:messaging -- [--messages 5000] [--concurrency 8] [--producers 8] [--light-messages 300]
 * Needs PostgreSQL and Redis (DATABASE_URL's server, REDIS_URL); uses a scratch database and prefix.
 */
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MicroserviceOptions, Payload } from '@nestjs/microservices';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  BullMqClient,
  BullMqContext,
  BullMqServer,
  defineCatalog,
  Envelope,
  Keyring,
  messagingTablesUp,
  Outbox,
  OutboxRelay,
  RethrowRpcExceptionFilter,
  workerConnection,
} from '@app/messaging';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MESSAGES = arg('messages', 5000);
const CONCURRENCY = arg('concurrency', 8);
const PRODUCERS = arg('producers', 8);
const LIGHT_MESSAGES = arg('light-messages', 300);
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const catalog = defineCatalog({
  'bench.ping': {
    version: 1,
    producer: 'source',
    producerParty: 'residence',
    consumer: 'sink',
    consumerParty: 'hukou',
    description: 'benchmark message',
    schema: z.object({ n: z.number().int() }),
  },
});

async function waitUntil(probe: () => Promise<number>, target: number, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await probe()) < target) {
    if (Date.now() > deadline) throw new Error(`benchmark timed out before ${target} messages`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Load {
  messages: number;
  producers: number;
  /** Pause of each producer between two messages (0 = as fast as possible). */
  paceMs: number;
}

interface Result {
  ms: number;
  /** Commit of the producer's transaction → the consumer's effect, in ms. */
  p50: number;
  p95: number;
}

async function inParallel(load: Load, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: load.producers }, async () => {
      while (next < load.messages) {
        await work(next++);
        if (load.paceMs) await new Promise((r) => setTimeout(r, load.paceMs));
      }
    }),
  );
}

function percentiles(values: number[]): { p50: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95) };
}

async function sqlPercentiles(ds: DataSource, from: string): Promise<{ p50: number; p95: number }> {
  const [row] = await ds.query(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95 FROM (${from}) t`,
  );
  return { p50: Number(row.p50), p95: Number(row.p95) };
}

async function rawBullmq(prefix: string, load: Load): Promise<Result> {
  const name = `{raw.${load.paceMs}}`;
  const queue = new Queue(name, { connection: workerConnection(REDIS_URL), prefix });
  const latencies: number[] = [];
  const worker = new Worker(name, async (job) => void latencies.push(Date.now() - job.timestamp), {
    connection: workerConnection(REDIS_URL),
    prefix,
    concurrency: CONCURRENCY,
  });
  await worker.waitUntilReady();
  const started = Date.now();
  await inParallel(load, async (n) => {
    await queue.add('ping', { n }, { removeOnComplete: true });
  });
  await waitUntil(async () => latencies.length, load.messages);
  const ms = Date.now() - started;
  await worker.close();
  await queue.close();
  return { ms, ...percentiles(latencies) };
}

async function handWritten(prefix: string, ds: DataSource, load: Load): Promise<Result> {
  await ds.query(`DROP TABLE IF EXISTS hw_outbox, hw_effects`);
  await ds.query(
    `CREATE TABLE hw_outbox (id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  await ds.query(
    `CREATE TABLE hw_effects (id uuid PRIMARY KEY, n int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const name = `{hw.${load.paceMs}}`;
  const queue = new Queue(name, { connection: workerConnection(REDIS_URL), prefix });
  const worker = new Worker(
    name,
    async (job) => {
      await ds.transaction((m) =>
        m.query(`INSERT INTO hw_effects (id, n) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
          job.data.id,
          job.data.n,
        ]),
      );
    },
    { connection: workerConnection(REDIS_URL), prefix, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  const started = Date.now();
  await inParallel(load, async (n) => {
    const id = randomUUID();
    await ds.transaction((m) =>
      m.query(`INSERT INTO hw_outbox (id, body) VALUES ($1, $2)`, [id, { n }]),
    );
    await queue.add('ping', { id, n }, { jobId: id, removeOnComplete: true });
  });
  await waitUntil(
    async () => (await ds.query(`SELECT count(*)::int AS n FROM hw_effects`))[0].n,
    load.messages,
  );
  const ms = Date.now() - started;
  await worker.close();
  await queue.close();
  const lat = await sqlPercentiles(
    ds,
    `SELECT extract(epoch FROM e.at - o.created_at) * 1000 AS ms FROM hw_effects e JOIN hw_outbox o USING (id)`,
  );
  return { ms, ...lat };
}

@Controller()
class SinkController {
  @EventPattern('bench.ping')
  async onPing(@Payload() env: Envelope<{ n: number }>, @Ctx() ctx: BullMqContext) {
    await ctx
      .getManager()
      .query(`INSERT INTO sink.effects (id, n) VALUES ($1, $2)`, [env.id, env.payload.n]);
  }
}
@Module({ controllers: [SinkController] })
class SinkModule {}

async function backbone(prefix: string, ds: DataSource, load: Load): Promise<Result> {
  await ds.query(`DROP SCHEMA IF EXISTS sink CASCADE`);
  for (const sql of messagingTablesUp('sink')) await ds.query(sql);
  await ds.query(
    `CREATE TABLE sink.effects (id uuid PRIMARY KEY, n int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const keyring = Keyring.generate(['31', '34']);
  const client = new BullMqClient({
    redisUrl: REDIS_URL,
    prefix,
    retry: { attempts: 3, backoffMs: 100 },
  });
  const outbox = new Outbox('sink', catalog, keyring);
  const relay = new OutboxRelay(ds, 'sink', client, { batchSize: 200, pollMs: 100 });
  const server = new BullMqServer({
    redisUrl: REDIS_URL,
    prefix,
    services: [{ service: 'sink', schema: 'sink', provinces: ['34'] }],
    catalog,
    keyring,
    dataSource: ds,
    concurrency: CONCURRENCY,
  });
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(SinkModule, {
    strategy: server,
    logger: ['error'],
  });
  app.useGlobalFilters(new RethrowRpcExceptionFilter());
  await app.listen();
  await relay.start();
  const started = Date.now();
  await inParallel(load, async (n) => {
    await ds.transaction((m) =>
      outbox.add(m, {
        type: 'bench.ping',
        caseId: `c${n}`,
        payload: { n },
        from: { province: '31', service: 'source' },
        parties: { residence: '31', hukou: '34' },
      }),
    );
  });
  await waitUntil(
    async () => (await ds.query(`SELECT count(*)::int AS n FROM sink.effects`))[0].n,
    load.messages,
  );
  const ms = Date.now() - started;
  await relay.stop();
  await app.close();
  await client.close();
  // created_at is the producer transaction's start (now()); the transaction is one short INSERT.
  const lat = await sqlPercentiles(
    ds,
    `SELECT extract(epoch FROM e.at - o.created_at) * 1000 AS ms FROM sink.effects e JOIN sink.outbox o USING (id)`,
  );
  return { ms, ...lat };
}

const PIPELINES: [string, (prefix: string, ds: DataSource, load: Load) => Promise<Result>][] = [
  ['raw-bullmq (add+process, no db)', (prefix, _ds, load) => rawBullmq(prefix, load)],
  ['bullmq+pg hand-written (tx, add, tx)', handWritten],
  ['backbone (outbox → relay → transport → inbox)', backbone],
];

async function runLoad(title: string, prefix: string, ds: DataSource, load: Load) {
  console.log(
    `\n${title}: ${load.messages} messages, ${load.producers} producer(s)${load.paceMs ? `, ${load.paceMs} ms apart` : ''}, worker concurrency ${CONCURRENCY}`,
  );
  const results: [string, Result][] = [];
  for (const [name, run] of PIPELINES) results.push([name, await run(prefix, ds, load)]);
  const [raw, hw] = [results[0][1], results[1][1]];
  for (const [name, r] of results) {
    const rate = Math.round((load.messages / r.ms) * 1000);
    console.log(
      `${name.padEnd(48)} ${String(rate).padStart(6)} msg/s (×${(raw.ms / r.ms).toFixed(2)} raw, ×${(hw.ms / r.ms).toFixed(2)} hand-written)  latency p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`,
    );
  }
}

async function main() {
  const dbName = `bench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(PG_URL);
  url.pathname = `/${dbName}`;
  const ds = new DataSource({
    type: 'postgres',
    url: url.toString(),
    extra: { max: CONCURRENCY + PRODUCERS + 4 },
  });
  await ds.initialize();
  const prefix = `bench-${Date.now().toString(36)}`;
  try {
    await runLoad('throughput (saturated)', prefix, ds, {
      messages: MESSAGES,
      producers: PRODUCERS,
      paceMs: 0,
    });
    await runLoad('latency (light load)', prefix, ds, {
      messages: LIGHT_MESSAGES,
      producers: 1,
      paceMs: 10,
    });
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
    await admin.end();
    const redis = new IORedis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
