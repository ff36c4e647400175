import type { FeatureDefinition } from '@app/platform';
import { OpsModule } from './ops.module';

/**
 * Operations as a deployable feature: no queues (`service` undefined) and no tables of its own. It
 * reads the schemas of intake, verification, production and delivery in the same database, so it
 * runs beside them (all-in-one) or alone against that database (DATABASE_URL).
 */
export const opsFeature: FeatureDefinition = {
  module: OpsModule,
  database: { entities: [], migrations: [] },
  pages: { '/ops': 'operations dashboard', '/ops/queues': 'queue board' },
};
