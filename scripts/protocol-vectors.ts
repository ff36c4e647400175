/**
 * Writes the protocol's test vectors (keys, canonical JSON, sealed and signed envelopes, messages a
 * receiver must refuse) to libs/messaging/test-vectors/. Deterministic: running it again gives the
 * same bytes, and a test fails if the checked-in files differ from what the code builds.
 *
 *   npm run protocol:vectors
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vectorFiles } from '../libs/messaging/test-vectors/build-vectors';

const dir = join(__dirname, '..', '..', 'libs', 'messaging', 'test-vectors');
for (const [file, text] of Object.entries(vectorFiles())) {
  writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote ${join('libs/messaging/test-vectors', file)}\n`);
}
