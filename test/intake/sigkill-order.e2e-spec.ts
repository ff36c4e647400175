import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { loadConfig, RunningNode, startNode } from '@app/platform';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { testRedisEnv } from '../support/redis';
import { freePort } from '../support/private-servers';
import { startTestSystem, TestSystem } from '../support/system';
import { parkedCount } from '../support/metrics';
import { waitFor } from '../support/wait';
import { ClerkClient } from './support/client';
import { anApplication, aPerson } from './support/factories';
import { answers, MessageInjector } from './support/messages';

const ROOT = join(__dirname, '..', '..');
const HUKOU = { service: 'verification', province: '34' };
const PRODUCTION = { service: 'production', province: '33' };

/**
 * The ordering that once made a false dead letter, with a real SIGKILL: the node handling
 * `production.started` is killed in the middle of its transaction, so the job comes back only when
 * its lock expires (~30 s), while `production.completed` reaches a surviving node first and keeps
 * arriving too early for far longer than MESSAGE_ATTEMPTS tries would last. It must be parked
 * (no backoff, no attempt spent), never dead-lettered, and the case must end PRODUCED with each
 * step applied once.
 */
describe('intake: a message that overtakes one held by a node killed with SIGKILL', () => {
  let system: TestSystem;
  let inject: MessageInjector;
  let nodeA: ChildProcess | undefined;
  let nodeB: RunningNode | undefined;
  let db: Client;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '0',
      MESSAGE_ATTEMPTS: '3',
    });
    inject = new MessageInjector(system);
    db = new Client({ connectionString: system.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    if (nodeA && nodeA.exitCode === null) nodeA.kill('SIGKILL');
    await nodeB?.close();
    await inject?.close();
    await db?.end();
    await system?.close().catch(() => undefined);
  });

  /** What every node of this test shares: the database, the queues, the keys. */
  const shared = () => ({
    NODE_ENV: 'test',
    DATABASE_URL: system.databaseUrl,
    // The test exchange: a single Redis, or the cluster (REDIS_CLUSTER_NODES) where the suite runs on one.
    ...testRedisEnv(),
    QUEUE_PREFIX: system.queuePrefix,
    KEYRING_DIR: system.keyringDir,
    RECONCILE_INTERVAL_MS: '0',
    STATS_PUBLISH_INTERVAL_MS: '0',
    MESSAGE_ATTEMPTS: '3',
    MESSAGE_BACKOFF_MS: '50',
    OUTBOX_POLL_MS: '100',
    LOG_LEVEL: 'error',
  });

  const statusOf = async (id: string) =>
    (await db.query(`SELECT status FROM intake.cases WHERE id = $1`, [id])).rows[0].status;

  it('production.completed is parked while production.started waits for the killed node; no dead letter', async () => {
    // An approved case, through the first node (S).
    const clerk = new ClerkClient(system.url);
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    expect(res.status).toBe(201);
    const caseId: string = res.body.id;
    await inject.toIntake('review.decided', caseId, answers.approved(1), HUKOU, '33');
    await waitFor(
      'APPROVED',
      () => statusOf(caseId),
      (s) => s === 'APPROVED',
    );
    // The replies below quote the production order S sent (read now, while S's database is open).
    expect(await inject.lastRequest(caseId, 'production.ordered')).not.toBeNull();
    // S stops; its database, queues and keys stay for the next nodes.
    await system.node.close();

    // Node A in a process of its own. The test holds the case row, so A's transaction for
    // production.started stops there, inbox row written, nothing committed.
    let output = '';
    nodeA = spawn(
      process.execPath,
      ['-r', './test/support/ts-register.js', './test/platform/support/node-process.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, ...shared(), PORT: String(await freePort()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    nodeA.stdout!.on('data', (chunk) => (output += chunk));
    nodeA.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor('node A to start', () => output.includes('READY '), Boolean, {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    await db.query('BEGIN');
    await db.query(`SELECT 1 FROM intake.cases WHERE id = $1 FOR UPDATE`, [caseId]);
    const started = await inject.toIntake(
      'production.started',
      caseId,
      answers.started(1),
      PRODUCTION,
      '33',
    );
    const watcher = new Client({ connectionString: system.databaseUrl });
    await watcher.connect();
    try {
      await waitFor(
        "node A's transaction to wait for the case row",
        async () =>
          (
            await watcher.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).rows[0].n,
        (n) => n >= 1,
        { timeoutMs: 30_000 },
      );
    } finally {
      await watcher.end();
    }
    const killed = new Promise((resolve) => nodeA!.once('exit', resolve));
    nodeA.kill('SIGKILL');
    await killed;
    await db.query('ROLLBACK');

    // Node B (this process) takes over; production.completed arrives at once, before started
    // comes back from the dead node.
    nodeB = await startNode({
      name: 'sigkill-b',
      features: [intakeFeature],
      config: loadConfig({ ...shared(), PORT: '0' }),
      port: 0,
    });
    const completed = await inject.toIntake(
      'production.completed',
      caseId,
      answers.completed(1, 'C33-SIGKILL'),
      PRODUCTION,
      '33',
    );
    const parked = () => parkedCount(nodeB!.url, 'production.completed');
    await waitFor('production.completed to be parked', parked, (n) => n >= 1);
    expect(await statusOf(caseId)).toBe('APPROVED');

    // production.started comes back when the dead node's lock expires; then completed is woken.
    await waitFor(
      'the case to reach PRODUCED',
      () => statusOf(caseId),
      (s) => s === 'PRODUCED',
      {
        timeoutMs: 150_000,
        intervalMs: 500,
      },
    );
    const { rows: dead } = await db.query(
      `SELECT reason, type FROM intake.dead_letters WHERE case_id = $1`,
      [caseId],
    );
    expect(dead).toEqual([]);
    const { rows: steps } = await db.query(
      `SELECT to_status FROM intake.case_timeline WHERE case_id = $1 ORDER BY id`,
      [caseId],
    );
    expect(steps.map((r) => r.to_status).filter((s) => s === 'IN_PRODUCTION')).toHaveLength(1);
    expect(steps.map((r) => r.to_status).filter((s) => s === 'PRODUCED')).toHaveLength(1);
    const { rows: inbox } = await db.query(
      `SELECT message_id FROM intake.inbox WHERE message_id = ANY($1::uuid[])`,
      [[started.id, completed.id]],
    );
    expect(inbox).toHaveLength(2);
    // It came too early more often than MESSAGE_ATTEMPTS (3) would have allowed; parking spent no
    // attempt: the one attempt it made is the one that succeeded.
    expect(await parked()).toBeGreaterThan(3);
    // (Through the injector's client: it speaks to a single Redis or a cluster alike.)
    const job = await inject.client.queueFor('{intake.33}').getJob(completed.id);
    expect(job?.attemptsMade).toBe(1);
  }, 240_000);
});
