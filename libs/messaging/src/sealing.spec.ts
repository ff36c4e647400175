import { rmSync, mkdtempSync, readdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from './keyring';
import { openEnvelope, sealAndSign } from './sealed-envelope';
import {
  EphemeralKeys,
  OpenedKeys,
  openPayload,
  SealingError,
  SEALING_ALG,
  sealPayload,
} from './sealing';
import type { UnsignedEnvelope } from './envelope';
import { signingBytes } from './envelope';

const applicant = {
  idNumber: '33040220010520321X',
  name: '沈嘉禾',
  address: '浙江省嘉兴市南湖区建设路88号',
};

function unsigned(over: Partial<UnsignedEnvelope> = {}): UnsignedEnvelope {
  return {
    id: '7d0c7a52-3f51-4a8e-9a55-1f8f3c2e6b10',
    type: 'review.requested',
    schemaVersion: 1,
    caseId: 'case-1',
    correlationId: '7d0c7a52-3f51-4a8e-9a55-1f8f3c2e6b10',
    causationId: null,
    sender: { province: '31', service: 'intake' },
    recipient: { province: '33', service: 'verification' },
    sentAt: '2026-12-02T08:00:00.000Z',
    payload: { applicant, round: 1 },
    inReplyTo: null,
    ...over,
  };
}

describe('payloads sealed for the recipient province', () => {
  const keyring = Keyring.generate(['31', '33']);

  it('seals for the recipient key, signs the sealed form, and opens with the recipient key only', () => {
    const envelope = sealAndSign(keyring, unsigned());
    expect(envelope.payload).toMatchObject({
      alg: SEALING_ALG,
      kid: keyring.encryptionKey('33').kid,
    });
    const wire = JSON.stringify(envelope);
    for (const value of Object.values(applicant)) expect(wire).not.toContain(value);
    expect(keyring.verify('31', signingBytes(envelope), envelope.signature)).toBe(true);
    expect(openEnvelope(keyring, envelope)).toEqual({ applicant, round: 1 });
    // Another holder of a key for 33 (not the published one) cannot open it.
    expect(() => openEnvelope(Keyring.generate(['33']), envelope)).toThrow(SealingError);
  });

  it('a fresh nonce per message: the same payload never seals the same twice', () => {
    const a = sealAndSign(keyring, unsigned()).payload;
    const b = sealAndSign(keyring, unsigned()).payload;
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(openEnvelope(keyring, sealAndSign(keyring, unsigned()))).toEqual({
      applicant,
      round: 1,
    });
  });

  it('an ephemeral key per recipient key, renewed after its lifetime and after its uses', () => {
    let now = 0;
    const keys = new EphemeralKeys(1000, 3, () => now);
    const to33 = keyring.encryptionKey('33');
    const to31 = keyring.encryptionKey('31');
    const seal = (to = to33) => sealPayload({ round: 1 }, to, unsigned(), undefined, keys);
    const [a, b, c] = [seal(), seal(), seal()];
    expect(new Set([a.epk, b.epk, c.epk]).size).toBe(1);
    expect(new Set([a.iv, b.iv, c.iv]).size).toBe(3);
    // Another recipient key has its own.
    expect(seal(to31).epk).not.toBe(a.epk);
    // Three uses: the fourth payload gets a new key; its lifetime then starts again.
    const d = seal();
    expect(d.epk).not.toBe(a.epk);
    now = 999;
    expect(seal().epk).toBe(d.epk);
    now = 1000;
    const e = seal();
    expect(e.epk).not.toBe(d.epk);
    // Every one opens with the recipient's key (each derived once there).
    const opened = new OpenedKeys();
    const privateKey = (kid: string) => keyring.decryptionKey('33', kid);
    for (const sealed of [a, b, c, d, e])
      expect(openPayload(sealed, privateKey, unsigned(), opened)).toEqual({ round: 1 });
  });

  it('the recipient derives a content key once per ephemeral key, keeping the most recent ones', () => {
    const opened = new OpenedKeys(2);
    const key = keyring.decryptionKey('33', keyring.encryptionKey('33').kid)!;
    let derived = 0;
    const get = (epk: string) => opened.key(key, epk, () => Buffer.from(`key-${epk}-${++derived}`));
    expect(get('A').toString()).toBe('key-A-1');
    expect(get('A').toString()).toBe('key-A-1');
    get('B');
    get('A'); // A used last: B is the oldest
    get('C'); // over capacity: B dropped
    expect(derived).toBe(3);
    expect(get('A').toString()).toBe('key-A-1');
    expect(get('B').toString()).toBe('key-B-4');
  });

  it.each([
    ['id', { id: '00000000-0000-4000-8000-000000000000' }],
    ['case', { caseId: 'case-2' }],
    ['type', { type: 'production.ordered' }],
    ['sender', { sender: { province: '32', service: 'intake' } }],
    ['schema version', { schemaVersion: 2 }],
  ])('is bound to its envelope: moved into another %s it does not open', (_what, change) => {
    const envelope = sealAndSign(keyring, unsigned());
    expect(() => openEnvelope(keyring, { ...envelope, ...change })).toThrow(/does not open/);
  });

  it('refuses an altered ciphertext, a plaintext payload and an unknown key id', () => {
    const envelope = sealAndSign(keyring, unsigned());
    const ct = Buffer.from(envelope.payload.ct, 'base64url');
    ct[0] ^= 1;
    const altered = { ...envelope, payload: { ...envelope.payload, ct: ct.toString('base64url') } };
    expect(() => openEnvelope(keyring, altered)).toThrow(/does not open/);
    expect(() => openEnvelope(keyring, { ...envelope, payload: { applicant } })).toThrow(
      /not sealed/,
    );
    const unknownKid = { ...envelope, payload: { ...envelope.payload, kid: 'AAAA' } };
    expect(() => openEnvelope(keyring, unknownKid)).toThrow(
      /sealed for encryption key AAAA, which province 33 does not hold/,
    );
  });
});

describe('encryption key rotation (keyring folder)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('after a rotation, new messages are sealed for the new key and old ones still open', () => {
    const before = Keyring.load(dir, { provinces: ['31', '33'], autogenerate: true }).keyring;
    const oldKid = before.encryptionKey('33').kid;
    const old = sealAndSign(before, unsigned());

    const newKid = Keyring.addEncryptionKey(dir, '33');
    const after = Keyring.load(dir, { provinces: ['31', '33'], autogenerate: false }).keyring;
    expect(newKid).not.toBe(oldKid);
    expect(after.encryptionKey('33').kid).toBe(newKid);
    expect(after.decryptionKeyIds('33').sort()).toEqual([oldKid, newKid].sort());
    expect(openEnvelope(after, old)).toEqual({ applicant, round: 1 });
    const fresh = sealAndSign(after, unsigned());
    expect(fresh.payload.kid).toBe(newKid);
    expect(openEnvelope(after, fresh)).toEqual({ applicant, round: 1 });
  });

  it('a served province whose published encryption key has no private key stops the start', () => {
    Keyring.load(dir, { provinces: ['33'], autogenerate: true });
    const privDir = join(dir, 'private', '33.x25519');
    for (const f of readdirSync(privDir)) unlinkSync(join(privDir, f));
    expect(() => Keyring.load(dir, { provinces: ['33'], autogenerate: false })).toThrow(
      /no encryption key pair for served province\(s\) 33/,
    );
  });
});
