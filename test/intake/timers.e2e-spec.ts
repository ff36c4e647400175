import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { keyringOf, openedRows } from '../support/sealed';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf, OutboxRow } from './support/client';
import { anApplication, aPerson } from './support/factories';

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

  it('a case answered in time is not flagged when its timer fires (the timer finds it moved on)', async () => {
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    const id = res.body.id;
    await clerk.post(`/api/v1/applications/${id}/cancel`, { reason: 'withdrawn in time' });
    const ds = dataSourceOf(system);
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
