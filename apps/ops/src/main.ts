import { startNode } from '@app/platform';
import { opsFeature } from './ops.feature';

/** Ops alone: the dashboard (/ops), the ops API, the queue board, against the services' database. */
async function main() {
  await startNode({ name: 'ops', features: [opsFeature] });
}

main().catch((error) => {
  console.error(`ops failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
