/**
 * A node in its own process (intake + verification), for the SIGTERM test: configured from the
 * environment like `npm start`, so the real signal handling runs.
 */
import { loadConfig, startNode } from '@app/platform';
import { intakeFeature } from '../../../apps/intake/src/intake.feature';
import { verificationFeature } from '../../../apps/verification/src/verification.feature';

void startNode({
  name: 'sigterm-test',
  features: [intakeFeature, verificationFeature],
  config: loadConfig(),
}).then((node) => process.stdout.write(`READY ${node.url}\n`));
