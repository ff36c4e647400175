import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { BullMqClient, queueName } from '@app/messaging';
import { schemaOf } from '@app/contracts';
import { Public } from '../auth/auth.guard';
import { HOSTED, HostedServices } from '../tokens';
import { Metrics } from './metrics';

/** Prometheus text format, on every app. Scrapers carry no token, as usual. */
@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
    private readonly client: BullMqClient,
    @Inject(HOSTED) private readonly hosted: HostedServices,
  ) {}

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format 0.0.4); no token' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' } })
  async metricsText(): Promise<string> {
    await Promise.allSettled([this.collectOutbox(), this.collectQueues()]);
    return this.metrics.registry.metrics();
  }

  private async collectOutbox() {
    for (const { service } of this.hosted.services) {
      const schema = schemaOf(service);
      const [row] = await this.dataSource.query(
        `SELECT (SELECT count(*) FROM "${schema}".outbox WHERE sent_at IS NULL)::int AS backlog,
                (SELECT count(*) FROM "${schema}".dead_letters WHERE replay_count = 0)::int AS dead`,
      );
      this.metrics.outboxBacklog.set({ schema }, row.backlog);
      this.metrics.deadLetters.set({ schema }, row.dead);
    }
  }

  private async collectQueues() {
    for (const { service } of this.hosted.services) {
      for (const province of this.hosted.provinces) {
        const name = queueName({ service, province });
        const counts = await this.client
          .queueFor(name)
          .getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [state, n] of Object.entries(counts))
          this.metrics.queueDepth.set({ queue: name, state }, n);
      }
    }
  }
}
