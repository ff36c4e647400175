import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Service } from '@app/contracts';
import { APP_CONFIG, AppConfig, ServiceMessagingModule } from '@app/platform';
import { ApplicationsController } from './applications/applications.controller';
import { ApplicationsService } from './applications/applications.service';
import { CaseEntity } from './case/case.entity';
import { ClerkDesk } from './clerk-desk/clerk-desk.service';
import { IdempotencyKeyEntity } from './clerk-desk/idempotency-key.entity';
import { TimelineEntity } from './case/timeline.entity';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { EligibilityController } from './eligibility/eligibility.controller';
import { NewbornController } from './newborn/newborn.controller';
import { NewbornService } from './newborn/newborn.service';
import { CaseCommandsService } from './case/case-commands.service';
import { CaseService } from './case/case.service';
import { DeadlinesService } from './orchestration/deadlines.service';
import { OrchestratorController } from './orchestration/orchestrator.controller';
import { OrchestratorService } from './orchestration/orchestrator.service';
import { PhotoEntity } from './photos/photo.entity';
import { PhotosController } from './photos/photos.controller';
import { PhotosService } from './photos/photos.service';
import { IntakePolicy } from './policy/intake-policy';
import { OpsResendController } from './reconciler/ops-resend.controller';
import { ReconcilerService } from './reconciler/reconciler.service';
import { StatsPublisherService } from './stats/stats-publisher.service';

export const INTAKE_ENTITIES = [CaseEntity, TimelineEntity, IdempotencyKeyEntity, PhotoEntity];

/**
 * Intake, the residence side: the clerk API (applications, eligibility, photo library) and the
 * orchestrator that owns the canonical case record and its state machine.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature(INTAKE_ENTITIES),
    ServiceMessagingModule.forService(Service.INTAKE),
    MulterModule.registerAsync({
      // Portraits are kept in memory (then in Postgres), bounded by PHOTO_MAX_BYTES.
      useFactory: (config: AppConfig) => ({
        limits: {
          fileSize: config.PHOTO_MAX_BYTES,
          files: 1,
          fields: 2,
          fieldSize: 1024,
          parts: 3,
        },
      }),
      inject: [APP_CONFIG],
    }),
  ],
  controllers: [
    ApplicationsController,
    NewbornController,
    EligibilityController,
    PhotosController,
    OrchestratorController,
    OpsResendController,
    AuditController,
  ],
  providers: [
    IntakePolicy,
    PhotosService,
    ClerkDesk,
    ApplicationsService,
    NewbornService,
    CaseService,
    CaseCommandsService,
    DeadlinesService,
    OrchestratorService,
    ReconcilerService,
    StatsPublisherService,
    AuditService,
  ],
  exports: [ReconcilerService, StatsPublisherService, IntakePolicy],
})
export class IntakeModule {}
