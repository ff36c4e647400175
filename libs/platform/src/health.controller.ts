import {
  Controller,
  Get,
  HttpCode,
  Inject,
  OnApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { createRedisClient, RedisClient, whenReady } from '@app/messaging';
import { DataSource } from 'typeorm';
import { Public } from './auth/auth.guard';
import { AppConfig, redisEndpoint } from './config';
import { NodeStatus } from './drain';
import { ApiErrors } from './openapi/api-errors';
import { APP_CONFIG, HOSTED, HostedServices } from './tokens';

class LivenessView {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';
}

const CHECK = "'up', or 'down: <reason>'";

class ReadinessChecksView {
  @ApiProperty({ description: `Not draining (shutting down): ${CHECK}`, example: 'up' })
  node!: string;
  @ApiProperty({ description: CHECK, example: 'up' }) postgres!: string;
  @ApiProperty({ description: CHECK, example: 'up' }) redis!: string;
  @ApiProperty({ description: `The outbox relays run: ${CHECK}`, example: 'up' })
  relays!: string;
  @ApiProperty({ description: `The queue workers run: ${CHECK}`, example: 'up' })
  workers!: string;
}

class ReadinessView {
  @ApiProperty({ enum: ['ready'] })
  status!: 'ready';

  @ApiProperty({ type: ReadinessChecksView })
  checks!: ReadinessChecksView;
}

/**
 * Liveness says the process runs. Readiness says this node should get traffic: not draining,
 * PostgreSQL and Redis answer, and its outbox relays and queue workers run. Redis is asked over
 * one connection kept for the probes (not a new one per probe).
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  private redis?: RedisClient;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(HOSTED) private readonly hosted: HostedServices,
    private readonly status: NodeStatus,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process runs (no dependency is asked)' })
  @ApiOkResponse({ type: LivenessView })
  live(): LivenessView {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: not draining, PostgreSQL and Redis answer, relays and workers run',
  })
  @ApiOkResponse({ type: ReadinessView })
  @ApiErrors({
    503: 'Not ready: details name each check that is down (node, postgres, redis, relays, workers)',
  })
  async ready(): Promise<ReadinessView> {
    const [postgres, redis] = await Promise.all([this.checkPostgres(), this.checkRedis()]);
    const checks = {
      node: this.status.draining ? 'down: draining (shutting down)' : 'up',
      postgres,
      redis,
      ...this.status.components(this.hosted.services.length > 0),
    };
    if (Object.values(checks).some((check) => check !== 'up'))
      throw new ServiceUnavailableException({
        error: 'Service Unavailable',
        message: 'not ready',
        details: Object.entries(checks)
          .filter(([, state]) => state !== 'up')
          .map(([field, state]) => ({
            field,
            rule: 'dependency.up',
            message: `${field}: ${state}`,
          })),
      });
    return { status: 'ready' as const, checks };
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }

  private async checkPostgres(): Promise<string> {
    try {
      await this.dataSource.query('SELECT 1');
      return 'up';
    } catch (error) {
      return `down: ${(error as Error).message}`;
    }
  }

  private async checkRedis(): Promise<string> {
    const first = !this.redis;
    this.redis ??= this.probeConnection();
    try {
      // The first probe connects (a cluster client starts at once and must first learn the slots
      // from its nodes); later probes fail fast on the kept connection while it reconnects.
      if (first || this.redis.status === 'wait') await whenReady(this.redis, 2000);
      return (await this.redis.ping()) === 'PONG' ? 'up' : 'down';
    } catch (error) {
      return `down: ${(error as Error).message}`;
    }
  }

  /** Fails fast while Redis is away and reconnects by itself (quietly: the probe reports it). */
  private probeConnection(): RedisClient {
    // A single Redis or the cluster of REDIS_CLUSTER_NODES.
    const redis = createRedisClient(redisEndpoint(this.config), 'producer', {
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => 1000,
      // Named, so `CLIENT LIST` shows the one probe connection of each node.
      connectionName: `${this.config.QUEUE_PREFIX}:readiness`,
    });
    redis.on('error', () => undefined);
    return redis;
  }
}
