import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIONAL } from './catalog';
import { signingBytes } from './envelope';
import { Keyring } from './keyring';
import { openEnvelope, sealAndSign } from './sealed-envelope';

describe('Keyring: the national operations node', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keyring-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('development keys: an encryption pair for the national node, no signing key', () => {
    Keyring.load(dir, { provinces: ['31', NATIONAL], autogenerate: true });
    expect(existsSync(join(dir, 'public', `${NATIONAL}.x25519.pem`))).toBe(true);
    expect(existsSync(join(dir, 'public', `${NATIONAL}.pem`))).toBe(false);
    expect(existsSync(join(dir, 'private', `${NATIONAL}.pem`))).toBe(false);
    expect(existsSync(join(dir, 'private', '31.pem'))).toBe(true);
  });

  it('a province seals for the national key; only the national node opens it', () => {
    // Two folders, as two deployments hold them: the province's and the national node's.
    Keyring.load(dir, { provinces: ['31'], autogenerate: true });
    const nationalDir = join(dir, 'national-node');
    Keyring.addEncryptionKey(nationalDir, NATIONAL);
    // Each publishes its public key to the other.
    copyFileSync(
      join(nationalDir, 'public', `${NATIONAL}.x25519.pem`),
      join(dir, 'public', `${NATIONAL}.x25519.pem`),
    );
    copyFileSync(join(dir, 'public', '31.pem'), join(nationalDir, 'public', '31.pem'));

    const province = Keyring.load(dir, { provinces: ['31'], autogenerate: false }).keyring;
    const envelope = sealAndSign(province, {
      id: '3e9c0d1f-6a7b-4c8d-8e9f-1a2b3c4d5e6f',
      type: 'stats.published',
      schemaVersion: 1,
      caseId: 'stats:31',
      correlationId: '3e9c0d1f-6a7b-4c8d-8e9f-1a2b3c4d5e6f',
      causationId: null,
      sender: { province: '31', service: 'intake' },
      recipient: { province: NATIONAL, service: 'ops' },
      sentAt: new Date().toISOString(),
      payload: { province: '31', sequence: 1 },
      inReplyTo: null,
    });
    expect(() => openEnvelope(province, envelope)).toThrow(/national/);

    // The national node needs its encryption pair only: no signing key, no province's key.
    const national = Keyring.load(nationalDir, {
      provinces: [NATIONAL],
      autogenerate: false,
    }).keyring;
    expect(national.verify('31', signingBytes(envelope), envelope.signature)).toBe(true);
    expect(openEnvelope(national, envelope)).toEqual({ province: '31', sequence: 1 });
    expect(() => Keyring.load(nationalDir, { provinces: ['31'], autogenerate: false })).toThrow(
      /no private key for served province\(s\) 31/,
    );
  });
});
