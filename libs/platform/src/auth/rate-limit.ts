import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClient } from '@app/messaging';

/**
 * Requests per minute per token subject, counted in Redis so the limit holds for the whole
 * deployment: two nodes behind a load balancer do not allow twice the rate. One key per subject
 * (`<QUEUE_PREFIX>:rate:<subject>`), so it is slot-safe on a Redis Cluster. While Redis is
 * unreachable each node falls back to a limit of its own (the same figure), so an outage neither
 * opens the door nor refuses everyone.
 */
export class CallerRateLimit {
  private readonly logger = new Logger(CallerRateLimit.name);
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: RedisClient,
    private readonly perMinute: number,
    keyPrefix: string,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${keyPrefix}:rate`,
      points: perMinute,
      duration: 60,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ points: perMinute, duration: 60 }),
    });
  }

  /**
   * Spends one request of the subject's budget; throws 429 with the seconds to wait when it is
   * spent (the caller sets them as Retry-After).
   */
  async consume(subject: string): Promise<void> {
    try {
      await this.limiter.consume(subject);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.logger.warn(`rate limit not checked: ${(rejection as Error).message}`);
        return;
      }
      throw new RateLimited(this.perMinute, Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    }
  }
}

export class RateLimited extends HttpException {
  constructor(
    perMinute: number,
    readonly retryAfterSeconds: number,
  ) {
    super(
      {
        error: 'Too Many Requests',
        message: `rate limit of ${perMinute} requests per minute exceeded`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
