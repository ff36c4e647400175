import { randomUUID } from 'node:crypto';
import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { isValidTrackingNumber } from '../../apps/delivery/src/deliveries/tracking-number';
import { Payload } from '@app/contracts';
import { Envelope, envelopeHash } from '@app/messaging';
import { recordStatements } from '../support/statements';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import {
  call,
  clerkOf,
  courierOf,
  deliveryOrder,
  IntakeStub,
  opsOf,
} from '../production/intake-stub';

const POINT = '330402-01';
const OTHER_POINT = '330402-02';
const intake33 = { service: 'intake', province: '33' };
const delivery33 = { service: 'delivery', province: '33' };

/** The delivery service of province 33 alone: orders over the real queues, clerks and couriers over HTTP. */
describe('delivery service (e2e)', () => {
  let sys: TestSystem;
  let intake: IntakeStub;

  beforeAll(async () => {
    sys = await startTestSystem([deliveryFeature], { PROVINCES: '33', MESSAGE_ATTEMPTS: '2' });
    intake = new IntakeStub(sys, ['33', '34']);
  });
  afterAll(async () => {
    await intake?.close();
    await sys?.close();
  });

  /** Orders a delivery and waits until it is dispatched; returns the order and the dispatch message. */
  async function dispatched(opts: Parameters<typeof deliveryOrder>[0] = {}) {
    const caseId = randomUUID();
    const payload = deliveryOrder(opts);
    const order = await intake.send('delivery.ordered', {
      caseId,
      payload,
      from: intake33,
      to: delivery33,
    });
    const [dispatch] = await intake.waitForSent('delivery', caseId, 'delivery.dispatched');
    return { caseId, payload, order, dispatch };
  }

  const path = (caseId: string, action = '') =>
    `/api/v1/deliveries/${caseId}${action ? `/${action}` : ''}`;
  const sentTypes = async (caseId: string) =>
    (await intake.sent('delivery', caseId)).map((r) => r.type);
  const events = (caseId: string) =>
    intake.dataSource.query(
      `SELECT event, from_status, to_status, actor FROM delivery.delivery_events WHERE case_id = $1 ORDER BY id`,
      [caseId],
    );
  const pickupCodeOf = async (caseId: string) => {
    const [row] = await intake.dataSource.query(
      `SELECT body FROM delivery.notifications WHERE case_id = $1 AND kind = 'PICKUP_CODE'`,
      [caseId],
    );
    return /取件码 (\d{6})/.exec(row.body)![1];
  };
  const collect = (
    caseId: string,
    receiptNumber: string,
    collector: { type: 'APPLICANT' | 'PROXY'; name: string; idNumber: string },
    point = POINT,
  ) => call(sys, 'POST', path(caseId, 'collected'), clerkOf(point), { receiptNumber, collector });
  const applicant = (p: Payload<'delivery.ordered'>) => ({
    type: 'APPLICANT' as const,
    name: p.applicant.name,
    idNumber: p.applicant.idNumber,
  });

  describe('window pickup', () => {
    it('dispatched to the point → arrived → collected by the applicant, each step told to intake', async () => {
      const { caseId, payload, order, dispatch } = await dispatched();
      expect(dispatch.payload).toEqual({
        method: 'WINDOW',
        trackingNumber: null,
        dispatchedAt: expect.any(String),
      });
      expect(dispatch.recipient).toEqual(intake33);
      expect(dispatch.sender).toEqual(delivery33);
      expect(dispatch.inReplyTo).toEqual({ messageId: order.id, hash: envelopeHash(order) });

      const seen = await call(sys, 'GET', path(caseId), clerkOf(POINT));
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({
        caseId,
        status: 'DISPATCHED',
        method: 'WINDOW',
        cardSerial: payload.cardSerial,
        readyAt: null,
      });
      expect(JSON.stringify(seen.body)).not.toContain(payload.applicant.idNumber);
      expect(JSON.stringify(seen.body)).not.toContain(payload.receiptNumber);

      const arrived = await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT));
      expect(arrived.status).toBe(200);
      expect(arrived.body).toMatchObject({
        status: 'READY_FOR_PICKUP',
        readyAt: expect.any(String),
      });
      const readyAt = Date.parse(arrived.body.readyAt as string);
      expect(Date.parse(arrived.body.pickupReminderDueAt as string) - readyAt).toBe(
        sys.node.config.PICKUP_REMINDER_MS,
      );
      const [arrival] = await intake.waitForSent('delivery', caseId, 'delivery.arrived');
      expect(arrival.payload).toEqual({ arrivedAt: arrived.body.readyAt });
      expect(arrival.correlationId).toBe(order.correlationId);

      // Recording the arrival again changes nothing and sends nothing.
      const again = await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT));
      expect(again).toMatchObject({ status: 200, body: { readyAt: arrived.body.readyAt } });

      const done = await collect(caseId, payload.receiptNumber, applicant(payload));
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({
        status: 'DELIVERED',
        collectedBy: 'APPLICANT',
        completedMethod: 'WINDOW',
        pickupReminderDueAt: null,
      });
      const [completed] = await intake.waitForSent('delivery', caseId, 'delivery.completed');
      expect(completed.payload).toEqual({
        method: 'WINDOW',
        collectedBy: 'APPLICANT',
        completedAt: done.body.completedAt,
      });
      expect((await sentTypes(caseId)).sort()).toEqual([
        'delivery.arrived',
        'delivery.completed',
        'delivery.dispatched',
      ]);
      expect(await events(caseId)).toEqual([
        {
          event: 'DISPATCHED',
          from_status: null,
          to_status: 'DISPATCHED',
          actor: `message:${order.id}`,
        },
        {
          event: 'ARRIVED',
          from_status: 'DISPATCHED',
          to_status: 'READY_FOR_PICKUP',
          actor: `clerk@${POINT}`,
        },
        {
          event: 'COLLECTED',
          from_status: 'READY_FOR_PICKUP',
          to_status: 'DELIVERED',
          actor: `clerk@${POINT}`,
        },
      ]);
      // Handed over: a later arrival is a conflict.
      expect((await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT))).status).toBe(409);
    });

    it('the proxy named at intake collects with matching name and ID number', async () => {
      const { caseId, payload } = await dispatched({ proxy: true });
      await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT));
      const res = await collect(caseId, payload.receiptNumber, {
        type: 'PROXY',
        name: payload.proxy!.name,
        idNumber: payload.proxy!.idNumber,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'DELIVERED', collectedBy: 'PROXY' });
      const [completed] = await intake.waitForSent('delivery', caseId, 'delivery.completed');
      expect(completed.payload).toMatchObject({ method: 'WINDOW', collectedBy: 'PROXY' });
    });

    it("refuses a wrong receipt number (audited), an unnamed proxy and someone else's ID number, changing nothing", async () => {
      const { caseId, payload } = await dispatched();
      await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT));
      await intake.waitForSent('delivery', caseId, 'delivery.arrived');
      const before = { sent: await sentTypes(caseId), events: await events(caseId) };

      const wrongReceipt = await collect(caseId, `${payload.receiptNumber}9`, applicant(payload));
      expect(wrongReceipt.status).toBe(422);
      expect(wrongReceipt.body).toMatchObject({
        statusCode: 422,
        error: 'Unprocessable Entity',
        details: [{ field: 'receiptNumber', rule: 'receipt.mismatch' }],
      });

      const unnamedProxy = await collect(caseId, payload.receiptNumber, {
        type: 'PROXY',
        name: '某代领人',
        idNumber: payload.applicant.idNumber.replace(/^\d{6}/, '330402'),
      });
      expect(unnamedProxy.status).toBe(422);
      expect(unnamedProxy.body).toMatchObject({
        details: [{ field: 'collector', rule: 'collector.proxyNotNamed' }],
      });

      const notApplicant = await collect(caseId, payload.receiptNumber, {
        ...applicant(payload),
        idNumber: '11010519491231002X',
      });
      expect(notApplicant.status).toBe(422);
      expect(notApplicant.body).toMatchObject({ details: [{ field: 'collector.idNumber' }] });
      expect(JSON.stringify(notApplicant.body)).not.toContain('11010519491231002X');

      const invalid = await call(sys, 'POST', path(caseId, 'collected'), clerkOf(POINT), {
        receiptNumber: payload.receiptNumber,
        collector: { type: 'NEIGHBOUR', name: 'x', idNumber: '123' },
        extra: true,
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.message).toMatch(/collector\.type/);

      expect(await sentTypes(caseId)).toEqual(before.sent);
      // The wrong receipt number is in the audit trail (guessing is counted); nothing else is.
      expect(await events(caseId)).toEqual([
        ...before.events,
        {
          event: 'RECEIPT_NUMBER_WRONG',
          from_status: 'READY_FOR_PICKUP',
          to_status: 'READY_FOR_PICKUP',
          actor: expect.any(String),
        },
      ]);
      expect((await call(sys, 'GET', path(caseId), clerkOf(POINT))).body.status).toBe(
        'READY_FOR_PICKUP',
      );
    });

    it('after 5 wrong receipt numbers the delivery refuses even the right one (429, Retry-After) until the lock ends', async () => {
      const { caseId, payload } = await dispatched();
      await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT));
      await intake.waitForSent('delivery', caseId, 'delivery.arrived');
      for (let i = 0; i < 5; i++) {
        const wrong = await collect(caseId, `${payload.receiptNumber}${i}`, applicant(payload));
        expect(wrong.status).toBe(422);
      }
      const locked = await collect(caseId, payload.receiptNumber, applicant(payload));
      expect(locked.status).toBe(429);
      expect(Number(locked.retryAfter)).toBeGreaterThan(800);
      expect(locked.body).toMatchObject({
        statusCode: 429,
        details: [{ rule: 'delivery.secretLocked' }],
      });
      expect(locked.body).not.toHaveProperty('retryAfterSeconds');
      expect((await events(caseId)).map((e: { event: string }) => e.event)).toEqual([
        'DISPATCHED',
        'ARRIVED',
        ...Array(5).fill('RECEIPT_NUMBER_WRONG'),
        'SECRET_LOCKED',
        'SECRET_REFUSED_LOCKED',
      ]);
      expect(await sentTypes(caseId)).not.toContain('delivery.completed');
      // The lock runs out (moved into the past here): the right receipt number hands the card over.
      await intake.dataSource.query(
        `UPDATE delivery.deliveries SET secret_locked_until = now() - interval '1 second' WHERE case_id = $1`,
        [caseId],
      );
      const collected = await collect(caseId, payload.receiptNumber, applicant(payload));
      expect(collected.status).toBe(200);
      expect(collected.body.status).toBe('DELIVERED');
      const [row] = await intake.dataSource.query(
        `SELECT secret_failures, secret_locked_until FROM delivery.deliveries WHERE case_id = $1`,
        [caseId],
      );
      expect(row).toEqual({ secret_failures: 0, secret_locked_until: null });
    });

    it('cannot collect a card that has not arrived (409)', async () => {
      const { caseId, payload } = await dispatched();
      const res = await collect(caseId, payload.receiptNumber, applicant(payload));
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/record its arrival first/);
    });

    it('a clerk of another point gets 404, another role 403; nothing changes', async () => {
      const { caseId, payload } = await dispatched();
      for (const [method, action, body] of [
        ['GET', '', undefined],
        ['POST', 'arrived', undefined],
        [
          'POST',
          'collected',
          { receiptNumber: payload.receiptNumber, collector: applicant(payload) },
        ],
      ] as const) {
        const res = await call(sys, method, path(caseId, action), clerkOf(OTHER_POINT), body);
        expect(res.status).toBe(404);
        expect(res.body.message).toContain(OTHER_POINT);
      }
      expect((await call(sys, 'POST', path(caseId, 'arrived'), courierOf('33'))).status).toBe(403);
      expect((await call(sys, 'GET', path(caseId), opsOf('33'))).status).toBe(200);
      expect((await call(sys, 'GET', path(caseId), opsOf('34'))).status).toBe(404);
      expect((await call(sys, 'GET', path(randomUUID()), clerkOf(POINT))).status).toBe(404);
      expect(await sentTypes(caseId)).toEqual(['delivery.dispatched']);
    });
  });

  describe('postal delivery', () => {
    it('dispatched with a tracking number; a wrong pickup code is refused, the right one completes it', async () => {
      const { caseId, dispatch } = await dispatched({ method: 'POST' });
      const trackingNumber = (dispatch.payload as { trackingNumber: string }).trackingNumber;
      expect(dispatch.payload).toMatchObject({ method: 'POST' });
      expect(isValidTrackingNumber(trackingNumber)).toBe(true);
      const code = await pickupCodeOf(caseId);
      const [row] = await intake.dataSource.query(
        `SELECT pickup_code_hash FROM delivery.deliveries WHERE case_id = $1`,
        [caseId],
      );
      expect(row.pickup_code_hash).not.toContain(code);

      // Still with the courier: the clerk cannot record an arrival.
      expect((await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT))).status).toBe(409);

      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const wrong = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'DELIVERED',
        pickupCode: wrongCode,
      });
      expect(wrong.status).toBe(422);
      expect(wrong.body).toMatchObject({
        details: [{ field: 'pickupCode', rule: 'pickupCode.mismatch' }],
      });
      expect(await sentTypes(caseId)).toEqual(['delivery.dispatched']);

      const right = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'DELIVERED',
        pickupCode: code,
      });
      expect(right.status).toBe(200);
      expect(right.body).toMatchObject({
        status: 'DELIVERED',
        trackingNumber,
        collectedBy: 'ADDRESSEE',
        completedMethod: 'POST',
      });
      const [completed] = await intake.waitForSent('delivery', caseId, 'delivery.completed');
      expect(completed.payload).toEqual({
        method: 'POST',
        collectedBy: 'ADDRESSEE',
        completedAt: right.body.completedAt,
      });

      // The courier's system calls back again: same answer, no second message.
      const repeat = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'DELIVERED',
        pickupCode: code,
      });
      expect(repeat).toEqual(right);
      const late = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'RETURNED',
        reason: 'nobody home',
      });
      expect(late.status).toBe(409);
      expect((await sentTypes(caseId)).sort()).toEqual([
        'delivery.completed',
        'delivery.dispatched',
      ]);
    });

    it('a courier guessing pickup codes is stopped after 5 wrong ones: the right code is then refused (429) and nothing is delivered', async () => {
      const { caseId } = await dispatched({ method: 'POST' });
      const code = await pickupCodeOf(caseId);
      const deliver = (pickupCode: string) =>
        call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
          event: 'DELIVERED',
          pickupCode,
        });
      let guess = Number(code);
      for (let i = 0; i < 5; i++) {
        guess = (guess + 1) % 1_000_000;
        expect((await deliver(String(guess).padStart(6, '0'))).status).toBe(422);
      }
      const right = await deliver(code);
      expect(right.status).toBe(429);
      expect(right.retryAfter).toMatch(/^\d+$/);
      expect((await call(sys, 'GET', path(caseId), clerkOf(POINT))).body.status).toBe('DISPATCHED');
      expect(await sentTypes(caseId)).toEqual(['delivery.dispatched']);
      const trail = (await events(caseId)).map((e: { event: string }) => e.event);
      expect(trail.filter((e: string) => e === 'PICKUP_CODE_WRONG')).toHaveLength(5);
      expect(trail.slice(-2)).toEqual(['SECRET_LOCKED', 'SECRET_REFUSED_LOCKED']);
    });

    it('RETURNED → the card goes to the point → arrived → collected at the window', async () => {
      const { caseId, payload } = await dispatched({ method: 'POST' });
      const returned = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'RETURNED',
        reason: 'addressee moved away',
      });
      expect(returned.status).toBe(200);
      expect(returned.body).toMatchObject({ status: 'RETURNED', postalReturned: true });
      const [message] = await intake.waitForSent('delivery', caseId, 'delivery.returned');
      expect(message.payload).toEqual({
        reason: 'addressee moved away',
        returnedAt: returned.body.returnedAt,
      });
      const repeat = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'RETURNED',
        reason: 'addressee moved away',
      });
      expect(repeat).toEqual(returned);

      // The code no longer closes the delivery: the card is on its way to the window.
      const code = await pickupCodeOf(caseId);
      const afterReturn = await call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
        event: 'DELIVERED',
        pickupCode: code,
      });
      expect(afterReturn.status).toBe(409);

      const arrived = await call(sys, 'POST', path(caseId, 'arrived'), clerkOf(POINT));
      expect(arrived.status).toBe(200);
      expect(arrived.body).toMatchObject({ status: 'READY_FOR_PICKUP', postalReturned: true });
      await intake.waitForSent('delivery', caseId, 'delivery.arrived');

      const done = await collect(caseId, payload.receiptNumber, applicant(payload));
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({
        status: 'DELIVERED',
        method: 'POST',
        completedMethod: 'WINDOW',
        collectedBy: 'APPLICANT',
      });
      const [completed] = await intake.waitForSent('delivery', caseId, 'delivery.completed');
      expect(completed.payload).toMatchObject({ method: 'WINDOW', collectedBy: 'APPLICANT' });
      expect((await sentTypes(caseId)).sort()).toEqual([
        'delivery.arrived',
        'delivery.completed',
        'delivery.dispatched',
        'delivery.returned',
      ]);
      expect((await events(caseId)).map((e: { event: string }) => e.event)).toEqual([
        'DISPATCHED',
        'RETURNED',
        'ARRIVED',
        'COLLECTED',
      ]);
    });

    it('concurrent identical courier callbacks send one message', async () => {
      const { caseId } = await dispatched({ method: 'POST' });
      const code = await pickupCodeOf(caseId);
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          call(sys, 'POST', path(caseId, 'courier'), courierOf('33'), {
            event: 'DELIVERED',
            pickupCode: code,
          }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(results.map((r) => r.body.completedAt)).size).toBe(1);
      expect((await sentTypes(caseId)).filter((t) => t === 'delivery.completed')).toHaveLength(1);
    });

    it('courier rules: another province 404, a clerk 403, a window delivery 409, a missing code 400', async () => {
      const post = await dispatched({ method: 'POST' });
      const code = await pickupCodeOf(post.caseId);
      const body = { event: 'DELIVERED', pickupCode: code };
      expect(
        (await call(sys, 'POST', path(post.caseId, 'courier'), courierOf('34'), body)).status,
      ).toBe(404);
      expect(
        (await call(sys, 'POST', path(post.caseId, 'courier'), clerkOf(POINT), body)).status,
      ).toBe(403);
      const missing = await call(sys, 'POST', path(post.caseId, 'courier'), courierOf('33'), {
        event: 'DELIVERED',
      });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/pickupCode/);
      const window = await dispatched();
      const res = await call(sys, 'POST', path(window.caseId, 'courier'), courierOf('33'), {
        event: 'RETURNED',
        reason: 'x',
      });
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/not a postal delivery/);
    });
  });

  describe('orders', () => {
    it('a repeated order makes no second delivery and re-announces the same dispatch', async () => {
      const { caseId, payload, dispatch } = await dispatched({ method: 'POST' });
      const again = await intake.send('delivery.ordered', {
        caseId,
        payload,
        from: intake33,
        to: delivery33,
      });
      const dispatches = await intake.waitForSent('delivery', caseId, 'delivery.dispatched', 2);
      const reannounced = dispatches.find((d) => d.inReplyTo?.messageId === again.id) as Envelope;
      expect(reannounced.payload).toEqual(dispatch.payload);
      const [{ n }] = await intake.dataSource.query(
        `SELECT count(*)::int AS n FROM delivery.deliveries WHERE case_id = $1`,
        [caseId],
      );
      expect(n).toBe(1);
      const [{ sms }] = await intake.dataSource.query(
        `SELECT count(*)::int AS sms FROM delivery.notifications WHERE case_id = $1`,
        [caseId],
      );
      expect(sms).toBe(1);
    });

    it('an order costs few round trips: the delivery, its message, audit row and SMS in one statement', async () => {
      const statements = recordStatements();
      try {
        const window = await dispatched();
        const post = await dispatched({ method: 'POST' });
        // The opening with the read of an existing delivery (BEGIN, the case's lock, the inbox,
        // the delivery: one round trip), (a postal delivery's tracking number,) then the delivery
        // with its message, audit row (and SMS) in one statement, sent with the COMMIT.
        expect(statements.handlingOf(window.order.id)).toHaveLength(2);
        expect(statements.handlingOf(post.order.id)).toHaveLength(3);
        expect(statements.handlingOf(post.order.id)).toEqual([
          expect.stringMatching(
            /^START TRANSACTION; SELECT pg_advisory_xact_lock.*"delivery"\.inbox .*; SELECT d\.\* FROM delivery\.deliveries d WHERE d\.case_id = \$1$/s,
          ),
          expect.stringMatching(/^SELECT nextval/),
          expect.stringMatching(/^WITH .*delivery_events.*notifications.*; COMMIT$/),
        ]);
      } finally {
        statements.restore();
      }
    });

    it('refuses (dead-letters) an order from intake of another province and a POST order without address', async () => {
      const foreignCase = randomUUID();
      const foreign = await intake.send('delivery.ordered', {
        caseId: foreignCase,
        payload: deliveryOrder(),
        from: { service: 'intake', province: '34' },
        to: delivery33,
      });
      const noAddressCase = randomUUID();
      await intake.send('delivery.ordered', {
        caseId: noAddressCase,
        payload: { ...deliveryOrder({ method: 'POST' }), postal: null },
        from: intake33,
        to: delivery33,
      });
      const [letter] = await waitFor(
        'a dead letter',
        () => intake.deadLetters('delivery', foreignCase),
        (rows) => rows.length === 1,
      );
      expect(letter).toMatchObject({ reason: 'PARTY_MISMATCH', message_id: foreign.id });
      expect(letter.error).toMatch(/sender 34 \(intake\) is not the residence intake of this case/);
      const [noAddress] = await waitFor(
        'a dead letter',
        () => intake.deadLetters('delivery', noAddressCase),
        (rows) => rows.length === 1,
      );
      expect(noAddress.error).toMatch(/method POST carries no postal/);
      for (const caseId of [foreignCase, noAddressCase]) {
        expect(await sentTypes(caseId)).toEqual([]);
        expect((await call(sys, 'GET', path(caseId), clerkOf(POINT))).status).toBe(404);
      }
    });
  });
});
