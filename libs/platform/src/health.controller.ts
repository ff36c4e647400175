import {
  Controller,
  Get,
  HttpCode,
  Inject,
  OnApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from './auth/auth.guard';
import type { AppConfig } from './config';
import { NodeStatus } from './drain';
import { APP_CONFIG, HOSTED, HostedServices } from './tokens';

/**
 * Liveness says the process runs. Readiness says this node should get traffic: not draining,
 * PostgreSQL and Redis answer, and its outbox relays and queue workers run. Redis is asked over
 * one connection kept for the probes (not a new one per probe).
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController implements OnApplicationShutdown {
  private redis?: IORedis;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(HOSTED) private readonly hosted: HostedServices,
    private readonly status: NodeStatus,
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
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
        details: checks,
      });
    return { status: 'ready', checks };
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
    this.redis ??= this.probeConnection();
    try {
      if (this.redis.status === 'wait') await this.redis.connect();
      return (await this.redis.ping()) === 'PONG' ? 'up' : 'down';
    } catch (error) {
      return `down: ${(error as Error).message}`;
    }
  }

  /** Fails fast while Redis is away and reconnects by itself (quietly: the probe reports it). */
  private probeConnection(): IORedis {
    const redis = new IORedis(this.config.REDIS_URL, {
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
