import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { Metrics } from '@app/platform';
import { CASE_STATUSES } from '@app/workflow';
import { StuckCasesService } from '../cases/stuck-cases.service';
import { readSnapshot } from '../common/read-only';
import { DeadLettersService } from '../dead-letters/dead-letters.service';
import { StatsService } from '../stats/stats.service';

/**
 * Case-level gauges on the node's /metrics, read from PostgreSQL when scraped (never stale):
 * `idcard_ops_cases{status}`, `idcard_ops_deadline_breaches{deadline}`, `idcard_ops_stuck_cases`,
 * `idcard_ops_dead_letters_unreplayed{schema}`. A failed read leaves the gauge as it was and is
 * logged; the scrape itself never fails because of it.
 */
@Injectable()
export class OpsMetrics implements OnModuleInit {
  private readonly logger = new Logger(OpsMetrics.name);

  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
    private readonly stuck: StuckCasesService,
    private readonly deadLetters: DeadLettersService,
    private readonly stats: StatsService,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    if (this.metrics.registry.getSingleMetric('idcard_ops_cases')) return;
    const caseGauge: Gauge<'status'> = new Gauge({
      name: 'idcard_ops_cases',
      help: 'Cases by current status (intake_stats.scope_counts, the country)',
      labelNames: ['status'] as const,
      registers,
      collect: async () => {
        await this.guard('cases', async () => {
          const rows = await readSnapshot(this.dataSource, (q) =>
            q<{ status: string; n: number }>(
              `SELECT status, sum(cases)::int AS n FROM intake_stats.scope_counts
                WHERE scope = '' AND measure = 'now' GROUP BY status`,
            ),
          );
          const counts = new Map(rows.map((r) => [r.status, r.n]));
          for (const status of CASE_STATUSES) caseGauge.set({ status }, counts.get(status) ?? 0);
        });
      },
    });
    const breachGauge: Gauge<'deadline'> = new Gauge({
      name: 'idcard_ops_deadline_breaches',
      help: 'Cases past a deadline: review (5 days), promise (20 working days), statutory (60 days)',
      labelNames: ['deadline'] as const,
      registers,
      collect: async () => {
        await this.guard('deadline breaches', async () => {
          const { deadlines } = await this.stats.breaches(null, 0);
          const n = Object.fromEntries(deadlines.map((d) => [d.deadline, d.count]));
          for (const deadline of ['review', 'promise', 'statutory'] as const)
            breachGauge.set({ deadline }, n[deadline]);
        });
      },
    });
    const stuckGauge: Gauge = new Gauge({
      name: 'idcard_ops_stuck_cases',
      help: 'Open cases past a deadline or with a command unanswered for longer than RESEND_AFTER_MS',
      registers,
      collect: async () => {
        await this.guard('stuck cases', async () => stuckGauge.set(await this.stuck.count()));
      },
    });
    const deadLetterGauge: Gauge<'schema'> = new Gauge({
      name: 'idcard_ops_dead_letters_unreplayed',
      help: 'Dead letters never replayed, by service schema (all schemas, hosted here or not)',
      labelNames: ['schema'] as const,
      registers,
      collect: async () => {
        await this.guard('dead letters', async () => {
          const page = await this.deadLetters.list({ limit: 1 });
          for (const s of page.bySchema)
            if (s.available) deadLetterGauge.set({ schema: s.schema }, s.unreplayed);
        });
      },
    });
  }

  private async guard(what: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
    } catch (error) {
      this.logger.warn(`could not read ${what} for /metrics: ${(error as Error).message}`);
    }
  }
}
