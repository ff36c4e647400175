import { loadConfig, RunningNode, startNode } from '@app/platform';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { ReconcilerService } from '../../apps/intake/src/reconciler/reconciler.service';
import { importRegistryRecords, verificationFeature } from '../../apps/verification/src';
import { deleteTestRedisKeys, testRedisEnv, testRedisKeys } from '../support/redis';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf } from './support/client';
import { anApplication, aPerson, Person, registryRecordOf } from './support/factories';

/**
 * Intake with the real hukou side (verification) over the real transport: applications reach
 * APPROVED, REFUSED with each reason, or go through a supplement round; and a review request lost
 * with Redis is recovered by the reconciler.
 */
describe('intake + verification: the review round trip', () => {
  let system: TestSystem;
  let clerk: ClerkClient;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature, verificationFeature], {
      RECONCILE_INTERVAL_MS: '0',
    });
    clerk = new ClerkClient(system.url);
  });

  afterAll(async () => {
    await system?.close();
  });

  const register = async (...records: ReturnType<typeof registryRecordOf>[]) => {
    const report = await importRegistryRecords(dataSourceOf(system), records);
    expect(report.rejected).toBe(0);
  };

  const apply = async (person: Person, photoId?: string) => {
    const res = await clerk.apply(
      anApplication(person, photoId ?? (await clerk.photoId())).build(),
    );
    expect(res.status).toBe(201);
    return res.body;
  };

  const settles = (id: string) =>
    waitFor(
      `case ${id} to leave UNDER_REVIEW`,
      () => clerk.case(id),
      (c) => c.status !== 'UNDER_REVIEW',
    );

  it('an eligible applicant in the registry reaches APPROVED with the issue decision', async () => {
    const person = aPerson({ age: 20 });
    await register(registryRecordOf(person));
    const c = await settles((await apply(person)).id);
    expect(c.status).toBe('APPROVED');
    expect(c.issue).toMatchObject({
      issuingAuthority: '合肥市公安局蜀山分局',
      issuingAuthorityCode: '340104',
      validityYears: 10,
      address: person.hukouAddress,
    });
    expect(c.pendingCommand).toBe('production.ordered');
    expect(c.timeline.at(-1)).toMatchObject({
      event: 'REVIEW_APPROVED',
      side: 'hukou',
      senderProvince: '34',
    });
  });

  it.each([
    ['NOT_IN_REGISTRY', null, /not registered|查无/],
    ['HUKOU_MISMATCH', { hukouAddressCode: '340103' }, /hukou address does not match/],
    ['PARTICULARS_MISMATCH', { name: '别的名字' }, /name does not match/],
    ['HUKOU_INACTIVE', { status: 'CANCELLED' as const }, /not active/],
    ['CARD_ALREADY_ISSUED', { cardIssued: true }, /already been issued/],
    ['FLAGGED', { flags: ['FRAUD_WATCH'] }, /cannot be handled across provinces/],
  ])(
    'a registry that says %s refuses the case with that reason',
    async (code, registry, reason) => {
      const person = aPerson();
      if (registry) await register(registryRecordOf(person, registry));
      const c = await settles((await apply(person)).id);
      expect(c.status).toBe('REFUSED');
      expect(c.refusal?.code).toBe(code);
      expect(c.refusal?.reason).toMatch(reason);
      expect(c.clerkActions).toEqual([]);
    },
  );

  it('supplement loop: the hukou bureau asks for the household register pages → SUPPLEMENT_REQUIRED → submitted → APPROVED', async () => {
    const person = aPerson();
    await register(registryRecordOf(person, { flags: ['DOCUMENTS_REQUIRED'] }));
    const created = await apply(person);
    const waiting = await settles(created.id);
    expect(waiting.status).toBe('SUPPLEMENT_REQUIRED');
    expect(waiting.supplementItemsRequested.map((i) => i.code)).toEqual([
      'HOUSEHOLD_REGISTER_COPY',
    ]);
    expect(waiting.clerkActions.sort()).toEqual(['CANCELLED', 'SUPPLEMENT_SUBMITTED']);

    const res = await clerk.post(`/api/v1/applications/${created.id}/supplements`, {
      items: [{ code: 'HOUSEHOLD_REGISTER_COPY', note: '户口簿首页及本人页已扫描' }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'UNDER_REVIEW', reviewRound: 2 });
    const done = await settles(created.id);
    expect(done.status).toBe('APPROVED');
    expect(done.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REVIEW_REQUESTED',
      'SUPPLEMENT_REQUESTED',
      'SUPPLEMENT_SUBMITTED',
      'REVIEW_APPROVED',
    ]);
  });

  it("a withdrawal releases the hukou side's claim on the person: applying again is reviewed and approved", async () => {
    const person = aPerson();
    await register(registryRecordOf(person));
    const first = await settles((await apply(person)).id);
    expect(first.status).toBe('APPROVED');
    const ds = dataSourceOf(system);
    const claim = (): Promise<{ case_id: string }[]> =>
      ds.query(`SELECT case_id FROM verification.open_applications WHERE id_number = $1`, [
        person.idNumber,
      ]);
    expect(await claim()).toEqual([{ case_id: first.id }]);

    const res = await clerk.post(`/api/v1/applications/${first.id}/cancel`, {
      reason: '申请人改在户籍地办理',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED' });
    // production.cancelled to the production centre and review.withdrawn to the hukou side.
    const notices: { type: string; recipient: { service: string; province: string } }[] = (
      await ds.query(
        `SELECT envelope FROM intake.outbox WHERE case_id = $1 AND type IN ('production.cancelled', 'review.withdrawn') ORDER BY type`,
        [first.id],
      )
    ).map(
      (r: { envelope: { type: string; recipient: { service: string; province: string } } }) => ({
        type: r.envelope.type,
        recipient: r.envelope.recipient,
      }),
    );
    expect(notices).toEqual([
      { type: 'production.cancelled', recipient: { service: 'production', province: '33' } },
      { type: 'review.withdrawn', recipient: { service: 'verification', province: '34' } },
    ]);
    await waitFor('the hukou side to release the claim', claim, (rows) => rows.length === 0);
    expect(
      await ds.query(
        `SELECT residence_province, hukou_province, round FROM verification.withdrawals WHERE case_id = $1`,
        [first.id],
      ),
    ).toEqual([{ residence_province: '33', hukou_province: '34', round: 1 }]);

    // Without the release this would be refused with APPLICATION_ALREADY_OPEN.
    const again = await settles((await apply(person)).id);
    expect(again.status).toBe('APPROVED');
    expect(await claim()).toEqual([{ case_id: again.id }]);
  });

  it('one photo age rule on both sides: a photo the hukou side would call outdated is refused at intake', async () => {
    const threeYearsAgoToday = new Date();
    threeYearsAgoToday.setUTCFullYear(threeYearsAgoToday.getUTCFullYear() - 3);
    const res = await clerk.apply(
      anApplication(aPerson(), await clerk.photoId(threeYearsAgoToday.toISOString())).build(),
    );
    expect(res.status).toBe(422);
    expect(res.body.details![0]).toMatchObject({ field: 'photoId', rule: 'photo.age' });
  });
});

describe('intake + verification on two nodes: a review request lost with Redis', () => {
  let intake: TestSystem;
  let hukou: RunningNode | undefined;

  beforeAll(async () => {
    intake = await startTestSystem([intakeFeature], { RECONCILE_INTERVAL_MS: '0' });
  });

  afterAll(async () => {
    await hukou?.close();
    await intake?.close();
  });

  it('is sent again by the reconciler and the case completes its review', async () => {
    const clerk = new ClerkClient(intake.url);
    const person = aPerson();
    const created = (await clerk.apply(anApplication(person, await clerk.photoId()).build())).body;
    const ds = dataSourceOf(intake);
    // The relay published the request to Redis (nobody consumes verification yet)...
    await waitFor(
      'the review request to be published',
      () =>
        ds.query(
          `SELECT sent_at FROM intake.outbox WHERE case_id = $1 AND type = 'review.requested'`,
          [created.id],
        ),
      (rows: { sent_at: Date | null }[]) => rows.length === 1 && rows[0].sent_at !== null,
    );
    // ...and Redis loses it: every key of the hukou province's verification queue is deleted.
    const keys = await testRedisKeys(`${intake.queuePrefix}:{verification.34}:*`);
    expect(keys.length).toBeGreaterThan(0);
    await deleteTestRedisKeys(keys);

    // The hukou side comes up (own node, same database server, same transport and keys).
    hukou = await startNode({
      name: 'hukou',
      features: [verificationFeature],
      port: 0,
      config: loadConfig({
        NODE_ENV: 'test',
        DATABASE_URL: intake.databaseUrl,
        ...testRedisEnv(),
        QUEUE_PREFIX: intake.queuePrefix,
        KEYRING_DIR: intake.keyringDir,
        PORT: '0',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
        MESSAGE_BACKOFF_MS: '50',
        OUTBOX_POLL_MS: '100',
        PROVINCES: '34',
      }),
    });
    await importRegistryRecords(dataSourceOf(intake), [registryRecordOf(person)]);
    expect((await clerk.application(created.id)).body).toMatchObject({ status: 'UNDER_REVIEW' });

    const reconciler = intake.node.app.get(ReconcilerService);
    const later = new Date(Date.now() + intake.node.config.RESEND_AFTER_MS + 1000);
    expect(await reconciler.reconcileOnce(later)).toBe(1);
    const done = await waitFor(
      'the case to be approved',
      () => clerk.case(created.id),
      (c) => c.status === 'APPROVED',
    );
    expect(done.resendCount).toBe(0); // reset when the next command (production order) went out
    expect(done.pendingCommand).toBe('production.ordered');
  });
});
