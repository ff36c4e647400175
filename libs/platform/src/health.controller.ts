import { Controller, Get, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from './auth/auth.guard';
import type { AppConfig } from './config';
import { APP_CONFIG } from './tokens';

/** Liveness says the process runs; readiness really asks PostgreSQL and Redis. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready() {
    const checks = { postgres: await this.checkPostgres(), redis: await this.checkRedis() };
    const ok = checks.postgres === 'up' && checks.redis === 'up';
    if (!ok)
      throw new ServiceUnavailableException({
        error: 'Service Unavailable',
        message: 'not ready',
        details: checks,
      });
    return { status: 'ready', checks };
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
    const redis = new IORedis(this.config.REDIS_URL, {
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      lazyConnect: true,
      enableOfflineQueue: false,
    });
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG' ? 'up' : 'down';
    } catch (error) {
      return `down: ${(error as Error).message}`;
    } finally {
      redis.disconnect();
    }
  }
}
