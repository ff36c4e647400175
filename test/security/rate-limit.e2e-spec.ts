import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { authHeaders } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';

/**
 * The per-subject limit (RATE_LIMIT_PER_MINUTE), checked after the token is verified and counted
 * in Redis, so it holds across nodes.
 */
describe('security: rate limit per token subject', () => {
  let system: TestSystem;
  let second: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '0',
      RATE_LIMIT_PER_MINUTE: '3',
    });
    // A second node of the same deployment (same exchange and prefix) behind the same "balancer".
    second = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '0',
      RATE_LIMIT_PER_MINUTE: '3',
      QUEUE_PREFIX: system.queuePrefix,
    });
  });

  afterAll(async () => {
    await second?.close();
    await system?.close();
  });

  const eligibility = (subject: string, url = system.url) =>
    fetch(`${url}/api/v1/eligibility?residence=330402&hukou=340104`, {
      headers: authHeaders({ role: 'clerk', point: '330402-01', subject }),
    });

  it('answers 429 in the JSON error format once a subject spent its budget; others are not affected', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await eligibility('busy-clerk')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await eligibility('busy-clerk');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'rate limit of 3 requests per minute exceeded',
    });
    expect((await eligibility('another-clerk')).status).toBe(200);
    // Health stays reachable (no token, no bucket).
    expect((await fetch(`${system.url}/health/live`)).status).toBe(200);
  });

  it('two nodes together allow the configured rate once, not twice', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await eligibility('roaming-clerk', system.url)).status);
      statuses.push((await eligibility('roaming-clerk', second.url)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const fromSecond = await eligibility('roaming-clerk', second.url);
    expect(fromSecond.status).toBe(429);
    expect(fromSecond.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
