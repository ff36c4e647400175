import { startNode } from '@app/platform';
import { deliveryFeature } from './delivery.feature';

/** The delivery service alone: its queues for the configured provinces and /api/v1/deliveries. */
async function main() {
  await startNode({ name: 'delivery', features: [deliveryFeature] });
}

main().catch((error) => {
  console.error(
    `delivery failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
