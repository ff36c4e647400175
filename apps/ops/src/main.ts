import { loadConfig, startNode } from '@app/platform';
import { nationalFeature } from './national/national.feature';
import { opsFeature } from './ops.feature';

/**
 * Ops alone: the dashboard (/ops), the ops API, the queue board, against the services' database.
 * With OPS_NATIONAL=true it is the national operations node: it also consumes the provinces'
 * statistics snapshots into its own database and serves the national figures.
 */
async function main() {
  const config = loadConfig();
  await startNode({
    name: config.OPS_NATIONAL ? 'ops-national' : 'ops',
    features: config.OPS_NATIONAL ? [opsFeature, nationalFeature] : [opsFeature],
    config,
  });
}

main().catch((error) => {
  console.error(`ops failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
