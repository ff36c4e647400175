import type { AppConfig, FeatureDefinition } from '@app/platform';
import { deliveryFeature } from '../../delivery/src/delivery.feature';
import { intakeFeature } from '../../intake/src/intake.feature';
import { nationalFeature } from '../../ops/src/national/national.feature';
import { opsFeature } from '../../ops/src/ops.feature';
import { productionFeature } from '../../production/src/production.feature';
import { verificationFeature } from '../../verification/src/verification.feature';

/**
 * Every service of the system: what `npm start`, the demo and the whole-system tests run.
 */
export const ALL_FEATURES: FeatureDefinition[] = [
  intakeFeature,
  verificationFeature,
  productionFeature,
  deliveryFeature,
  opsFeature,
];

/**
 * What an all-in-one node runs: every service, and with OPS_NATIONAL=true also the national
 * operations node (then its keyring needs the national node's private key, which no province's
 * node should hold, and it should be the only consumer of `{ops.national}`).
 */
export function allInOneFeatures(config: Pick<AppConfig, 'OPS_NATIONAL'>): FeatureDefinition[] {
  return config.OPS_NATIONAL ? [...ALL_FEATURES, nationalFeature] : ALL_FEATURES;
}
