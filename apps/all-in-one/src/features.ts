import type { FeatureDefinition } from '@app/platform';
import { deliveryFeature } from '../../delivery/src/delivery.feature';
import { intakeFeature } from '../../intake/src/intake.feature';
import { opsFeature } from '../../ops/src/ops.feature';
import { productionFeature } from '../../production/src/production.feature';
import { verificationFeature } from '../../verification/src/verification.feature';

/** Every service of the system: what `npm start`, the demo and the whole-system tests run. */
export const ALL_FEATURES: FeatureDefinition[] = [
  intakeFeature,
  verificationFeature,
  productionFeature,
  deliveryFeature,
  opsFeature,
];
