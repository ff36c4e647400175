import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig, RunningNode, startNode } from '@app/platform';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { importRegistryRecords } from '../../apps/verification/src';
import { verificationFeature } from '../../apps/verification/src/verification.feature';
import { ClerkClient } from '../intake/support/client';
import { answers, MessageInjector } from '../intake/support/messages';
import { anApplication, aPerson, registryRecordOf } from '../intake/support/factories';
import { PrivatePostgres, PrivateRedis } from '../support/private-servers';
import { waitFor } from '../support/wait';

/**
 * The node against PostgreSQL and Redis that go away and come back (private servers on free
 * ports). Readiness tells the truth, a write without PostgreSQL is a 503 that wrote nothing, and a
 * case accepted while Redis was down (or after it lost everything) still completes.
 */
describe('platform: PostgreSQL or Redis unavailable', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let node: RunningNode;
  let clerk: ClerkClient;
  let keys: string;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start()]);
    keys = mkdtempSync(join(tmpdir(), 'keys-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      KEYRING_DIR: keys,
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      OUTBOX_POLL_MS: '100',
      MESSAGE_BACKOFF_MS: '50',
      MESSAGE_ATTEMPTS: '5',
      RECONCILE_INTERVAL_MS: '0',
      STATS_PUBLISH_INTERVAL_MS: '0',
      DATABASE_POOL_SIZE: '4',
    });
    node = await startNode({
      name: 'deps',
      features: [intakeFeature, verificationFeature],
      config,
      port: 0,
    });
    clerk = new ClerkClient(node.url);
  }, 60_000);

  afterAll(async () => {
    await node?.close();
    await redis?.down();
    await pg?.destroy();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  const ready = async () => {
    const res = await fetch(`${node.url}/health/ready`);
    return {
      status: res.status,
      body: (await res.json()) as {
        details?: { field: string; rule: string; message: string }[];
        checks?: Record<string, string>;
      },
    };
  };
  const countCases = async () =>
    (await node.app.get(DataSource).query(`SELECT count(*)::int AS n FROM intake.cases`))[0]
      .n as number;

  async function application() {
    const person = aPerson();
    await importRegistryRecords(node.app.get(DataSource), [registryRecordOf(person)]);
    return anApplication(person, await clerk.photoId()).build();
  }

  it('is ready when both answer', async () => {
    expect(await ready()).toMatchObject({
      status: 200,
      body: { checks: { postgres: 'up', redis: 'up' } },
    });
  });

  it('Redis down: not ready, applications still accepted (outbox); after Redis comes back empty, the case completes', async () => {
    const body = await application();
    await redis.down();
    const r = await ready();
    expect(r.status).toBe(503);
    // details name each dependency that is down, and only those
    expect(r.body.details).toEqual([
      { field: 'redis', rule: 'dependency.up', message: expect.stringMatching(/^redis: down/) },
    ]);

    const created = await clerk.apply(body);
    expect(created.status).toBe(201);
    const [{ n: pending }] = await node.app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS n FROM intake.outbox WHERE case_id = $1 AND sent_at IS NULL`,
        [created.body.id],
      );
    expect(pending).toBeGreaterThan(0);

    await redis.up(); // a new, empty Redis: nothing of the old queues survives
    await waitFor('ready again', ready, (x) => x.status === 200, { timeoutMs: 20_000 });
    const done = await waitFor(
      'the case accepted during the outage to be decided',
      () => clerk.case(created.body.id),
      (c) => c.status === 'APPROVED',
      { timeoutMs: 30_000 },
    );
    expect(done.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REVIEW_REQUESTED',
      'REVIEW_APPROVED',
    ]);
  });

  it('PostgreSQL down: not ready, writes answer 503 and write nothing; it works again once PostgreSQL is back', async () => {
    const body = await application();
    const before = await countCases();
    await pg.down();
    const r = await ready();
    expect(r.status).toBe(503);
    expect(r.body.details?.map((d) => d.field)).toContain('postgres');
    expect(r.body.details?.find((d) => d.field === 'postgres')?.message).toMatch(/^postgres: down/);

    const refused = await clerk.apply(body);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/nothing was written/),
    });

    await pg.up();
    await waitFor('ready again', ready, (x) => x.status === 200, { timeoutMs: 20_000 });
    expect(await countCases()).toBe(before);
    const accepted = await waitFor(
      'an application accepted again',
      () => clerk.apply(body),
      (res) => res.status === 201,
      { timeoutMs: 20_000 },
    );
    expect(accepted.body.status).toBe('UNDER_REVIEW');
    expect(await countCases()).toBe(before + 1);
  });

  it('a message that arrives while PostgreSQL is down waits without spending attempts, and takes effect once it is back', async () => {
    const inject = new MessageInjector(
      { keyringDir: keys, queuePrefix: node.config.QUEUE_PREFIX, node },
      redis.url,
    );
    try {
      const created = await clerk.apply(await application());
      const id = created.body.id;
      await waitFor(
        'the review',
        () => clerk.case(id),
        (c) => c.status === 'APPROVED',
        { timeoutMs: 20_000 },
      );
      await inject.toIntake(
        'production.started',
        id,
        answers.started(1),
        { service: 'production', province: '33' },
        '33',
      );
      await waitFor(
        'production started',
        () => clerk.case(id),
        (c) => c.status === 'IN_PRODUCTION',
      );
      await pg.down();
      const completed = await inject.toIntake(
        'production.completed',
        id,
        answers.completed(1),
        { service: 'production', province: '33' },
        '33',
      );
      // Longer than the whole retry budget (5 attempts, 50 ms backoff): before, the job failed for good here.
      await new Promise((r) => setTimeout(r, 3000));
      await pg.up();
      await waitFor('ready again', ready, (x) => x.status === 200, { timeoutMs: 20_000 });
      const done = await waitFor(
        'the completion applied',
        () => clerk.case(id),
        (c) => c.status === 'PRODUCED' || c.status === 'DISPATCHED',
        { timeoutMs: 20_000 },
      );
      expect(
        done.timeline.some(
          (t) => t.event === 'PRODUCTION_COMPLETED' && t.messageId === completed.id,
        ),
      ).toBe(true);
      const [{ n }] = await node.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM intake.dead_letters`);
      expect(n).toBe(0);
    } finally {
      await inject.close();
    }
  });
});
