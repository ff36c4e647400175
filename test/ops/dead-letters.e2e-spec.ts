import { BullMqClient, DeadLetterReason, DeadLetterStore, Envelope } from '@app/messaging';
import type {
  DeadLetterPage,
  DeadLetterView,
  ReplayResponse,
} from '../../apps/ops/src/dead-letters/dead-letters.service';
import { TEST_REDIS_URL } from '../support/database';
import { anEnvelope, aReviewPayload } from './support/fixtures';
import { AUDITOR, call, OpsSystem, startOpsSystem } from './support/ops-system';

// The API's own response types: the test reads exactly what the service declares.
type Item = DeadLetterView;
type Page = DeadLetterPage;
type ReplayAnswer = ReplayResponse;

const verification34 = { province: '34', service: 'verification' };
const intake31 = { province: '31', service: 'intake' };
const production31 = { province: '31', service: 'production' };

describe('ops dead letters (e2e)', () => {
  let ops: OpsSystem;
  let client: BullMqClient;
  const personal: string[] = [];
  const letters: Record<string, { schema: string; id: string; envelope: Envelope | null }> = {};

  async function record(
    key: string,
    schema: string,
    reason: DeadLetterReason,
    envelope: unknown,
    error: string,
    queue: string,
  ): Promise<void> {
    await new DeadLetterStore(ops.dataSource, schema).record({
      queue,
      reason,
      error,
      attempts: reason === DeadLetterReason.HANDLER_FAILED ? 5 : 1,
      envelope,
    });
    const [{ id }] = await ops.dataSource.query(
      `SELECT max(id)::text AS id FROM "${schema}".dead_letters`,
    );
    letters[key] = {
      schema,
      id,
      envelope: (envelope as Envelope)?.recipient ? (envelope as Envelope) : null,
    };
  }

  beforeAll(async () => {
    ops = await startOpsSystem();
    client = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: ops.sys.queuePrefix,
      retry: { attempts: 1, backoffMs: 50 },
    });
    const review1 = aReviewPayload();
    const review2 = aReviewPayload();
    personal.push(review1.idNumber, review1.name, review2.idNumber, review2.name);
    personal.push(String((review1.payload.hukou as { address: string }).address));
    await record(
      'review1',
      'verification',
      DeadLetterReason.HANDLER_FAILED,
      anEnvelope('review.requested', {
        from: { province: '31', service: 'intake' },
        to: verification34,
        payload: review1.payload,
      }),
      `registry lookup failed for ${review1.idNumber}: connection reset`,
      '{verification.34}',
    );
    await record(
      'review2',
      'verification',
      DeadLetterReason.HANDLER_FAILED,
      anEnvelope('review.requested', {
        from: { province: '31', service: 'intake' },
        to: verification34,
        payload: review2.payload,
      }),
      'deadlock detected',
      '{verification.34}',
    );
    await record(
      'decided',
      'intake',
      DeadLetterReason.SIGNATURE,
      anEnvelope('review.decided', {
        from: { province: '34', service: 'verification' },
        to: intake31,
        payload: { round: 1, outcome: 'APPROVED', decidedAt: new Date().toISOString() },
      }),
      'signature does not verify with the key of province 34',
      '{intake.31}',
    );
    await record(
      'order',
      'production',
      DeadLetterReason.VALIDATION,
      anEnvelope('production.ordered', {
        from: intake31,
        to: production31,
        payload: { receiptNumber: 'R1', applicant: { name: review1.name } },
      }),
      'payload.photoId: Required',
      '{production.31}',
    );
    await record(
      'junk',
      'delivery',
      DeadLetterReason.MALFORMED,
      { note: 'not an envelope', name: review2.name },
      'id must be a uuid',
      '{delivery.31}',
    );
  });
  afterAll(async () => {
    await client?.close();
    await ops?.close();
  });

  const list = (query = '', caller = undefined as typeof AUDITOR | undefined) =>
    call<Page>(ops.url, 'GET', `/api/v1/ops/dead-letters${query}`, caller);
  const replay = (items: { schema: string; id: string }[], caller = undefined) =>
    call<ReplayAnswer>(ops.url, 'POST', '/api/v1/ops/dead-letters/replay', caller, { items });

  it('lists the dead letters of every service schema, newest first, with reason, type, case, error, attempts', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    expect(body.total).toBe(5);
    expect(body.bySchema).toEqual([
      { schema: 'intake', available: true, matching: 1, unreplayed: 1 },
      { schema: 'verification', available: true, matching: 2, unreplayed: 2 },
      { schema: 'production', available: true, matching: 1, unreplayed: 1 },
      { schema: 'delivery', available: true, matching: 1, unreplayed: 1 },
      // The national operations node's schema: not in this database.
      { schema: 'ops', available: false, matching: 0, unreplayed: 0 },
    ]);
    const created = body.items.map((i) => i.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const first = body.items.find(
      (i) => i.id === letters.review1.id && i.schema === 'verification',
    )!;
    expect(first).toMatchObject({
      queue: '{verification.34}',
      type: 'review.requested',
      reason: 'HANDLER_FAILED',
      attempts: 5,
      replayCount: 0,
      replayedAt: null,
      caseId: letters.review1.envelope!.caseId,
      messageId: letters.review1.envelope!.id,
    });
  });

  it('shows the envelope with its payload values withheld, and masks ID numbers in errors', async () => {
    const { body, text } = await list();
    for (const s of personal) expect(text).not.toContain(s);
    expect(text).not.toContain(letters.review1.envelope!.signature);
    const review = body.items.find(
      (i) => i.id === letters.review1.id && i.schema === 'verification',
    )!;
    expect(review.envelope).toMatchObject({
      id: letters.review1.envelope!.id,
      type: 'review.requested',
      sender: { province: '31', service: 'intake' },
      recipient: verification34,
      signed: true,
    });
    expect(review.envelope.payload!.fields).toEqual(
      expect.arrayContaining(['applicant', 'hukou', 'photo', 'receiptNumber']),
    );
    expect(review.envelope.payload!.safe).toEqual({
      acceptancePoint: '310101-01',
      residenceProvince: '31',
      round: 1,
    });
    expect(review.envelope.payload!.withheld).toContain('applicant');
    expect(review.error).toMatch(
      /^registry lookup failed for \d{6}\*{8}\d{3}[\dX]: connection reset$/,
    );
    const junk = body.items.find((i) => i.schema === 'delivery')!;
    expect(junk.envelope).toMatchObject({
      isObject: true,
      id: null,
      recipient: null,
      payload: null,
    });
  });

  it('filters by schema, reason, type and replayed; refuses unknown values with a 400', async () => {
    expect((await list('?schema=verification')).body.items.map((i) => i.schema)).toEqual([
      'verification',
      'verification',
    ]);
    const signature = await list('?reason=SIGNATURE');
    expect(signature.body.total).toBe(1);
    expect(signature.body.items[0]).toMatchObject({ schema: 'intake', type: 'review.decided' });
    const orders = await list('?type=production.ordered');
    expect(orders.body.items.map((i) => i.schema)).toEqual(['production']);
    expect((await list('?schema=verification&reason=SIGNATURE')).body.total).toBe(0);
    expect((await list('?replayed=false&limit=2')).body).toMatchObject({ total: 5 });
    expect((await list('?replayed=false&limit=2')).body.items).toHaveLength(2);
    expect((await list('?schema=public')).status).toBe(400);
    expect((await list('?reason=BAD')).status).toBe(400);
    expect((await list('?offset=450&limit=100')).status).toBe(400);
  });

  it('shows one dead letter, 404 for an unknown one', async () => {
    const one = await call<Item>(
      ops.url,
      'GET',
      `/api/v1/ops/dead-letters/production/${letters.order.id}`,
    );
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ schema: 'production', reason: 'VALIDATION' });
    expect(one.text).not.toContain(personal[1]);
    const missing = await call(ops.url, 'GET', '/api/v1/ops/dead-letters/production/999999');
    expect(missing.status).toBe(404);
    const bad = await call(ops.url, 'GET', '/api/v1/ops/dead-letters/production/abc');
    expect(bad.status).toBe(400);
  });

  it('replays one dead letter: the unchanged envelope is back on its queue, the row marked replayed', async () => {
    const { status, body } = await replay([{ schema: 'verification', id: letters.review1.id }]);
    expect(status).toBe(200);
    expect(body).toMatchObject({ replayed: 1, failed: 0 });
    expect(body.results[0]).toMatchObject({
      ok: true,
      queue: '{verification.34}',
      replayCount: 1,
    });
    const waiting = await client.queueFor('{verification.34}').getWaiting();
    const job = waiting.find((j) => (j.data as Envelope).id === letters.review1.envelope!.id);
    expect(job).toBeDefined();
    expect(job!.data).toEqual(letters.review1.envelope);
    expect(job!.name).toBe('review.requested');
    const replayed = await list('?replayed=true');
    expect(replayed.body.items).toHaveLength(1);
    expect(replayed.body.items[0]).toMatchObject({ id: letters.review1.id, replayCount: 1 });
    expect(replayed.body.items[0].replayedAt).not.toBeNull();
  });

  it('replays a selection item by item, reporting what could not be replayed', async () => {
    const { status, body } = await replay([
      { schema: 'verification', id: letters.review2.id },
      { schema: 'intake', id: letters.decided.id },
      { schema: 'delivery', id: letters.junk.id },
      { schema: 'verification', id: '999999' },
      { schema: 'intake', id: letters.decided.id },
    ]);
    expect(status).toBe(200);
    expect(body.replayed).toBe(2);
    expect(body.failed).toBe(2);
    expect(body.results.map((r) => [r.schema, r.ok, r.ok ? 200 : r.status])).toEqual([
      ['verification', true, 200],
      ['intake', true, 200],
      ['delivery', false, 422],
      ['verification', false, 404],
    ]);
    const inIntake = await client.queueFor('{intake.31}').getWaiting();
    expect(inIntake.map((j) => (j.data as Envelope).id)).toContain(letters.decided.envelope!.id);
    const counts = await client.queueFor('{verification.34}').getJobCounts('waiting');
    expect(counts.waiting).toBe(2);
    // Replaying again is allowed (a new job id each time) and counted.
    const again = await replay([{ schema: 'intake', id: letters.decided.id }]);
    expect(again.body.results[0]).toMatchObject({ ok: true, replayCount: 2 });
    expect((await client.queueFor('{intake.31}').getJobCounts('waiting')).waiting).toBe(2);
  });

  it('lets an auditor list but not replay, and validates the body', async () => {
    expect((await list('', AUDITOR)).status).toBe(200);
    const denied = await call(ops.url, 'POST', '/api/v1/ops/dead-letters/replay', AUDITOR, {
      items: [{ schema: 'verification', id: letters.review2.id }],
    });
    expect(denied.status).toBe(403);
    expect((await replay([])).status).toBe(400);
    expect((await replay([{ schema: 'public', id: '1' }])).status).toBe(400);
    expect((await replay([{ schema: 'intake', id: '1; DROP TABLE x' }])).status).toBe(400);
    const tooMany = Array.from({ length: 101 }, (_, i) => ({
      schema: 'intake',
      id: String(i + 1),
    }));
    expect((await replay(tooMany)).status).toBe(400);
    const extra = await call(ops.url, 'POST', '/api/v1/ops/dead-letters/replay', undefined, {
      items: [{ schema: 'intake', id: '1' }],
      force: true,
    });
    expect(extra.status).toBe(400);
  });

  it('says which schemas this database lacks instead of failing', async () => {
    await ops.dataSource.query('DROP SCHEMA delivery CASCADE');
    const { status, body } = await list();
    expect(status).toBe(200);
    expect(body.bySchema.find((s) => s.schema === 'delivery')).toEqual({
      schema: 'delivery',
      available: false,
      matching: 0,
      unreplayed: 0,
    });
    const r = await replay([{ schema: 'delivery', id: letters.junk.id }]);
    expect(r.body.results[0]).toMatchObject({ ok: false, status: 503 });
    const one = await call(ops.url, 'GET', `/api/v1/ops/dead-letters/delivery/${letters.junk.id}`);
    expect(one.status).toBe(503);
  });
});
