import { ALL_FEATURES } from '../../apps/all-in-one/src/features';
import { opsFeature } from '../../apps/ops/src/ops.feature';
import { startTestSystem, TestSystem } from '../support/system';
import { call } from './support/ops-system';

/** Ops composed with every service in one node, as all-in-one would run it. */
describe('ops beside every service in one node (e2e)', () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem([...ALL_FEATURES, opsFeature], {
      PROVINCES: '31,34',
      RECONCILE_INTERVAL_MS: '0',
    });
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('serves its page, its API and the board next to the services', async () => {
    expect((await fetch(`${sys.url}/ops`)).status).toBe(200);
    const stats = await call<{ total: number }>(sys.url, 'GET', '/api/v1/ops/stats/statuses');
    expect(stats.status).toBe(200);
    expect(stats.body.total).toBe(0);
    const letters = await call<{ bySchema: { schema: string; available: boolean }[] }>(
      sys.url,
      'GET',
      '/api/v1/ops/dead-letters',
    );
    // Every service's schema; `ops` (the national node's) only where OPS_NATIONAL=true.
    expect(letters.body.bySchema.filter((s) => !s.available).map((s) => s.schema)).toEqual(['ops']);
    expect((await call(sys.url, 'GET', '/api/v1/ops/cases/stuck')).status).toBe(200);
    const queues = await call<{ served: number }>(sys.url, 'GET', '/api/v1/ops/queues');
    expect(queues.body.served).toBe(8);
  });
});
