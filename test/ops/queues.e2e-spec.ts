import { BullMqClient, Envelope } from '@app/messaging';
import { toMermaid } from '@app/workflow';
import { authHeaders } from '../support/auth';
import { TEST_REDIS_URL } from '../support/database';
import { writeCurrent } from './support/dataset';
import { anEnvelope, aReviewPayload, CaseFactory } from './support/fixtures';
import { AUDITOR, call, OPS, OpsSystem, startOpsSystem } from './support/ops-system';

interface Depth {
  name: string;
  service: string;
  province: string;
  provinceName: string;
  exists: boolean;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingAgeMs: number | null;
}
interface Depths {
  served: number;
  prefix: string;
  totals: { waiting: number; delayed: number };
  queues: Depth[];
}

/** Queue depth API, the bull-board at /ops/queues, the workflow API, metrics and the page's files. */
describe('ops queues, board, workflow, metrics (e2e)', () => {
  let ops: OpsSystem;
  let client: BullMqClient;
  let review: ReturnType<typeof aReviewPayload>;
  let envelope: Envelope;

  beforeAll(async () => {
    ops = await startOpsSystem({ PROVINCES: '31,34' });
    client = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: ops.sys.queuePrefix,
      retry: { attempts: 1, backoffMs: 50 },
    });
    review = aReviewPayload();
    envelope = anEnvelope('review.requested', {
      from: { province: '31', service: 'intake' },
      to: { province: '34', service: 'verification' },
      payload: review.payload,
    });
    const timer = anEnvelope('case.timer', {
      from: { province: '31', service: 'intake' },
      to: { province: '31', service: 'intake' },
      payload: { kind: 'REVIEW_DEADLINE', dueAt: new Date().toISOString() },
    });
    await client.publish([
      { envelope, jobId: envelope.id },
      { envelope: timer, jobId: timer.id, delayMs: 3_600_000 },
    ]);
  });
  afterAll(async () => {
    await client?.close();
    await ops?.close();
  });

  it('reports depth and age of the oldest waiting job for the queues that exist', async () => {
    const { status, body } = await call<Depths>(ops.url, 'GET', '/api/v1/ops/queues');
    expect(status).toBe(200);
    expect(body.served).toBe(8); // 4 services × provinces 31 and 34
    expect(body.prefix).toBe(ops.sys.queuePrefix);
    expect(body.queues.map((q) => q.name).sort()).toEqual(['{intake.31}', '{verification.34}']);
    const verification = body.queues.find((q) => q.name === '{verification.34}')!;
    expect(verification).toMatchObject({
      service: 'verification',
      province: '34',
      provinceName: '安徽省',
      exists: true,
      waiting: 1,
      delayed: 0,
    });
    expect(verification.oldestWaitingAgeMs).toBeGreaterThanOrEqual(0);
    expect(verification.oldestWaitingAgeMs).toBeLessThan(60_000);
    expect(body.queues.find((q) => q.name === '{intake.31}')).toMatchObject({
      waiting: 0,
      delayed: 1,
      oldestWaitingAgeMs: null,
    });
    expect(body.totals).toMatchObject({ waiting: 1, delayed: 1 });
  });

  it('lists every served queue with ?all=true, and one province with ?province=', async () => {
    const all = await call<Depths>(ops.url, 'GET', '/api/v1/ops/queues?all=true');
    expect(all.body.queues).toHaveLength(8);
    expect(all.body.queues.filter((q) => !q.exists)).toHaveLength(6);
    const p34 = await call<Depths>(ops.url, 'GET', '/api/v1/ops/queues?all=true&province=34');
    expect(p34.body.queues.map((q) => q.province)).toEqual(['34', '34', '34', '34']);
  });

  it('serves the queue board read-only, to a bearer token of ops or auditor only', async () => {
    const anonymous = await fetch(`${ops.url}/ops/queues`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const clerk = await fetch(`${ops.url}/ops/queues`, {
      headers: authHeaders({ role: 'clerk', point: '310101-01' }),
    });
    expect(clerk.status).toBe(403);
    const page = await fetch(`${ops.url}/ops/queues`, { headers: authHeaders(AUDITOR) });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"');
    // bull-board's own express app must not announce itself; the node's security headers apply
    for (const res of [anonymous, clerk, page]) {
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const asset = await fetch(`${ops.url}/ops/queues/static/js/${'x'}.js`, {
      headers: authHeaders(AUDITOR),
    });
    expect(asset.headers.get('x-powered-by')).toBeNull();
    const write = await fetch(`${ops.url}/ops/queues/api/queues/pause`, {
      method: 'PUT',
      headers: authHeaders(OPS),
    });
    expect(write.status).toBe(405);
  });

  it('shows job data on the board with the payload values withheld', async () => {
    const res = await fetch(
      `${ops.url}/ops/queues/api/queues?activeQueue=${encodeURIComponent('{verification.34}')}&status=waiting&page=1`,
      { headers: authHeaders(OPS) },
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as {
      queues: { name: string; readOnlyMode: boolean; jobs: { data: unknown }[] }[];
    };
    expect(body.queues).toHaveLength(8);
    const queue = body.queues.find((q) => q.name === '{verification.34}')!;
    expect(queue.readOnlyMode).toBe(true);
    expect(queue.jobs[0].data).toMatchObject({
      id: envelope.id,
      type: 'review.requested',
      payload: { safe: { round: 1 } },
    });
    for (const s of [review.idNumber, review.name, envelope.signature])
      expect(text).not.toContain(s);
  });

  it('lets the ops page open the board with an HttpOnly cookie', async () => {
    const open = await call(ops.url, 'POST', '/api/v1/ops/queue-board/session', OPS);
    expect(open.status).toBe(204);
    const cookie = open.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      /^ops_board_token=[^;]+; Max-Age=\d+; Path=\/ops\/queues; Expires=.*HttpOnly; SameSite=Strict$/,
    );
    const page = await fetch(`${ops.url}/ops/queues`, {
      headers: { cookie: cookie.split(';')[0] },
    });
    expect(page.status).toBe(200);
    const tampered = await fetch(`${ops.url}/ops/queues`, {
      headers: { cookie: `${cookie.split(';')[0]}x` },
    });
    expect(tampered.status).toBe(401);
    const anonymous = await call(ops.url, 'POST', '/api/v1/ops/queue-board/session', null);
    expect(anonymous.status).toBe(401);
    const close = await call(ops.url, 'DELETE', '/api/v1/ops/queue-board/session', OPS);
    expect(close.status).toBe(204);
    expect(close.headers.get('set-cookie')).toMatch(/^ops_board_token=;/);
  });

  it('serves the state machine as toMermaid() text, statuses and transitions', async () => {
    const { status, body } = await call<{
      mermaid: string;
      statuses: { status: string; terminal: boolean }[];
      transitions: { from: string; to: string; event: string }[];
    }>(ops.url, 'GET', '/api/v1/ops/workflow', AUDITOR);
    expect(status).toBe(200);
    expect(body.mermaid).toBe(toMermaid());
    expect(body.statuses).toHaveLength(11);
    expect(body.statuses.filter((s) => s.terminal).map((s) => s.status)).toEqual([
      'REFUSED',
      'DELIVERED',
      'CANCELLED',
    ]);
    expect(body.transitions).toContainEqual(
      expect.objectContaining({ from: 'UNDER_REVIEW', to: 'APPROVED', event: 'REVIEW_APPROVED' }),
    );
  });

  it('adds case gauges to /metrics, read from PostgreSQL', async () => {
    await writeCurrent(new CaseFactory(ops.dataSource), Date.now());
    const res = await fetch(`${ops.url}/metrics`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/^idcard_ops_cases\{status="UNDER_REVIEW"\} 2$/m);
    expect(text).toMatch(/^idcard_ops_cases\{status="DELIVERED"\} 1$/m);
    expect(text).toMatch(/^idcard_ops_deadline_breaches\{deadline="review"\} 3$/m);
    expect(text).toMatch(/^idcard_ops_deadline_breaches\{deadline="promise"\} 3$/m);
    expect(text).toMatch(/^idcard_ops_deadline_breaches\{deadline="statutory"\} 2$/m);
    expect(text).toMatch(/^idcard_ops_stuck_cases 6$/m);
    expect(text).toMatch(/^idcard_ops_dead_letters_unreplayed\{schema="verification"\} 0$/m);
  });

  it('serves the dashboard page and its assets without a token, and nothing else', async () => {
    const page = await fetch(`${ops.url}/ops`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/ops/assets/ops.js');
    for (const asset of ['ops.js', 'ops.css', 'chart.umd.min.js', 'mermaid.min.js']) {
      const res = await fetch(`${ops.url}/ops/assets/${asset}`);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    expect((await fetch(`${ops.url}/ops/assets/..%2Fops.feature.ts`)).status).toBe(404);
    expect((await fetch(`${ops.url}/ops/assets/index.html`)).status).toBe(404);
    expect((await fetch(`${ops.url}/ops/assets/constructor`)).status).toBe(404);
  });
});
