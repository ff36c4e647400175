import { Service } from '@app/contracts';
import { FeatureDefinition } from '@app/platform';
import { caseOpeningRead } from './case/case.service';
import { INTAKE_ENTITIES, IntakeModule } from './intake.module';
import { IntakeInit1795400990138 } from './migrations/1795400990138-IntakeInit';
import { OneOpenCasePerPerson1795402000000 } from './migrations/1795402000000-OneOpenCasePerPerson';
import { CaseKindAndSentRequests1795404000000 } from './migrations/1795404000000-CaseKindAndSentRequests';
import { OpsReadModels1795403500000 } from './migrations/1795403500000-OpsReadModels';
import { NewbornCases1795406000000 } from './migrations/1795406000000-NewbornCases';
import { StatsSnapshots1795408500000 } from './migrations/1795408500000-StatsSnapshots';
import { ScopeCounts1795409500000 } from './migrations/1795409500000-ScopeCounts';
import { FlagCounts1795409600000 } from './migrations/1795409600000-FlagCounts';
import { DeferredRollups1795409700000 } from './migrations/1795409700000-DeferredRollups';
import { TimelineHashChain1795401000000 } from './migrations/1795401000000-TimelineHashChain';
import { TimelineHead1795409100000 } from './migrations/1795409100000-TimelineHead';
import { TimerJobs1795409800000 } from './migrations/1795409800000-TimerJobs';

/** Intake as a deployable feature: its module, its tables (schema `intake`) and its queues. */
export const intakeFeature: FeatureDefinition = {
  module: IntakeModule,
  database: {
    entities: INTAKE_ENTITIES,
    migrations: [
      IntakeInit1795400990138,
      TimelineHashChain1795401000000,
      OneOpenCasePerPerson1795402000000,
      OpsReadModels1795403500000,
      CaseKindAndSentRequests1795404000000,
      NewbornCases1795406000000,
      StatsSnapshots1795408500000,
      TimelineHead1795409100000,
      ScopeCounts1795409500000,
      FlagCounts1795409600000,
      DeferredRollups1795409700000,
      TimerJobs1795409800000,
    ],
  },
  service: Service.INTAKE,
  openingRead: caseOpeningRead,
};
