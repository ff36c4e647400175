import IORedis from 'ioredis';
import { TEST_REDIS_URL, uniqueName } from './database';

/** A queue prefix of the test's own, and a function that deletes every key under it. */
export function createTestQueuePrefix(prefix = 'test'): {
  prefix: string;
  cleanup: () => Promise<void>;
} {
  const name = uniqueName(prefix);
  return {
    prefix: name,
    cleanup: async () => {
      const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
