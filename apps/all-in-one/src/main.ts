import { loadConfig, startNode } from '@app/platform';
import { allInOneFeatures } from './features';

/** Every service of the system in one process, serving the whole HTTP contract on one port. */
async function main() {
  const config = loadConfig();
  await startNode({ name: 'all-in-one', features: allInOneFeatures(config), config });
}

main().catch((error) => {
  console.error(
    `all-in-one failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
