import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { authHeaders } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';

/** The per-subject token bucket (RATE_LIMIT_PER_MINUTE), checked after the token is verified. */
describe('security: rate limit per token subject', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], {
      RECONCILE_INTERVAL_MS: '0',
      RATE_LIMIT_PER_MINUTE: '3',
    });
  });

  afterAll(async () => {
    await system?.close();
  });

  const eligibility = (subject: string) =>
    fetch(`${system.url}/api/v1/eligibility?residence=330402&hukou=340104`, {
      headers: authHeaders({ role: 'clerk', point: '330402-01', subject }),
    });

  it('answers 429 in the JSON error format once a subject spent its budget; others are not affected', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await eligibility('busy-clerk')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await eligibility('busy-clerk');
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'rate limit of 3 requests per minute exceeded',
    });
    expect((await eligibility('another-clerk')).status).toBe(200);
    // Health stays reachable (no token, no bucket).
    expect((await fetch(`${system.url}/health/live`)).status).toBe(200);
  });
});
