import { Queue } from 'bullmq';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { keyringOf, openedRows } from '../support/sealed';
import { testRedis } from '../support/redis';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf, OutboxRow } from './support/client';
import { anApplication, aPerson } from './support/factories';
import { MessageInjector } from './support/messages';

/**
 * Durable timers end to end: delayed case.timer jobs through the outbox, Redis and intake's own
 * queue, with the review and statutory periods shortened by configuration.
 */
describe('intake: deadlines as durable timers', () => {
  let system: TestSystem;
  let clerk: ClerkClient;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '0',
      REVIEW_DEADLINE_MS: '1500',
      STATUTORY_DEADLINE_MS: '2500',
    });
    clerk = new ClerkClient(system.url);
  });

  afterAll(async () => {
    await system?.close();
  });

  it('an unanswered review is flagged overdue and requested again; then the statutory limit passes', async () => {
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    const id = res.body.id;
    const created = res.body;
    expect(
      Date.parse(created.deadlines.reviewDueAt) - Date.parse(created.createdAt),
    ).toBeLessThanOrEqual(1500);
    const c = await waitFor(
      'both deadlines to pass',
      () => clerk.case(id),
      (x) => x.overdue.review && x.overdue.statutory,
    );
    expect(c.status).toBe('UNDER_REVIEW');
    expect(c.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REVIEW_REQUESTED',
      'REVIEW_DEADLINE_PASSED',
      'STATUTORY_DEADLINE_PASSED',
    ]);
    expect(c.timeline[2]).toMatchObject({
      side: 'system',
      senderProvince: '33',
      senderService: 'intake',
    });
    const requests: OutboxRow[] = openedRows(
      keyringOf(system),
      await dataSourceOf(system).query(
        `SELECT envelope FROM intake.outbox WHERE case_id = $1 AND type = 'review.requested' ORDER BY created_at`,
        [id],
      ),
    );
    expect(requests.map((r) => r.envelope.payload.round)).toEqual([1, 1]);
    expect(c.resendCount).toBe(1);
  });

  it('a case closed in time: its reminders are withdrawn and never fire', async () => {
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    const id = res.body.id;
    const ds = dataSourceOf(system);
    await clerk.post(`/api/v1/applications/${id}/cancel`, { reason: 'withdrawn in time' });
    // Past both deadlines (1.5 s and 2.5 s here) and the relay's polls: nothing was handled.
    await new Promise((r) => setTimeout(r, 4000));
    const [timers] = await ds.query(
      `SELECT count(*)::int AS n FROM intake.inbox WHERE case_id = $1 AND type = 'case.timer'`,
      [id],
    );
    expect(timers.n).toBe(0);
    const c = await clerk.case(id);
    expect(c.overdue).toMatchObject({ review: false, statutory: false });
    expect(c.timeline.map((t) => t.event)).toEqual(['INTAKE', 'REVIEW_REQUESTED', 'CANCELLED']);
  });

  it('a case whose reminders were not withdrawn is not flagged when they fire (they find it moved on)', async () => {
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    const id = res.body.id;
    const ds = dataSourceOf(system);
    // As for a case written before reminders were recorded (or whose withdrawal was lost with the
    // process that committed it): nothing names its timers, so they stay and fire.
    await ds.query(`UPDATE intake.cases SET timer_jobs = '{}' WHERE id = $1`, [id]);
    await clerk.post(`/api/v1/applications/${id}/cancel`, { reason: 'withdrawn in time' });
    // Wait until both timers were consumed from the queue (recorded in the inbox).
    await waitFor(
      'both timers consumed',
      () =>
        ds.query(
          `SELECT count(*)::int AS n FROM intake.inbox WHERE case_id = $1 AND type = 'case.timer'`,
          [id],
        ),
      (rows: { n: number }[]) => rows[0].n === 2,
    );
    const c = await clerk.case(id);
    expect(c.overdue).toMatchObject({ review: false, statutory: false });
    expect(c.timeline.map((t) => t.event)).toEqual(['INTAKE', 'REVIEW_REQUESTED', 'CANCELLED']);
  });
});

describe('intake: a long deadline reached by a chain of reminders', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  let inject: MessageInjector;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], { RECONCILE_INTERVAL_MS: '0' });
    clerk = new ClerkClient(system.url);
    inject = new MessageInjector(system);
  });

  afterAll(async () => {
    await inject?.close();
    await system?.close();
  });

  it('a link that fires before the deadline schedules the next, recorded on the case; closing the case withdraws that one', async () => {
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    const id = res.body.id;
    const ds = dataSourceOf(system);
    const statutoryJob = async (): Promise<string | undefined> =>
      (await ds.query(`SELECT timer_jobs FROM intake.cases WHERE id = $1`, [id]))[0].timer_jobs
        .STATUTORY_DEADLINE;
    const first = await statutoryJob();
    // A link of the 60-day limit firing early (as the 20-day link does), delivered as Redis would.
    const link = await inject.toIntake(
      'case.timer',
      id,
      { kind: 'STATUTORY_DEADLINE', dueAt: res.body.deadlines.statutoryDueAt },
      { service: 'intake', province: '33' },
      '33',
    );
    const next = await waitFor('the next link recorded', statutoryJob, (job) => job !== first);
    const [newest] = await ds.query(
      `SELECT id, delay_ms FROM intake.outbox WHERE case_id = $1 AND type = 'case.timer' ORDER BY seq DESC LIMIT 1`,
      [id],
    );
    expect(next).toBe(newest.id);
    expect(next).not.toBe(link.id);
    expect(Number(newest.delay_ms)).toBeGreaterThan(0);

    const connection = testRedis();
    const queue = new Queue('{intake.33}', { connection, prefix: system.queuePrefix });
    try {
      await waitFor(
        'the next link waiting in Redis',
        () => queue.getJobState(next!),
        (s) => s === 'delayed',
      );
      // The link recorded before (the first one, still waiting) was replaced: withdrawn, so that
      // one chain runs.
      await waitFor(
        'the replaced link withdrawn',
        () => queue.getJobState(first!),
        (s) => s === 'unknown',
      );
      await clerk.post(`/api/v1/applications/${id}/cancel`, { reason: 'withdrawn mid-chain' });
      await waitFor(
        'the next link withdrawn',
        () => queue.getJobState(next!),
        (s) => s === 'unknown',
      );
      expect(await statutoryJob()).toBeUndefined();
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

describe('intake: the periodic reconciler', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '200',
      RESEND_AFTER_MS: '300',
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('re-sends an unanswered review request on its own, recording when and how often', async () => {
    const clerk = new ClerkClient(system.url);
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    const c = await waitFor(
      'two re-sends by the periodic reconciler',
      () => clerk.case(res.body.id),
      (x) => x.resendCount >= 2,
    );
    expect(c).toMatchObject({ status: 'UNDER_REVIEW', pendingCommand: 'review.requested' });
    expect(Date.parse(c.lastSentAt!)).toBeGreaterThan(Date.parse(c.createdAt));
    const [{ n }] = await dataSourceOf(system).query(
      `SELECT count(*)::int AS n FROM intake.outbox WHERE case_id = $1 AND type = 'review.requested'`,
      [c.id],
    );
    expect(n).toBeGreaterThanOrEqual(3);
  });
});
