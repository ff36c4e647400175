import type { FeatureDefinition } from '@app/platform';
import { deliveryFeature } from '../../delivery/src/delivery.feature';
import { intakeFeature } from '../../intake/src/intake.feature';
import { nationalFeature } from '../../ops/src/national/national.feature';
import { opsFeature } from '../../ops/src/ops.feature';
import { productionFeature } from '../../production/src/production.feature';
import { verificationFeature } from '../../verification/src/verification.feature';

/**
 * Every service of the system: what `npm start`, the demo and the whole-system tests run. A node
 * serving every province is also the national operations node (it consumes its own provinces'
 * statistics snapshots).
 */
export const ALL_FEATURES: FeatureDefinition[] = [
  intakeFeature,
  verificationFeature,
  productionFeature,
  deliveryFeature,
  opsFeature,
  nationalFeature,
];
