/**
 * Throughput of the messaging backbone, side by side with hand-written baselines, in one run on one
 * machine (figures are only comparable within a run: quote the ratios).
 *
 *   raw-bullmq   Queue.addBulk + Worker, no database                        (the ceiling)
 *   bullmq+pg    hand-written: 1 INSERT tx per message, add job, worker does 1 INSERT tx (same stages, no framework)
 *   backbone     Outbox.add in a tx per message → OutboxRelay (SKIP LOCKED, addBulk) → BullMqServer
 *                (envelope check, Ed25519 verify, zod, inbox + effect in one tx) via a Nest @EventPattern
 *
 * Usage: npm run bench:messaging -- [--messages 5000] [--concurrency 8] [--producers 8]
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
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const catalog = defineCatalog({
  'bench.ping': {
    version: 1,
    consumer: 'sink',
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

async function inParallel(total: number, workers: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < total) await work(next++);
    }),
  );
}

async function rawBullmq(prefix: string): Promise<number> {
  const name = '{raw.34}';
  const queue = new Queue(name, { connection: workerConnection(REDIS_URL), prefix });
  let done = 0;
  const started = Date.now();
  const worker = new Worker(name, async () => void done++, {
    connection: workerConnection(REDIS_URL),
    prefix,
    concurrency: CONCURRENCY,
  });
  for (let i = 0; i < MESSAGES; i += 500) {
    await queue.addBulk(
      Array.from({ length: Math.min(500, MESSAGES - i) }, (_, k) => ({
        name: 'ping',
        data: { n: i + k },
        opts: { removeOnComplete: true },
      })),
    );
  }
  await waitUntil(async () => done, MESSAGES);
  const ms = Date.now() - started;
  await worker.close();
  await queue.close();
  return ms;
}

async function handWritten(prefix: string, ds: DataSource): Promise<number> {
  await ds.query(`CREATE TABLE hw_outbox (id uuid PRIMARY KEY, body jsonb NOT NULL)`);
  await ds.query(`CREATE TABLE hw_effects (id uuid PRIMARY KEY, n int NOT NULL)`);
  const name = '{hw.34}';
  const queue = new Queue(name, { connection: workerConnection(REDIS_URL), prefix });
  const started = Date.now();
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
  await inParallel(MESSAGES, PRODUCERS, async (n) => {
    const id = randomUUID();
    await ds.transaction((m) =>
      m.query(`INSERT INTO hw_outbox (id, body) VALUES ($1, $2)`, [id, { n }]),
    );
    await queue.add('ping', { id, n }, { jobId: id, removeOnComplete: true });
  });
  const producedHw = Date.now() - started;
  await waitUntil(
    async () => (await ds.query(`SELECT count(*)::int AS n FROM hw_effects`))[0].n,
    MESSAGES,
  );
  const ms = Date.now() - started;
  console.log(`  (hand-written producers done after ${producedHw} ms)`);
  await worker.close();
  await queue.close();
  return ms;
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

async function backbone(prefix: string, ds: DataSource): Promise<number> {
  for (const sql of messagingTablesUp('sink')) await ds.query(sql);
  await ds.query(`CREATE TABLE sink.effects (id uuid PRIMARY KEY, n int NOT NULL)`);
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
  await inParallel(MESSAGES, PRODUCERS, async (n) => {
    await ds.transaction((m) =>
      outbox.add(m, {
        type: 'bench.ping',
        caseId: `c${n}`,
        payload: { n },
        from: { province: '31', service: 'source' },
        to: { province: '34', service: 'sink' },
      }),
    );
  });
  const producedBb = Date.now() - started;
  await waitUntil(
    async () => (await ds.query(`SELECT count(*)::int AS n FROM sink.effects`))[0].n,
    MESSAGES,
  );
  const ms = Date.now() - started;
  console.log(`  (backbone producers done after ${producedBb} ms)`);
  await relay.stop();
  await app.close();
  await client.close();
  return ms;
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
    console.log(`messages=${MESSAGES} worker concurrency=${CONCURRENCY} producers=${PRODUCERS}`);
    const results: [string, number][] = [];
    results.push(['raw-bullmq (add+process, no db)', await rawBullmq(prefix)]);
    results.push(['bullmq+pg hand-written (tx, add, tx)', await handWritten(prefix, ds)]);
    results.push(['backbone (outbox → relay → transport → inbox)', await backbone(prefix, ds)]);
    const base = results[0][1];
    const hw = results[1][1];
    for (const [name, ms] of results) {
      const rate = Math.round((MESSAGES / ms) * 1000);
      console.log(
        `${name.padEnd(48)} ${String(ms).padStart(7)} ms  ${String(rate).padStart(6)} msg/s  ×${(base / ms).toFixed(2)} of raw  ×${(hw / ms).toFixed(2)} of hand-written`,
      );
    }
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
