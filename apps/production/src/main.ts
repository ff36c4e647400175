import { startNode } from '@app/platform';
import { productionFeature } from './production.feature';

/** The card production centre alone: its queues for the configured provinces, and its read API. */
async function main() {
  await startNode({ name: 'production', features: [productionFeature] });
}

main().catch((error) => {
  console.error(
    `production failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
