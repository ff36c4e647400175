import { NATIONAL_ADDRESS } from '@app/messaging';
import type { FeatureDefinition } from '@app/platform';
import { NationalSnapshots1795408600000 } from '../migrations/1795408600000-NationalSnapshots';
import { NationalModule } from './national.module';

/**
 * The national operations node as a deployable feature: it consumes the queue `{ops.national}`
 * (the provinces' statistics snapshots) into its own schema `ops`, and serves
 * GET /api/v1/ops/national. The ops app and the all-in-one node add it with OPS_NATIONAL=true.
 */
export const nationalFeature: FeatureDefinition = {
  module: NationalModule,
  database: { entities: [], migrations: [NationalSnapshots1795408600000] },
  consumes: {
    service: NATIONAL_ADDRESS.service,
    schema: 'ops',
    provinces: [NATIONAL_ADDRESS.province],
  },
};
