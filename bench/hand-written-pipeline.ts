/**
 * The baseline of the case benchmark: a minimal hand-written pipeline with the same four stages as a
 * case (intake → review → production → delivery), one PostgreSQL transaction and one BullMQ add per
 * stage, nothing else (no signatures, no outbox relay, no inbox, no timeline, no framework). It runs
 * on the same PostgreSQL server and Redis as the system, in the same run, so the two figures can be
 * compared as a ratio.
 *
 *   producer   tx: INSERT the flow            → add to stage 1
 *   stage 1-3  tx: UPDATE the flow, INSERT a step → add to the next stage
 *   stage 4    tx: UPDATE the flow, INSERT a step (done)
 */
import { Queue, Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { workerConnection } from '@app/messaging';
import type { CpuMeter, CpuSpent } from './cpu-meter';

export interface HandWrittenOptions {
  /** PostgreSQL server (any database on it; the pipeline creates and drops its own). */
  pgUrl: string;
  redisUrl: string;
  prefix: string;
  flows: number;
  /** Concurrent producers (as many as the system benchmark has HTTP clients). */
  producers: number;
  /** Jobs handled at once per stage worker (the system's WORKER_CONCURRENCY). */
  concurrency: number;
  /** PostgreSQL connections (the system's DATABASE_POOL_SIZE, so both get the same). */
  poolSize: number;
  onProgress?: (done: number) => void;
  /** Measures the CPU the flows cost (this process, the pipeline's database backends, Redis). */
  meter?: CpuMeter | null;
}

export interface HandWrittenResult {
  flows: number;
  ms: number;
  flowsPerSecond: number;
  /** CPU spent while the flows ran (null when not measured). */
  cpu: CpuSpent | null;
}

const STAGES = 4;

/** A database of a pipeline's own on the server of `pgUrl`, created now, dropped by `drop`. */
export async function scratchDatabase(
  pgUrl: string,
  tag: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `bench_${tag}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function runHandWrittenPipeline(o: HandWrittenOptions): Promise<HandWrittenResult> {
  const db = await scratchDatabase(o.pgUrl, 'hw');
  const pool = new Pool({ connectionString: db.url, max: o.poolSize });
  // An idle connection closed under the pool (the database is dropped at the end) is not a failure.
  pool.on('error', () => undefined);
  const tx = async (sql: string, params: unknown[]) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(sql, params);
      await c.query('COMMIT');
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  };
  const queues: Queue[] = [];
  const workers: Worker[] = [];
  let done = 0;
  try {
    await pool.query(
      `CREATE TABLE flows (id uuid PRIMARY KEY, stage int NOT NULL, body jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    );
    await pool.query(
      `CREATE TABLE steps (flow_id uuid NOT NULL, stage int NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (flow_id, stage))`,
    );
    for (let s = 1; s <= STAGES; s++) {
      queues.push(
        new Queue(`{hw-stage-${s}}`, {
          connection: workerConnection(o.redisUrl),
          prefix: o.prefix,
        }),
      );
    }
    for (let s = 1; s <= STAGES; s++) {
      const next = queues[s]; // undefined after the last stage
      const worker = new Worker(
        `{hw-stage-${s}}`,
        async (job) => {
          const id = job.data.id as string;
          const c = await pool.connect();
          try {
            await c.query('BEGIN');
            await c.query(`UPDATE flows SET stage = $2, updated_at = now() WHERE id = $1`, [id, s]);
            await c.query(
              `INSERT INTO steps (flow_id, stage) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
              [id, s],
            );
            await c.query('COMMIT');
          } catch (error) {
            await c.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            c.release();
          }
          if (next)
            await next.add('step', { id }, { jobId: `${id}-${s + 1}`, removeOnComplete: true });
          else o.onProgress?.(++done);
        },
        { connection: workerConnection(o.redisUrl), prefix: o.prefix, concurrency: o.concurrency },
      );
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => w.waitUntilReady()));

    const spent = await o.meter?.start({ node: 'self', database: db.name });
    const started = Date.now();
    let sent = 0;
    await Promise.all(
      Array.from({ length: o.producers }, async () => {
        while (sent < o.flows) {
          sent++;
          const id = randomUUID();
          await tx(`INSERT INTO flows (id, stage, body) VALUES ($1, 0, $2)`, [id, { n: sent }]);
          await queues[0].add('step', { id }, { jobId: `${id}-1`, removeOnComplete: true });
        }
      }),
    );
    const deadline = Date.now() + 10 * 60_000;
    while (done < o.flows) {
      if (Date.now() > deadline)
        throw new Error(`hand-written pipeline: ${done} of ${o.flows} flows done after 10 min`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const ms = Date.now() - started;
    const cpu = spent ? await spent() : null;
    return { flows: o.flows, ms, flowsPerSecond: (o.flows / ms) * 1000, cpu };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(queues.map((q) => q.obliterate({ force: true }).then(() => q.close())));
    await pool.end();
    await db.drop();
  }
}
