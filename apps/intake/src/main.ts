import { startNode } from '@app/platform';
import { intakeFeature } from './intake.feature';

/** Intake alone: the clerk API, the photo library and the case orchestrator. */
async function main() {
  await startNode({ name: 'intake', features: [intakeFeature] });
}

main().catch((error) => {
  console.error(
    `intake failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
