import { randomUUID } from 'node:crypto';
import { productionFeature } from '../../apps/production/src/production.feature';
import { CARD_SERIAL_PATTERN } from '../../apps/production/src/cards/card-serial';
import { envelopeHash } from '@app/messaging';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { call, clerkOf, IntakeStub, opsOf, productionOrder } from './intake-stub';

/** The production centre of province 33 alone, fed by a stand-in for intake over the real queues. */
describe('production centre (e2e)', () => {
  let sys: TestSystem;
  let intake: IntakeStub;
  const intake33 = { service: 'intake', province: '33' };
  const production33 = { service: 'production', province: '33' };

  beforeAll(async () => {
    sys = await startTestSystem([productionFeature], { PROVINCES: '33', MESSAGE_ATTEMPTS: '2' });
    intake = new IntakeStub(sys, ['33', '34']);
  });
  afterAll(async () => {
    await intake?.close();
    await sys?.close();
  });

  const order = (caseId: string, payload = productionOrder()) =>
    intake.send('production.ordered', { caseId, payload, from: intake33, to: production33 });
  const cards = (caseId: string) =>
    intake.dataSource.query(
      `SELECT *, birth_date::text AS birth_date, issue_date::text AS issue_date,
              valid_from::text AS valid_from, valid_until::text AS valid_until
       FROM production.cards WHERE case_id = $1`,
      [caseId],
    );
  const attempts = (caseId: string) =>
    intake.dataSource.query(
      `SELECT attempt, outcome, failure_reason FROM production.card_attempts WHERE case_id = $1 ORDER BY attempt`,
      [caseId],
    );

  it('makes the card of an order: started, then completed with the serial, as replies to the order', async () => {
    const caseId = randomUUID();
    const payload = productionOrder();
    const sent = await order(caseId, payload);

    const [completed] = await intake.waitForSent('production', caseId, 'production.completed');
    const types = (await intake.sent('production', caseId)).map((r) => r.type);
    expect(types.sort()).toEqual(['production.completed', 'production.started']);
    const [started] = await intake.waitForSent('production', caseId, 'production.started');
    expect(started.payload).toEqual({ attempt: 1, startedAt: expect.any(String) });
    expect(completed.payload).toEqual({
      cardSerial: expect.stringMatching(CARD_SERIAL_PATTERN),
      attempts: 1,
      producedAt: expect.any(String),
    });
    for (const reply of [started, completed]) {
      expect(reply.sender).toEqual(production33);
      expect(reply.recipient).toEqual(intake33);
      expect(reply.correlationId).toBe(sent.correlationId);
      expect(reply.causationId).toBe(sent.id);
      expect(reply.inReplyTo).toEqual({ messageId: sent.id, hash: envelopeHash(sent) });
    }

    const [card] = await cards(caseId);
    expect(card).toMatchObject({
      status: 'PRODUCED',
      province: '33',
      serial: (completed.payload as { cardSerial: string }).cardSerial,
      receipt_number: payload.receiptNumber,
      acceptance_point: '330402-01',
      id_number: payload.applicant.idNumber,
      name: payload.applicant.name,
      sex: 'F',
      birth_date: '2009-06-15',
      issuing_authority: '合肥市公安局蜀山分局',
      issuing_authority_code: '340104',
      issue_date: '2025-05-27',
      valid_from: '2025-05-27',
      valid_until: '2030-05-27',
      validity_years: 5,
      address: payload.issue.address,
      photo_id: payload.photoId,
      attempts: 1,
      order_message_id: sent.id,
    });
    expect(await attempts(caseId)).toEqual([
      { attempt: 1, outcome: 'PASSED', failure_reason: null },
    ]);
  });

  it('a repeated order for the same case makes no second card and re-announces the same serial', async () => {
    const caseId = randomUUID();
    const payload = productionOrder();
    await order(caseId, payload);
    const [first] = await intake.waitForSent('production', caseId, 'production.completed');
    const again = await order(caseId, payload); // a new message id, the same case (a reorder)
    const completions = await intake.waitForSent('production', caseId, 'production.completed', 2);

    expect(await cards(caseId)).toHaveLength(1);
    expect(await attempts(caseId)).toHaveLength(1);
    const second = completions.find((c) => c.inReplyTo?.messageId === again.id)!;
    expect(second.payload).toEqual(first.payload);
    expect(
      (await intake.waitForSent('production', caseId, 'production.started', 2)).find(
        (s) => s.inReplyTo?.messageId === again.id,
      )?.payload,
    ).toEqual({ attempt: 1, startedAt: (await cards(caseId))[0].started_at.toISOString() });
  });

  it('two different orders for one case handled at the same time still make one card', async () => {
    const caseId = randomUUID();
    const payload = productionOrder();
    const a = intake.envelope('production.ordered', {
      caseId,
      payload,
      from: intake33,
      to: production33,
    });
    const b = intake.envelope('production.ordered', {
      caseId,
      payload,
      from: intake33,
      to: production33,
    });
    await intake.publish(a, b);
    await intake.waitForSent('production', caseId, 'production.completed', 2);
    const [card] = await cards(caseId);
    expect(await cards(caseId)).toHaveLength(1);
    const serials = (await intake.waitForSent('production', caseId, 'production.completed', 2)).map(
      (c) => (c.payload as { cardSerial: string }).cardSerial,
    );
    expect(serials).toEqual([card.serial, card.serial]);
  });

  it('a redelivered order (same message id) changes nothing', async () => {
    const caseId = randomUUID();
    const sent = await order(caseId);
    await intake.waitForSent('production', caseId, 'production.completed');
    await intake.redeliver(sent);
    await intake.redeliver(sent);
    await intake.waitForQueueIdle(production33);
    expect((await intake.sent('production', caseId)).map((r) => r.type).sort()).toEqual([
      'production.completed',
      'production.started',
    ]);
  });

  it('a cancellation before the order is remembered: the later order is ignored', async () => {
    const caseId = randomUUID();
    const cancel = await intake.send('production.cancelled', {
      caseId,
      payload: { reason: 'applicant withdrew' },
      from: intake33,
      to: production33,
    });
    await intake.waitForHandled('production', cancel.id);
    const late = await order(caseId);
    await intake.waitForHandled('production', late.id);
    expect(await cards(caseId)).toEqual([]);
    expect(await intake.sent('production', caseId)).toEqual([]);
    const [row] = await intake.dataSource.query(
      `SELECT reason, message_id FROM production.cancellations WHERE case_id = $1`,
      [caseId],
    );
    expect(row).toEqual({ reason: 'applicant withdrew', message_id: cancel.id });
  });

  it('a withdrawal that arrives after the card was made voids it; a repeated order then sends nothing', async () => {
    const caseId = randomUUID();
    await order(caseId);
    await intake.waitForSent('production', caseId, 'production.completed');
    const cancel = await intake.send('production.cancelled', {
      caseId,
      payload: { reason: 'too late' },
      from: intake33,
      to: production33,
    });
    await intake.waitForHandled('production', cancel.id);
    expect((await cards(caseId))[0].status).toBe('VOIDED');
    const [card] = await intake.dataSource.query(
      `SELECT void_reason, voided_at FROM production.cards WHERE case_id = $1`,
      [caseId],
    );
    expect(card.void_reason).toBe('too late');
    expect(card.voided_at).not.toBeNull();
    // A repeated order (the reconciler) re-announces nothing for a voided card.
    const [{ n: before }] = await intake.dataSource.query(
      `SELECT count(*)::int AS n FROM production.outbox WHERE case_id = $1`,
      [caseId],
    );
    const again = await order(caseId);
    await intake.waitForHandled('production', again.id);
    const [{ n: after }] = await intake.dataSource.query(
      `SELECT count(*)::int AS n FROM production.outbox WHERE case_id = $1`,
      [caseId],
    );
    expect(after).toBe(before);
  });

  it('an order from intake of another province is refused (dead-lettered), nothing produced', async () => {
    const caseId = randomUUID();
    const foreign = await intake.send('production.ordered', {
      caseId,
      payload: productionOrder(),
      from: { service: 'intake', province: '34' },
      to: production33,
    });
    const [letter] = await waitFor(
      'a dead letter',
      () => intake.deadLetters('production', caseId),
      (rows) => rows.length === 1,
    );
    expect(letter).toMatchObject({ reason: 'PARTY_MISMATCH', message_id: foreign.id });
    expect(letter.error).toMatch(
      /sender 34 \(intake\) is not the residence intake of this case: production.ordered comes from intake of 33/,
    );
    expect(await cards(caseId)).toEqual([]);
    expect(await intake.sent('production', caseId)).toEqual([]);
  });

  it('an order for an acceptance point of another province is refused', async () => {
    const caseId = randomUUID();
    await order(caseId, productionOrder('340104-01'));
    const [letter] = await waitFor(
      'a dead letter',
      () => intake.deadLetters('production', caseId),
      (rows) => rows.length === 1,
    );
    expect(letter.error).toMatch(/not in province 33/);
    expect(await cards(caseId)).toEqual([]);
  });

  it('ops of the province read the card and its attempts, without personal fields; others get 404/403', async () => {
    const caseId = randomUUID();
    await order(caseId);
    const [completed] = await intake.waitForSent('production', caseId, 'production.completed');
    const res = await call(sys, 'GET', `/api/v1/production/cards/${caseId}`, opsOf('33'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      caseId,
      serial: (completed.payload as { cardSerial: string }).cardSerial,
      status: 'PRODUCED',
      attempts: [{ attempt: 1, outcome: 'PASSED', failureReason: null }],
    });
    expect(JSON.stringify(res.body)).not.toContain('测试申请人');
    expect((await call(sys, 'GET', `/api/v1/production/cards/${caseId}`, opsOf('34'))).status).toBe(
      404,
    );
    const clerk = await call(
      sys,
      'GET',
      `/api/v1/production/cards/${caseId}`,
      clerkOf('330402-01'),
    );
    expect(clerk.status).toBe(403);
  });
});
