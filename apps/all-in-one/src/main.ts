import { startNode } from '@app/platform';
import { ALL_FEATURES } from './features';

/** Every service of the system in one process, serving the whole HTTP contract on one port. */
async function main() {
  await startNode({ name: 'all-in-one', features: ALL_FEATURES });
}

main().catch((error) => {
  console.error(
    `all-in-one failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
