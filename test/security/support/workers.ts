import IORedis from 'ioredis';
import { TEST_REDIS_URL } from '../../support/database';
import type { TestSystem } from '../../support/system';
import { waitFor } from '../../support/wait';

/**
 * Waits until `count` BullMQ workers of the system are in their run loop (their blocking
 * connection, named after the queue prefix, waits in BZPOPMIN). A node closed while its workers are
 * still connecting can leave an unhandled Redis "Connection is closed" error behind, which fails
 * the test file; a short test waits for this before it ends.
 */
export async function waitForWorkers(system: TestSystem, count: number): Promise<number> {
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await waitFor(
      `${count} workers waiting for jobs`,
      async () => {
        const list = String(await redis.call('CLIENT', 'LIST'));
        return list
          .split('\n')
          .filter((l) => l.includes(` name=${system.queuePrefix}:`) && / cmd=bzpopmin\b/.test(l))
          .length;
      },
      (n) => n >= count,
    );
  } finally {
    redis.disconnect();
  }
}
