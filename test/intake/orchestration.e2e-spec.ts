import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { BullMqClient } from '@app/messaging';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { ReconcilerService } from '../../apps/intake/src/reconciler/reconciler.service';
import { authHeaders } from '../support/auth';
import { TEST_REDIS_URL } from '../support/database';
import { testRedis } from '../support/redis';
import { keyringOf, openedRows } from '../support/sealed';
import { startTestSystem, TestSystem } from '../support/system';
import { parkedCount } from '../support/metrics';
import { recordStatements } from '../support/statements';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf, DeadLetterRow, OutboxRow } from './support/client';
import { anApplication, ApplicationBuilder, aPerson } from './support/factories';

type CaseNow = Awaited<ReturnType<ClerkClient['case']>>;
import { answers, MessageInjector } from './support/messages';

const HUKOU = { service: 'verification', province: '34' };
const PRODUCTION = { service: 'production', province: '33' };
const DELIVERY = { service: 'delivery', province: '33' };
const OWN = { service: 'intake', province: '33' };

/**
 * The orchestrator with intake alone: the hukou side, production and delivery are played by signed
 * messages published onto intake's queue, so every path of the case can be driven and checked.
 */
describe('intake: orchestration of the case', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  let inject: MessageInjector;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '0',
      MESSAGE_ATTEMPTS: '4',
      PICKUP_REMINDER_MS: '1000',
    });
    clerk = new ClerkClient(system.url);
    inject = new MessageInjector(system);
  });

  afterAll(async () => {
    await inject?.close();
    await system?.close();
  });

  const db = () => dataSourceOf(system);

  async function newCase(build: (b: ApplicationBuilder) => ApplicationBuilder = (b) => b) {
    const res = await clerk.apply(build(anApplication(aPerson(), await clerk.photoId())).build());
    expect(res.status).toBe(201);
    return res.body;
  }

  const caseOf = (id: string) => clerk.case(id);

  const reaches = (id: string, status: string, extra: (c: CaseNow) => boolean = () => true) =>
    waitFor(
      `case ${id} to reach ${status}`,
      () => caseOf(id),
      (c) => c.status === status && extra(c),
    );

  /** What intake sent for a case, payloads opened with the recipients' keys. */
  const outboxOf = async (id: string, type: string): Promise<OutboxRow[]> =>
    openedRows(
      keyringOf(system),
      await db().query(
        `SELECT queue, envelope FROM intake.outbox WHERE case_id = $1 AND type = $2 ORDER BY created_at`,
        [id, type],
      ),
    );

  const deadLettersOf = (id: string): Promise<DeadLetterRow[]> =>
    db().query(`SELECT reason, error, type FROM intake.dead_letters WHERE case_id = $1`, [id]);

  const inboxHas = (messageId: string) =>
    db()
      .query(`SELECT 1 FROM intake.inbox WHERE message_id = $1`, [messageId])
      .then((rows: unknown[]) => rows.length === 1);

  async function approved(build?: (b: ApplicationBuilder) => ApplicationBuilder) {
    const c = await newCase(build);
    await inject.toIntake('review.decided', c.id, answers.approved(1), HUKOU, '33');
    return reaches(c.id, 'APPROVED');
  }

  async function produced(build?: (b: ApplicationBuilder) => ApplicationBuilder) {
    const c = await approved(build);
    await inject.toIntake('production.started', c.id, answers.started(1), PRODUCTION, '33');
    await reaches(c.id, 'IN_PRODUCTION');
    await inject.toIntake('production.completed', c.id, answers.completed(1), PRODUCTION, '33');
    return reaches(c.id, 'PRODUCED');
  }

  it('handles a message in two round trips: the opening with the locked case, its writes with the COMMIT', async () => {
    const c = await newCase();
    const statements = recordStatements();
    try {
      const decided = await inject.toIntake(
        'review.decided',
        c.id,
        answers.approved(1),
        HUKOU,
        '33',
      );
      await reaches(c.id, 'APPROVED');
      // BEGIN, the case's lock, the inbox row and the case row locked (with the request the
      // decision answers) in one round trip; the timeline entry, the production order and the
      // case row in one statement, sent with the COMMIT.
      const trips = statements.handlingOf(decided.id);
      expect(trips).toEqual([
        expect.stringMatching(
          /^START TRANSACTION; SELECT pg_advisory_xact_lock\(hashtextextended\(\$1, 0\)\); INSERT INTO "intake"\.inbox .*; SELECT c\.\*, .*FROM intake\.cases c WHERE c\.id = \$1 FOR UPDATE OF c$/,
        ),
        expect.stringMatching(/^WITH w0 AS \(INSERT INTO intake\.case_timeline.*; COMMIT$/),
      ]);
      // The case read with the opening is the entity a repository would load: only what the
      // decision changed is written back.
      const set = /UPDATE "intake"\."cases" SET (.*) WHERE "id" = \$\d+; COMMIT$/.exec(
        trips[1],
      )?.[1];
      expect(set?.split(', ').map((c) => c.split(' = ')[0])).toEqual([
        '"status"',
        '"decided_at"',
        '"issue"',
        '"pending_command"',
        '"last_sent_at"',
        // The review deadline's reminder, withdrawn: the case no longer waits for a decision.
        '"timer_jobs"',
        '"timeline_head"',
        '"updated_at"',
      ]);
    } finally {
      statements.restore();
    }
  });

  it('window pickup: approved → production (with a remake) → dispatched → at the point → collected', async () => {
    const c = await approved((b) => b.withProxy());
    expect(c.issue).toMatchObject({ issuingAuthorityCode: '340104' });
    expect(c.pendingCommand).toBe('production.ordered');
    const [order] = await outboxOf(c.id, 'production.ordered');
    expect(order.queue).toBe('{production.33}');
    expect(order.envelope.payload).toMatchObject({
      receiptNumber: c.receiptNumber,
      photoId: c.photoId,
      issue: { issuingAuthorityCode: '340104' },
    });

    await inject.toIntake('production.started', c.id, answers.started(1), PRODUCTION, '33');
    await reaches(c.id, 'IN_PRODUCTION');
    await inject.toIntake('production.attempt_failed', c.id, answers.failed(1), PRODUCTION, '33');
    await reaches(c.id, 'IN_PRODUCTION', (x) => x.production.attempts === 2);
    await inject.toIntake(
      'production.completed',
      c.id,
      answers.completed(2, 'C33-9'),
      PRODUCTION,
      '33',
    );
    const done = await reaches(c.id, 'PRODUCED');
    expect(done).toMatchObject({ cardSerial: 'C33-9', pendingCommand: 'delivery.ordered' });
    const [delivery] = await outboxOf(c.id, 'delivery.ordered');
    expect(delivery.queue).toBe('{delivery.33}');
    expect(delivery.envelope.payload).toMatchObject({
      receiptNumber: c.receiptNumber,
      cardSerial: 'C33-9',
      method: 'WINDOW',
      postal: null,
      proxy: { name: expect.any(String) },
    });

    await inject.toIntake(
      'delivery.dispatched',
      c.id,
      answers.dispatched('WINDOW'),
      DELIVERY,
      '33',
    );
    await reaches(c.id, 'DISPATCHED');
    await inject.toIntake('delivery.arrived', c.id, answers.arrived(), DELIVERY, '33');
    const ready = await reaches(c.id, 'READY_FOR_PICKUP');
    expect(ready.deadlines.pickupReminderDueAt).not.toBeNull();
    // PICKUP_REMINDER_MS is 1 s here: the uncollected-card timer fires.
    await waitFor(
      'the pickup reminder',
      () => caseOf(c.id),
      (x) => x.pickupRemindedAt !== null,
    );
    await inject.toIntake(
      'delivery.completed',
      c.id,
      answers.completedDelivery('WINDOW', 'PROXY'),
      DELIVERY,
      '33',
    );
    const final = await reaches(c.id, 'DELIVERED');
    expect(final.delivery).toMatchObject({ method: 'WINDOW', collectedBy: 'PROXY' });
    expect(final.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REVIEW_REQUESTED',
      'REVIEW_APPROVED',
      'PRODUCTION_STARTED',
      'PRODUCTION_FAILED',
      'PRODUCTION_COMPLETED',
      'DISPATCHED',
      'ARRIVED_AT_POINT',
      'PICKUP_REMINDER_DUE',
      'COLLECTED',
    ]);
    const approval = final.timeline[2];
    expect(approval).toMatchObject({
      side: 'hukou',
      senderProvince: '34',
      senderService: 'verification',
      messageId: expect.any(String),
    });
    expect(final.timeline[8]).toMatchObject({ side: 'system', senderService: 'intake' });
  });

  it('postal delivery: delivered by post; a returned one falls back to window pickup', async () => {
    const posted = await produced((b) => b.byPost());
    const [order] = await outboxOf(posted.id, 'delivery.ordered');
    expect(order.envelope.payload).toMatchObject({
      method: 'POST',
      postal: { recipient: expect.any(String), phone: '13800138000' },
    });
    await inject.toIntake(
      'delivery.dispatched',
      posted.id,
      answers.dispatched('POST'),
      DELIVERY,
      '33',
    );
    await reaches(posted.id, 'DISPATCHED');
    await inject.toIntake(
      'delivery.completed',
      posted.id,
      answers.completedDelivery('POST', 'ADDRESSEE'),
      DELIVERY,
      '33',
    );
    const delivered = await reaches(posted.id, 'DELIVERED');
    expect(delivered.timeline.at(-1)?.event).toBe('DELIVERED_BY_POST');

    const back = await produced((b) => b.byPost());
    await inject.toIntake(
      'delivery.dispatched',
      back.id,
      answers.dispatched('POST'),
      DELIVERY,
      '33',
    );
    await reaches(back.id, 'DISPATCHED');
    await inject.toIntake('delivery.returned', back.id, answers.returned(), DELIVERY, '33');
    await reaches(back.id, 'DISPATCHED', (x) => x.delivery.postalReturned === true);
    await inject.toIntake('delivery.arrived', back.id, answers.arrived(), DELIVERY, '33');
    await reaches(back.id, 'READY_FOR_PICKUP');
    await inject.toIntake(
      'delivery.completed',
      back.id,
      answers.completedDelivery('POST'),
      DELIVERY,
      '33',
    );
    const collected = await reaches(back.id, 'DELIVERED');
    expect(collected.timeline.map((t) => t.event).slice(-4)).toEqual([
      'DISPATCHED',
      'POSTAL_RETURNED',
      'ARRIVED_AT_POINT',
      'COLLECTED',
    ]);
    expect(collected.delivery).toMatchObject({ returnReason: 'addressee unknown' });
  });

  it('refusal: REFUSED with the reason in words; a late approval is acknowledged and ignored', async () => {
    const c = await newCase();
    await inject.toIntake(
      'review.decided',
      c.id,
      answers.refused(
        1,
        'CARD_ALREADY_ISSUED',
        'A card was already issued: apply at the hukou place.',
      ),
      HUKOU,
      '33',
    );
    const refused = await reaches(c.id, 'REFUSED');
    expect(refused.refusal).toEqual({
      code: 'CARD_ALREADY_ISSUED',
      reason: 'A card was already issued: apply at the hukou place.',
    });
    expect(refused.pendingCommand).toBeNull();
    const late = await inject.toIntake('review.decided', c.id, answers.approved(1), HUKOU, '33');
    await waitFor('the late message to be consumed', () => inboxHas(late.id));
    expect((await caseOf(c.id)).status).toBe('REFUSED');
    expect(await deadLettersOf(c.id)).toEqual([]);
  });

  it('supplement loop: SUPPLEMENT_REQUIRED → supplements (checked) → round 2 → APPROVED', async () => {
    const c = await newCase();
    await inject.toIntake(
      'review.decided',
      c.id,
      answers.supplement(1, ['PHOTO_OUTDATED', 'GUARDIAN_REQUIRED']),
      HUKOU,
      '33',
    );
    const waiting = await reaches(c.id, 'SUPPLEMENT_REQUIRED');
    expect(waiting.supplementItemsRequested.map((i) => i.code)).toEqual([
      'PHOTO_OUTDATED',
      'GUARDIAN_REQUIRED',
    ]);
    expect(waiting.clerkActions).toEqual(['SUPPLEMENT_SUBMITTED', 'CANCELLED']);
    const url = `/api/v1/applications/${c.id}/supplements`;
    const notAsked = await clerk.post(url, { items: [{ code: 'SOMETHING_ELSE' }] });
    expect(notAsked.status).toBe(422);
    expect(notAsked.body.details![0]).toMatchObject({
      field: 'items[0].code',
      rule: 'supplement.notRequested',
    });
    const newPhoto = await clerk.photoId();
    const missing = await clerk.post(url, {
      items: [{ code: 'PHOTO_OUTDATED' }],
      photoId: newPhoto,
    });
    expect(missing.status).toBe(422);
    expect(missing.body.details![0].rule).toBe('supplement.missing');
    // An item that stands for material must bring it: a new photo, a guardian.
    const noPhoto = await clerk.post(url, {
      items: [{ code: 'PHOTO_OUTDATED' }, { code: 'GUARDIAN_REQUIRED' }],
      guardian: { name: '监护人', idNumber: aPerson({ age: 50 }).idNumber, relation: '父亲' },
    });
    expect(noPhoto.status).toBe(422);
    expect(noPhoto.body.details![0]).toMatchObject({
      field: 'photoId',
      rule: 'supplement.photoIdRequired',
    });
    const noGuardian = await clerk.post(url, {
      items: [{ code: 'PHOTO_OUTDATED' }, { code: 'GUARDIAN_REQUIRED' }],
      photoId: newPhoto,
    });
    expect(noGuardian.status).toBe(422);
    expect(noGuardian.body.details![0]).toMatchObject({
      field: 'guardian',
      rule: 'supplement.guardianRequired',
    });
    const res = await clerk.post(url, {
      items: [{ code: 'PHOTO_OUTDATED', note: 'new photo taken' }, { code: 'GUARDIAN_REQUIRED' }],
      photoId: newPhoto,
      guardian: { name: '监护人', idNumber: aPerson({ age: 50 }).idNumber, relation: '父亲' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'UNDER_REVIEW', reviewRound: 2, photoId: newPhoto });
    const requests = await outboxOf(c.id, 'review.requested');
    expect(requests).toHaveLength(2);
    expect(requests[1].envelope.payload).toMatchObject({
      round: 2,
      photo: { photoId: newPhoto },
      guardian: { relation: '父亲' },
      supplements: [
        { code: 'PHOTO_OUTDATED', description: 'new photo taken' },
        { code: 'GUARDIAN_REQUIRED', description: 'please supply GUARDIAN_REQUIRED' },
      ],
    });
    // A late answer to round 1 changes nothing; the answer to round 2 decides.
    const stale = await inject.toIntake('review.decided', c.id, answers.refused(1), HUKOU, '33');
    await waitFor('the stale decision to be consumed', () => inboxHas(stale.id));
    expect((await caseOf(c.id)).status).toBe('UNDER_REVIEW');
    await inject.toIntake('review.decided', c.id, answers.approved(2), HUKOU, '33');
    const done = await reaches(c.id, 'APPROVED');
    expect(done.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REVIEW_REQUESTED',
      'SUPPLEMENT_REQUESTED',
      'SUPPLEMENT_SUBMITTED',
      'REVIEW_APPROVED',
    ]);
    expect(done.timeline[3]).toMatchObject({ side: 'residence', actor: 'clerk-330402-01' });
  });

  it('withdrawal: allowed when APPROVED (production.cancelled sent), 409 once production started', async () => {
    const a = await approved();
    const ok = await clerk.post(`/api/v1/applications/${a.id}/cancel`, { reason: 'changed mind' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'CANCELLED', pendingCommand: null });
    const [cancelled] = await outboxOf(a.id, 'production.cancelled');
    expect(cancelled.queue).toBe('{production.33}');
    expect(cancelled.envelope.payload).toEqual({ reason: 'changed mind' });

    const b = await approved();
    await inject.toIntake('production.started', b.id, answers.started(1), PRODUCTION, '33');
    await reaches(b.id, 'IN_PRODUCTION');
    const refused = await clerk.post(`/api/v1/applications/${b.id}/cancel`, { reason: 'too late' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(
      'cannot CANCELLED from IN_PRODUCTION: a case can be withdrawn only before production (CANCELLED is accepted in ACCEPTED, UNDER_REVIEW, SUPPLEMENT_REQUIRED, APPROVED)',
    );
    expect((await caseOf(b.id)).status).toBe('IN_PRODUCTION');
  });

  it('dead-letters messages from a sender with no side in the case, or the wrong side', async () => {
    const c = await newCase();
    // Verification of another province than the hukou one.
    await inject.toIntake(
      'review.decided',
      c.id,
      answers.approved(1),
      { service: 'verification', province: '44' },
      '33',
    );
    // The residence production centre claiming an approval.
    await inject.toIntake('review.decided', c.id, answers.approved(1), PRODUCTION, '33');
    // Production of the hukou province.
    await inject.toIntake(
      'production.started',
      c.id,
      answers.started(1),
      { service: 'production', province: '34' },
      '33',
    );
    // A timer "from" production.
    await inject.toIntake(
      'case.timer',
      c.id,
      { kind: 'REVIEW_DEADLINE', dueAt: c.deadlines.reviewDueAt },
      PRODUCTION,
      '33',
    );
    const letters = await waitFor(
      'four dead letters',
      () => deadLettersOf(c.id),
      (r) => r.length === 4,
    );
    // Refused at once by the case's party checks, each naming the check that failed.
    expect(letters.every((l) => l.reason === 'PARTY_MISMATCH')).toBe(true);
    const errors = letters.map((l) => l.error).join('\n');
    expect(errors).toMatch(/sender 44 is not the hukou province of this case/);
    expect(errors).toMatch(/sender 33 is not the hukou province of this case/);
    expect(errors).toMatch(/sender 34 is not the residence province of this case/);
    expect(errors).toMatch(/case\.timer is sent by intake, not by production/);
    expect((await caseOf(c.id)).status).toBe('UNDER_REVIEW');
  });

  it('dead-letters a message for an unknown case and an inconsistent decision', async () => {
    const unknown = randomUUID();
    await inject.toIntake('production.started', unknown, answers.started(1), PRODUCTION, '33');
    await waitFor(
      'a dead letter',
      () => deadLettersOf(unknown),
      (r) => r.length === 1,
    );
    // A case id that is no UUID names no case either (PostgreSQL is never asked to cast it).
    const notAnId = `case-${randomUUID().slice(0, 8)}`;
    await inject.toIntake('production.started', notAnId, answers.started(1), PRODUCTION, '33');
    const [refused] = await waitFor(
      'a dead letter',
      () => deadLettersOf(notAnId),
      (r) => r.length === 1,
    );
    expect(refused.error).toMatch(/UNKNOWN_CASE/);
    const c = await newCase();
    const bad = { ...answers.approved(1), issue: null };
    await inject.toIntake('review.decided', c.id, bad, HUKOU, '33');
    const [letter] = await waitFor(
      'a dead letter',
      () => deadLettersOf(c.id),
      (r) => r.length === 1,
    );
    expect(letter.error).toMatch(/INCONSISTENT_DECISION/);
  });

  it('applies a message once: a duplicate delivery and a concurrent second start change nothing', async () => {
    const c = await approved();
    const env = await inject.reply('production.started', c.id, answers.started(1), PRODUCTION, OWN);
    const raw = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: system.queuePrefix,
      retry: { attempts: 2, backoffMs: 50 },
    });
    const second = await inject.reply(
      'production.started',
      c.id,
      answers.started(1),
      PRODUCTION,
      OWN,
    );
    await raw.publish([
      { envelope: env, jobId: 'a' },
      { envelope: env, jobId: 'b' },
      { envelope: second, jobId: 'c' },
    ]);
    await raw.close();
    await reaches(c.id, 'IN_PRODUCTION');
    await waitFor(
      'both messages consumed',
      async () => (await inboxHas(env.id)) && (await inboxHas(second.id)),
    );
    const now = await caseOf(c.id);
    expect(now.production.attempts).toBe(1);
    expect(now.timeline.filter((t) => t.event === 'PRODUCTION_STARTED')).toHaveLength(1);
    expect(await deadLettersOf(c.id)).toEqual([]);
  });

  it('an event that overtakes its predecessor is parked without spending attempts, never dead-lettered (completed before started)', async () => {
    // The ordering of the SIGKILL case: production.started was taken by a node that died, so
    // production.completed arrives first and keeps arriving first for longer than the suite's
    // MESSAGE_ATTEMPTS (4) tries would last; started comes back only afterwards.
    const c = await approved();
    const parked = () => parkedCount(system.url, 'production.completed');
    const before = await parked();
    const completed = await inject.toIntake(
      'production.completed',
      c.id,
      answers.completed(1, 'C33-EARLY'),
      PRODUCTION,
      '33',
    );
    await waitFor(
      'the early completion to be parked more often than MESSAGE_ATTEMPTS',
      parked,
      (n) => n - before > 4,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const connection = testRedis();
    const queue = new Queue('{intake.33}', { connection, prefix: system.queuePrefix });
    const job = await queue.getJob(completed.id);
    expect(job?.attemptsMade ?? 0).toBe(0); // parking spends no attempt
    await queue.close();
    connection.disconnect();
    expect((await caseOf(c.id)).status).toBe('APPROVED');
    expect(await deadLettersOf(c.id)).toEqual([]);
    await inject.toIntake('production.started', c.id, answers.started(1), PRODUCTION, '33');
    const done = await reaches(c.id, 'PRODUCED');
    expect(done.cardSerial).toBe('C33-EARLY');
    expect(done.timeline.map((t) => t.to)).toEqual(
      expect.arrayContaining(['IN_PRODUCTION', 'PRODUCED']),
    );
    expect(await deadLettersOf(c.id)).toEqual([]);
  });

  it("reminders the case no longer waits for are withdrawn from Redis: the review deadline's once decided, every one once closed", async () => {
    const c = await newCase();
    const timerJobs = async (): Promise<Record<string, string>> =>
      (await db().query(`SELECT timer_jobs FROM intake.cases WHERE id = $1`, [c.id]))[0].timer_jobs;
    const armed = await timerJobs();
    expect(Object.keys(armed).sort()).toEqual(['REVIEW_DEADLINE', 'STATUTORY_DEADLINE']);
    // The recorded job is the timer message the outbox holds (its job id is the message id).
    const timers = await outboxOf(c.id, 'case.timer');
    expect(timers.map((t) => t.envelope.id).sort()).toEqual(Object.values(armed).sort());
    const connection = testRedis();
    const queue = new Queue('{intake.33}', { connection, prefix: system.queuePrefix });
    const state = (jobId: string) => queue.getJobState(jobId);
    try {
      await waitFor(
        'both reminders published as delayed jobs',
        () => Promise.all(Object.values(armed).map(state)),
        (states) => states.every((s) => s === 'delayed'),
      );

      await inject.toIntake('review.decided', c.id, answers.approved(1), HUKOU, '33');
      await reaches(c.id, 'APPROVED');
      expect(await timerJobs()).toEqual({ STATUTORY_DEADLINE: armed.STATUTORY_DEADLINE });
      await waitFor(
        'the review reminder withdrawn',
        () => state(armed.REVIEW_DEADLINE),
        (s) => s === 'unknown',
      );
      // The statutory limit still runs until the case is closed.
      expect(await state(armed.STATUTORY_DEADLINE)).toBe('delayed');

      const cancelled = await clerk.post(`/api/v1/applications/${c.id}/cancel`, {
        reason: 'withdrawn after approval',
      });
      expect(cancelled.status).toBe(200);
      await reaches(c.id, 'CANCELLED');
      expect(await timerJobs()).toEqual({});
      await waitFor(
        'the statutory reminder withdrawn',
        () => state(armed.STATUTORY_DEADLINE),
        (s) => s === 'unknown',
      );
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('timers: a stale timer does nothing; a due one flags the case and re-sends the review request', async () => {
    const c = await newCase();
    const stale = await inject.toIntake(
      'case.timer',
      c.id,
      { kind: 'REVIEW_DEADLINE', dueAt: new Date(Date.now() - 1000).toISOString() },
      OWN,
      '33',
    );
    await waitFor('the stale timer consumed', () => inboxHas(stale.id));
    expect((await caseOf(c.id)).overdue.review).toBe(false);
    // Move the stored deadline into the past and deliver its timer, as Redis would when it is due.
    const due = new Date(Date.now() - 1000);
    await db().query(`UPDATE intake.cases SET review_due_at = $2 WHERE id = $1`, [c.id, due]);
    await inject.toIntake(
      'case.timer',
      c.id,
      { kind: 'REVIEW_DEADLINE', dueAt: due.toISOString() },
      OWN,
      '33',
    );
    const flagged = await waitFor(
      'the review overdue flag',
      () => caseOf(c.id),
      (x) => x.overdue.review,
    );
    expect(flagged).toMatchObject({ status: 'UNDER_REVIEW', resendCount: 1 });
    expect(flagged.timeline.at(-1)).toMatchObject({
      from: 'UNDER_REVIEW',
      to: 'UNDER_REVIEW',
      event: 'REVIEW_DEADLINE_PASSED',
      side: 'system',
    });
    const requests = await outboxOf(c.id, 'review.requested');
    expect(requests).toHaveLength(2);
    expect(requests[1].envelope.payload).toEqual(requests[0].envelope.payload);
    // The same deadline again (a duplicate timer) changes nothing more.
    const again = await inject.toIntake(
      'case.timer',
      c.id,
      { kind: 'REVIEW_DEADLINE', dueAt: due.toISOString() },
      OWN,
      '33',
    );
    await waitFor('the duplicate timer consumed', () => inboxHas(again.id));
    expect(await outboxOf(c.id, 'review.requested')).toHaveLength(2);
  });

  it('reconciler: re-sends the pending command of a case that waited too long, and fires lost timers', async () => {
    const reconciler = system.node.app.get(ReconcilerService);
    const waiting = await newCase();
    const approvedCase = await approved();
    const later = new Date(Date.now() + 16 * 60_000); // past RESEND_AFTER_MS (default 15 min)
    const acted = await reconciler.reconcileOnce(later);
    expect(acted).toBeGreaterThanOrEqual(2);
    expect(await outboxOf(waiting.id, 'review.requested')).toHaveLength(2);
    expect(await outboxOf(approvedCase.id, 'production.ordered')).toHaveLength(2);
    const w = await caseOf(waiting.id);
    expect(w).toMatchObject({ resendCount: 1, pendingCommand: 'review.requested' });
    // Nothing more to do right after.
    expect(await reconciler.reconcileOnce(later)).toBe(0);

    // Six days on, the review deadline's timer never came: the reconciler fires it.
    const sixDays = new Date(Date.now() + 6 * 86_400_000);
    await reconciler.reconcileOnce(sixDays);
    const overdue = await caseOf(waiting.id);
    expect(overdue.overdue.review).toBe(true);
    expect(overdue.timeline.at(-1)).toMatchObject({
      event: 'REVIEW_DEADLINE_PASSED',
      actor: 'reconciler',
    });
  });

  it("ops re-send: an operator re-sends a stuck case's pending command now; others may not", async () => {
    const waiting = await newCase();
    const url = `${system.url}/api/v1/ops/cases/${waiting.id}/resend`;
    const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers });
    const asOps = authHeaders({ role: 'ops', province: '33' });
    const res = await post(asOps);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      caseId: waiting.id,
      command: 'review.requested',
      resent: true,
    });
    expect(await outboxOf(waiting.id, 'review.requested')).toHaveLength(2);
    expect(await caseOf(waiting.id)).toMatchObject({ resendCount: 1 });
    // A clerk may not; an unknown case is 404; a case waiting on nobody is 409.
    expect((await post(authHeaders({ role: 'clerk', point: '330402-01' }))).status).toBe(403);
    expect((await post({})).status).toBe(401);
    const unknown = await fetch(`${system.url}/api/v1/ops/cases/${randomUUID()}/resend`, {
      method: 'POST',
      headers: asOps,
    });
    expect(unknown.status).toBe(404);
    const cancelled = await newCase();
    expect(
      (
        await clerk.request('POST', `/api/v1/applications/${cancelled.id}/cancel`, {
          reason: 'moved away',
        })
      ).status,
    ).toBe(200);
    const nothing = await fetch(`${system.url}/api/v1/ops/cases/${cancelled.id}/resend`, {
      method: 'POST',
      headers: asOps,
    });
    expect(nothing.status).toBe(409);
    expect(((await nothing.json()) as { message: string }).message).toMatch(/nothing to re-send/);
  });

  it('reconciler: recovers a lost production.completed and, after dispatch, a lost delivery event; re-sends back off', async () => {
    const reconciler = system.node.app.get(ReconcilerService);
    // In production: the completion was lost, so the order stays pending and is sent again.
    const making = await approved();
    await inject.toIntake('production.started', making.id, answers.started(1), PRODUCTION, '33');
    const inProduction = await reaches(making.id, 'IN_PRODUCTION');
    expect(inProduction.pendingCommand).toBe('production.ordered');
    const t0 = Date.now();
    await reconciler.reconcileOnce(new Date(t0 + 16 * 60_000));
    expect(await outboxOf(making.id, 'production.ordered')).toHaveLength(2);
    // Backing off: not again after another 16 minutes, but after twice the wait.
    await reconciler.reconcileOnce(new Date(t0 + 32 * 60_000));
    expect(await outboxOf(making.id, 'production.ordered')).toHaveLength(2);
    await reconciler.reconcileOnce(new Date(t0 + 47 * 60_000));
    expect(await outboxOf(making.id, 'production.ordered')).toHaveLength(3);

    // Dispatched: nothing is pending (the case waits on people), but a day on the delivery side is
    // asked to re-announce, in case an arrival or a hand-over was lost on the way.
    const sent = await produced();
    await inject.toIntake(
      'delivery.dispatched',
      sent.id,
      answers.dispatched('WINDOW'),
      DELIVERY,
      '33',
    );
    const dispatched = await reaches(sent.id, 'DISPATCHED');
    expect(dispatched.pendingCommand).toBeNull();
    await reconciler.reconcileOnce(new Date(Date.now() + 16 * 60_000));
    expect(await outboxOf(sent.id, 'delivery.ordered')).toHaveLength(1);
    await reconciler.reconcileOnce(new Date(Date.now() + 25 * 3_600_000));
    expect(await outboxOf(sent.id, 'delivery.ordered')).toHaveLength(2);
    expect((await caseOf(sent.id)).pendingCommand).toBeNull();
  });
});
