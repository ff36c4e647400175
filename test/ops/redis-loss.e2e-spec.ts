import { BullMqClient } from '@app/messaging';
import { TEST_REDIS_URL } from '../support/database';
import { deleteTestRedisKeys, testRedisKeys } from '../support/redis';
import { RESEND_AFTER_MS, writeCurrent } from './support/dataset';
import { anEnvelope, aReviewPayload, CaseFactory } from './support/fixtures';
import { call, OpsSystem, startOpsSystem } from './support/ops-system';

/** Redis is transport only: losing it (or its data) changes no figure ops reads from PostgreSQL. */
describe('ops when Redis loses its data or is down (e2e)', () => {
  describe('Redis flushed', () => {
    let ops: OpsSystem;
    let client: BullMqClient;

    beforeAll(async () => {
      ops = await startOpsSystem({ RESEND_AFTER_MS: String(RESEND_AFTER_MS) });
      await writeCurrent(new CaseFactory(ops.dataSource), Date.now());
      client = new BullMqClient({
        redisUrl: TEST_REDIS_URL,
        prefix: ops.sys.queuePrefix,
        retry: { attempts: 1, backoffMs: 50 },
      });
      const envelope = anEnvelope('review.requested', {
        from: { province: '31', service: 'intake' },
        to: { province: '34', service: 'verification' },
        payload: aReviewPayload().payload,
      });
      await client.publish([{ envelope, jobId: envelope.id }]);
    });
    afterAll(async () => {
      await client?.close();
      await ops?.close();
    });

    it('shows the queues gone and every case still there, the stuck ones listed for re-sending', async () => {
      const before = await call<{ total: number; asOf: string }>(
        ops.url,
        'GET',
        '/api/v1/ops/cases/stuck',
      );
      const queuesBefore = await call<{ queues: unknown[] }>(ops.url, 'GET', '/api/v1/ops/queues');
      expect(queuesBefore.body.queues).toHaveLength(1);

      const keys = await testRedisKeys(`${ops.sys.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      await deleteTestRedisKeys(keys);

      const queuesAfter = await call<{ queues: unknown[]; totals: { waiting: number } }>(
        ops.url,
        'GET',
        '/api/v1/ops/queues',
      );
      expect(queuesAfter.status).toBe(200);
      expect(queuesAfter.body.queues).toEqual([]);
      expect(queuesAfter.body.totals.waiting).toBe(0);
      const after = await call<{ total: number; asOf: string }>(
        ops.url,
        'GET',
        '/api/v1/ops/cases/stuck',
      );
      expect(after.body).toEqual({ ...before.body, asOf: after.body.asOf });
      expect(after.body.total).toBeGreaterThan(0);
    });
  });

  describe('Redis down', () => {
    let ops: OpsSystem;

    beforeAll(async () => {
      ops = await startOpsSystem({ REDIS_URL: 'redis://127.0.0.1:1' });
      await writeCurrent(new CaseFactory(ops.dataSource), Date.now());
    });
    afterAll(async () => {
      await ops?.close();
    });

    it('answers 503 for queue depth and keeps serving every figure read from PostgreSQL', async () => {
      const queues = await call(ops.url, 'GET', '/api/v1/ops/queues');
      expect(queues.status).toBe(503);
      expect(queues.body).toMatchObject({ error: 'Service Unavailable' });
      expect(String(queues.body.message)).toMatch(/Redis did not answer/);
      const stats = await call<{ total: number }>(ops.url, 'GET', '/api/v1/ops/stats/statuses');
      expect(stats.status).toBe(200);
      expect(stats.body.total).toBe(8);
      expect((await call(ops.url, 'GET', '/api/v1/ops/cases/stuck')).status).toBe(200);
      expect((await call(ops.url, 'GET', '/api/v1/ops/dead-letters')).status).toBe(200);
    });
  });
});
