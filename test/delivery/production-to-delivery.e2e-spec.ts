import { randomUUID } from 'node:crypto';
import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { productionFeature } from '../../apps/production/src/production.feature';
import { startTestSystem, TestSystem } from '../support/system';
import {
  call,
  clerkOf,
  deliveryOrder,
  IntakeStub,
  productionOrder,
} from '../production/intake-stub';

/**
 * Production and delivery composed in one node (as the all-in-one does): two services, two schemas,
 * two relays, one BullMQ server. Intake's part is played by the stub: it forwards the card serial
 * from production.completed into delivery.ordered.
 */
describe('production and delivery in one node (e2e)', () => {
  let sys: TestSystem;
  let intake: IntakeStub;

  beforeAll(async () => {
    sys = await startTestSystem([productionFeature, deliveryFeature], { PROVINCES: '33,34' });
    intake = new IntakeStub(sys, ['33', '34']);
  });
  afterAll(async () => {
    await intake?.close();
    await sys?.close();
  });

  it.each(['33', '34'])(
    'a card of province %s is produced, then dispatched to the window and collected',
    async (province) => {
      const point = province === '33' ? '330402-01' : '340104-01';
      const from = { service: 'intake', province };
      const caseId = randomUUID();
      const order = productionOrder(point);
      await intake.send('production.ordered', {
        caseId,
        payload: order,
        from,
        to: { service: 'production', province },
      });
      const [completed] = await intake.waitForSent('production', caseId, 'production.completed');
      const cardSerial = (completed.payload as { cardSerial: string }).cardSerial;
      expect(cardSerial.startsWith(`${province}-`)).toBe(true);

      const delivery = {
        ...deliveryOrder({ point }),
        receiptNumber: order.receiptNumber,
        cardSerial,
        applicant: { idNumber: order.applicant.idNumber, name: order.applicant.name },
      };
      await intake.send('delivery.ordered', {
        caseId,
        payload: delivery,
        from,
        to: { service: 'delivery', province },
      });
      await intake.waitForSent('delivery', caseId, 'delivery.dispatched');
      expect(
        (await call(sys, 'POST', `/api/v1/deliveries/${caseId}/arrived`, clerkOf(point))).status,
      ).toBe(200);
      const done = await call(
        sys,
        'POST',
        `/api/v1/deliveries/${caseId}/collected`,
        clerkOf(point),
        {
          receiptNumber: order.receiptNumber,
          collector: {
            type: 'APPLICANT',
            name: order.applicant.name,
            idNumber: order.applicant.idNumber,
          },
        },
      );
      expect(done.body).toMatchObject({
        status: 'DELIVERED',
        cardSerial,
        collectedBy: 'APPLICANT',
      });
      const [message] = await intake.waitForSent('delivery', caseId, 'delivery.completed');
      expect(message.sender).toEqual({ service: 'delivery', province });
      expect(message.recipient).toEqual({ service: 'intake', province });
    },
  );

  it('documents the routes of both services in the OpenAPI document', async () => {
    const res = await fetch(`${sys.url}/api/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/deliveries/{caseId}',
        '/api/v1/deliveries/{caseId}/arrived',
        '/api/v1/deliveries/{caseId}/collected',
        '/api/v1/deliveries/{caseId}/courier',
        '/api/v1/production/cards/{caseId}',
      ]),
    );
  });
});
