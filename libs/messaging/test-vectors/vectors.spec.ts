import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Envelope, signingBytes } from '../src/envelope';
import { openEnvelope } from '../src/sealed-envelope';
import { SealingError } from '../src/sealing';
import { vectorFiles, vectorKeyring } from './build-vectors';

/**
 * The checked-in vectors are exactly what the product's code builds today (so a change to the wire
 * format cannot slip by without new vectors), and the product reads them as the protocol says. The
 * independent check (no node:crypto) is test/protocol/vectors.spec.ts.
 */
describe('protocol test vectors (product side)', () => {
  const files = vectorFiles();
  const read = (file: string) => JSON.parse(readFileSync(join(__dirname, file), 'utf8'));

  it.each(Object.keys(files))(
    '%s is what `npm run protocol:vectors` writes, byte for byte',
    (file) => {
      expect(readFileSync(join(__dirname, file), 'utf8')).toBe(files[file]);
    },
  );

  it('the product verifies and opens every valid envelope', () => {
    const keyring = vectorKeyring();
    for (const v of read('envelopes.json').envelopes) {
      const e = v.envelope as Envelope;
      expect(keyring.verify(e.sender.province, signingBytes(e), e.signature)).toBe(true);
      expect(openEnvelope(keyring, e)).toEqual(v.plaintextPayload);
    }
  });

  it('the product refuses every invalid envelope for the stated reason', () => {
    const keyring = vectorKeyring();
    for (const c of read('invalid.json').cases) {
      const e = c.envelope as Envelope;
      const signed = keyring.verify(e.sender.province, signingBytes(e), e.signature);
      expect([c.name, signed]).toEqual([c.name, c.expect.signatureValid]);
      if (c.expect.reason === 'SEALING')
        expect(() => openEnvelope(keyring, e)).toThrow(SealingError);
    }
  });
});
