import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { productionFeature } from '../../apps/production/src/production.feature';
import { importRegistryRecords, verificationFeature } from '../../apps/verification/src';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf } from './support/client';
import { anApplication, aPerson, registryRecordOf } from './support/factories';

/**
 * The whole cross-province flow on one node, every service real: 居住地受理 — 户籍地签发 —
 * 居住地制作和发放. The clerk takes the application; the hukou side approves; the production
 * centre makes the card (one remake); delivery sends it to the point; the clerk records its
 * arrival and hands it over against the receipt.
 */
describe('the whole flow: intake, verification, production, delivery', () => {
  let system: TestSystem;
  let clerk: ClerkClient;

  beforeAll(async () => {
    system = await startTestSystem(
      [intakeFeature, verificationFeature, productionFeature, deliveryFeature],
      { RECONCILE_INTERVAL_MS: '0', PRODUCTION_QC_FAIL_FIRST_N: '1' },
    );
    clerk = new ClerkClient(system.url);
  });

  afterAll(async () => {
    await system?.close();
  });

  it('an application becomes a card collected at the window', async () => {
    const person = aPerson({ age: 30 });
    await importRegistryRecords(dataSourceOf(system), [registryRecordOf(person)]);
    const created = await clerk.apply(anApplication(person, await clerk.photoId()).build());
    expect(created.status).toBe(201);
    const id = created.body.id;

    const dispatched = await waitFor(
      'the card to be dispatched to the point',
      () => clerk.case(id),
      (c) => c.status === 'DISPATCHED',
    );
    expect(dispatched.cardSerial).toMatch(/^33-\d{8}-\d{7,}$/);
    // The remake's attempt_failed may be consumed after the completion of the same batch (then it
    // is late and only logged); the completion itself says which attempt passed.
    expect(dispatched.production.history).toContainEqual(
      expect.objectContaining({ attempt: 2, completedAt: expect.any(String) }),
    );

    const arrived = await clerk.post(`/api/v1/deliveries/${id}/arrived`, {});
    expect(arrived.status).toBe(200);
    await waitFor(
      'the card at the point',
      () => clerk.case(id),
      (c) => c.status === 'READY_FOR_PICKUP',
    );

    const collected = await clerk.post(`/api/v1/deliveries/${id}/collected`, {
      receiptNumber: created.body.receiptNumber,
      collector: { type: 'APPLICANT', name: person.name, idNumber: person.idNumber },
    });
    expect(collected.status).toBe(200);
    const done = await waitFor(
      'the card handed over',
      () => clerk.case(id),
      (c) => c.status === 'DELIVERED',
    );
    expect(done.timeline.map((t) => t.event).filter((e) => e !== 'PRODUCTION_FAILED')).toEqual([
      'INTAKE',
      'REVIEW_REQUESTED',
      'REVIEW_APPROVED',
      'PRODUCTION_STARTED',
      'PRODUCTION_COMPLETED',
      'DISPATCHED',
      'ARRIVED_AT_POINT',
      'COLLECTED',
    ]);
    expect(done.pendingCommand).toBeNull();
    const letters = await dataSourceOf(system).query(
      `SELECT count(*)::int AS n FROM intake.dead_letters WHERE case_id = $1`,
      [id],
    );
    expect(letters[0].n).toBe(0);
  });
});
