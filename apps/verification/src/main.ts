import { startNode } from '@app/platform';
import { verificationFeature } from './verification.feature';

/** The hukou side alone: consumes the review queues of the provinces in PROVINCES. */
async function main() {
  await startNode({ name: 'verification', features: [verificationFeature] });
}

main().catch((error) => {
  console.error(
    `verification failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
