import { Module } from '@nestjs/common';
import { StuckCasesController } from './cases/stuck-cases.controller';
import { StuckCasesService } from './cases/stuck-cases.service';
import { DashboardController } from './dashboard/dashboard.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { OpsMetrics } from './metrics/ops-metrics';
import { OpsQueues } from './queues/ops-queues';
import { QueueBoard } from './queues/queue-board';
import { QueuesController } from './queues/queues.controller';
import { StatsController } from './stats/stats.controller';
import { StatsService } from './stats/stats.service';
import { WorkflowController } from './workflow/workflow.controller';

/**
 * Operations: figures read from the services' schemas (read-only), stuck cases, dead letters and
 * their replay, queue depth and the queue board, the case state machine, and the dashboard page.
 * No queues of its own and no tables: the shared BullMqClient (CoreModule) is its only producer,
 * used for dead-letter replay.
 */
@Module({
  controllers: [
    StatsController,
    StuckCasesController,
    DeadLettersController,
    QueuesController,
    WorkflowController,
    DashboardController,
  ],
  providers: [
    StatsService,
    StuckCasesService,
    DeadLettersService,
    OpsQueues,
    QueueBoard,
    OpsMetrics,
  ],
})
export class OpsModule {}
