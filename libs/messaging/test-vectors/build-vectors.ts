import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  KeyObject,
} from 'node:crypto';
import {
  canonicalJson,
  Envelope,
  envelopeHash,
  signingBytes,
  UnsignedEnvelope,
} from '../src/envelope';
import { Keyring } from '../src/keyring';
import {
  encryptionKeyId,
  rawX25519PublicKey,
  SealedPayload,
  sealingAad,
  sealPayload,
  SEALING_ALG,
  SEALING_INFO,
} from '../src/sealing';

/**
 * The protocol's test vectors, built deterministically with the product's own code (keys from fixed
 * seeds, fixed ephemeral keys and nonces; Ed25519 signatures are deterministic). `npm run
 * protocol:vectors` writes them to libs/messaging/test-vectors/; a test rebuilds them and compares
 * byte for byte, and another checks them with an independent implementation (@noble/*).
 */

/** 32 bytes derived from a label: every secret in the vectors is reproducible from its name. */
const seed = (label: string): Buffer =>
  createHash('sha256').update(`idcard protocol test vector: ${label}`).digest();

// PKCS#8 DER prefixes of a raw 32-byte Ed25519 / X25519 private key (RFC 8410).
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const privateKeyFromSeed = (prefix: Buffer, raw: Buffer): KeyObject =>
  createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });

const rawEd25519PublicKey = (key: KeyObject): Buffer =>
  Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x as string, 'base64url');

interface ProvinceKeys {
  signingSeed: Buffer;
  signing: KeyObject;
  encryptionSeed: Buffer;
  encryption: KeyObject;
}

/** Provinces 31 and 33, and the national operations node (the recipient of statistics snapshots). */
const PROVINCES = ['31', '33', 'national'] as const;

function provinceKeys(province: string): ProvinceKeys {
  const signingSeed = seed(`ed25519 ${province}`);
  const encryptionSeed = seed(`x25519 ${province}`);
  return {
    signingSeed,
    signing: privateKeyFromSeed(ED25519_PKCS8, signingSeed),
    encryptionSeed,
    encryption: privateKeyFromSeed(X25519_PKCS8, encryptionSeed),
  };
}

function keyringOf(keys: Record<string, ProvinceKeys>): Keyring {
  const keyring = {
    signing: new Map<string, KeyObject>(),
    verifying: new Map<string, KeyObject>(),
    encryption: new Map<string, { kid: string; publicKey: KeyObject }>(),
    decryption: new Map<string, Map<string, KeyObject>>(),
  };
  for (const [p, k] of Object.entries(keys)) {
    keyring.signing.set(p, k.signing);
    keyring.verifying.set(p, createPublicKey(k.signing));
    const publicKey = createPublicKey(k.encryption);
    const kid = encryptionKeyId(publicKey);
    keyring.encryption.set(p, { kid, publicKey });
    keyring.decryption.set(p, new Map([[kid, k.encryption]]));
  }
  return new Keyring(keyring);
}

const hex = (b: Buffer) => b.toString('hex');

/** One message as a sender builds it, with every intermediate value of sealing and signing. */
function vector(
  name: string,
  description: string,
  keyring: Keyring,
  unsigned: UnsignedEnvelope,
  ephemeralLabel: string,
) {
  const ephemeralSeed = seed(ephemeralLabel);
  const ephemeral = privateKeyFromSeed(X25519_PKCS8, ephemeralSeed);
  const iv = seed(`${ephemeralLabel} iv`).subarray(0, 12);
  const recipient = keyring.encryptionKey(unsigned.recipient.province);
  const sealed = sealPayload(unsigned.payload, recipient, unsigned, {
    ephemeralPrivateKey: ephemeral,
    iv,
  });
  // The intermediates, recomputed here for the record (the product's sealPayload keeps them inside).
  const epk = rawX25519PublicKey(createPublicKey(ephemeral));
  const recipientRaw = rawX25519PublicKey(recipient.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral, publicKey: recipient.publicKey });
  const salt = Buffer.concat([epk, recipientRaw]);
  const contentKey = Buffer.from(hkdfSync('sha256', shared, salt, SEALING_INFO, 32));
  const withSealed: UnsignedEnvelope<SealedPayload> = { ...unsigned, payload: sealed };
  const signingInput = signingBytes(withSealed);
  const envelope: Envelope<SealedPayload> = {
    ...withSealed,
    signature: keyring.sign(unsigned.sender.province, signingInput),
  };
  return {
    name,
    description,
    plaintextPayload: unsigned.payload,
    sealing: {
      recipientKid: recipient.kid,
      recipientPublicKey: recipientRaw.toString('base64url'),
      ephemeralPrivateKey: hex(ephemeralSeed),
      ephemeralPublicKey: epk.toString('base64url'),
      sharedSecret: hex(shared),
      hkdfSalt: hex(salt),
      hkdfInfo: SEALING_INFO,
      contentKey: hex(contentKey),
      iv: hex(iv),
      aad: sealingAad(unsigned).toString('utf8'),
      plaintext: canonicalJson(unsigned.payload),
    },
    signingInput: signingInput.toString('utf8'),
    envelope,
    envelopeHash: envelopeHash(envelope),
  };
}

export interface ProtocolVectors {
  'keys.json': unknown;
  'canonical-json.json': unknown;
  'envelopes.json': unknown;
  'invalid.json': unknown;
}

/** The keyring of the vectors' provinces (every private key), as the product holds keys. */
export function vectorKeyring(): Keyring {
  return keyringOf(Object.fromEntries(PROVINCES.map((p) => [p, provinceKeys(p)])));
}

export function buildVectors(): ProtocolVectors {
  const keys = Object.fromEntries(PROVINCES.map((p) => [p, provinceKeys(p)]));
  const keyring = keyringOf(keys);

  const keysJson = {
    description:
      'Test keys of provinces 31 and 33 and of the national operations node "national" (never used outside tests; the national node signs nothing in the product, its Ed25519 key here is only for completeness). Ed25519: the 32-byte private seed and the raw public key; X25519: the raw private and public keys and the key id (RFC 7638 JWK thumbprint). Hex for secrets, base64url for what travels in messages, PEM as a keyring folder holds them.',
    provinces: Object.fromEntries(
      PROVINCES.map((p) => {
        const k = keys[p];
        const encryptionPublic = createPublicKey(k.encryption);
        return [
          p,
          {
            ed25519: {
              privateSeed: hex(k.signingSeed),
              publicKey: rawEd25519PublicKey(k.signing).toString('base64url'),
              publicKeyPem: createPublicKey(k.signing).export({ type: 'spki', format: 'pem' }),
            },
            x25519: {
              privateKey: hex(k.encryptionSeed),
              publicKey: rawX25519PublicKey(encryptionPublic).toString('base64url'),
              publicKeyPem: encryptionPublic.export({ type: 'spki', format: 'pem' }),
              kid: encryptionKeyId(encryptionPublic),
              kidInput: `{"crv":"X25519","kty":"OKP","x":"${rawX25519PublicKey(encryptionPublic).toString('base64url')}"}`,
            },
          },
        ];
      }),
    ),
  };

  const canonicalCases: { name: string; value: unknown }[] = [
    {
      name: 'keys sorted at every depth',
      value: { b: 1, a: { d: [3, { z: 0, y: null }], c: true } },
    },
    { name: 'scalars', value: [null, true, false, 0, -7, 42, 1.5, 'text'] },
    {
      name: 'Chinese text stays UTF-8 (not \\u-escaped)',
      value: { name: '沈嘉禾', address: '浙江省嘉兴市南湖区建设路88号' },
    },
    { name: 'escapes: quote, backslash, control characters', value: { s: 'a"b\\c\nd\te\u0001' } },
    { name: 'empty object and array', value: { o: {}, a: [] } },
    { name: 'key order is by UTF-16 code units', value: { b: 0, B: 0, _: 0, '1': 0, aa: 0, a: 0 } },
  ];
  const canonicalJsonFile = {
    description:
      'canonical JSON: no whitespace, object keys sorted by UTF-16 code units at every depth, strings and numbers as ECMAScript JSON.stringify writes them (RFC 8785 JCS for the values messages use). sha256 is of the UTF-8 bytes.',
    cases: canonicalCases.map(({ name, value }) => {
      const canonical = canonicalJson(value);
      return {
        name,
        value,
        canonical,
        sha256: createHash('sha256').update(canonical, 'utf8').digest('hex'),
      };
    }),
  };

  const request: UnsignedEnvelope = {
    id: '0b6f6f1e-3c55-4c55-9b8e-5a1f0c2d7e01',
    type: 'review.requested',
    schemaVersion: 1,
    caseId: '5d9e3b8a-7c41-4f0e-a1b2-c3d4e5f60718',
    correlationId: '5d9e3b8a-7c41-4f0e-a1b2-c3d4e5f60718',
    causationId: null,
    sender: { province: '31', service: 'intake' },
    recipient: { province: '33', service: 'verification' },
    sentAt: '2026-12-02T08:00:00.000Z',
    payload: {
      receiptNumber: 'R310101-01-261202-0001',
      acceptancePoint: '310101-01',
      residenceProvince: '31',
      round: 1,
      applicant: {
        idNumber: '330402200105203214',
        name: '沈嘉禾',
        sex: 'M',
        ethnicity: '汉族',
        birthDate: '2001-05-20',
      },
      hukou: { addressCode: '330402', address: '浙江省嘉兴市南湖区建设路88号' },
      photo: {
        photoId: '9a7d3c1e-2b4f-4e6a-8c0d-1e2f3a4b5c6d',
        sha256: 'b'.repeat(64),
        capturedAt: '2026-11-20T10:00:00.000+08:00',
      },
      fingerprints: { captured: true, missingReason: null },
      guardian: null,
      supplements: [],
    },
    inReplyTo: null,
  };
  const requestVector = vector(
    'review.requested',
    'residence intake of 31 asks the hukou verification of 33 to review; payload sealed for 33',
    keyring,
    request,
    'ephemeral review.requested',
  );
  const reply: UnsignedEnvelope = {
    id: '1c7a8b9d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    type: 'review.decided',
    schemaVersion: 1,
    caseId: request.caseId,
    correlationId: request.correlationId,
    causationId: request.id,
    sender: { province: '33', service: 'verification' },
    recipient: { province: '31', service: 'intake' },
    sentAt: '2026-12-02T08:00:05.000Z',
    payload: {
      round: 1,
      outcome: 'APPROVED',
      decidedAt: '2026-12-02T08:00:04.000Z',
      issue: {
        issuingAuthority: '嘉兴市公安局南湖分局',
        issuingAuthorityCode: '330402',
        issueDate: '2026-12-02',
        validFrom: '2026-12-02',
        validUntil: '2036-12-02',
        validityYears: 10,
        address: '浙江省嘉兴市南湖区建设路88号',
      },
      refusal: null,
      supplement: null,
    },
    inReplyTo: { messageId: request.id, hash: requestVector.envelopeHash },
  };
  const timer: UnsignedEnvelope = {
    id: '2d8b9c0e-5f6a-4b7c-9d8e-0f1a2b3c4d5e',
    type: 'case.timer',
    schemaVersion: 1,
    caseId: request.caseId,
    correlationId: request.caseId,
    causationId: null,
    sender: { province: '31', service: 'intake' },
    recipient: { province: '31', service: 'intake' },
    sentAt: '2026-12-02T08:00:00.000Z',
    deliverAt: '2026-12-07T08:00:00.000Z',
    payload: { kind: 'REVIEW_DEADLINE', dueAt: '2026-12-07T08:00:00.000Z' },
    inReplyTo: null,
  };
  const snapshot: UnsignedEnvelope = {
    id: '3e9c0d1f-6a7b-4c8d-8e9f-1a2b3c4d5e6f',
    type: 'stats.published',
    schemaVersion: 1,
    caseId: 'stats:31',
    correlationId: '3e9c0d1f-6a7b-4c8d-8e9f-1a2b3c4d5e6f',
    causationId: null,
    sender: { province: '31', service: 'intake' },
    recipient: { province: 'national', service: 'ops' },
    sentAt: '2026-12-02T08:01:00.000Z',
    payload: {
      province: '31',
      sequence: 42,
      asOf: '2026-12-02T08:01:00.000Z',
      windowStart: '2026-10-29',
      counts: [
        { kind: 'idcard', hukou: '33', status: 'DELIVERED', cases: 7 },
        { kind: 'idcard', hukou: '33', status: 'UNDER_REVIEW', cases: 1 },
      ],
      daily: [
        {
          day: '2026-12-02',
          kind: 'idcard',
          hukou: '33',
          measure: 'intake',
          status: null,
          cases: 1,
        },
        {
          day: '2026-12-02',
          kind: 'idcard',
          hukou: '33',
          measure: 'entered',
          status: 'UNDER_REVIEW',
          cases: 1,
        },
      ],
    },
    inReplyTo: null,
  };
  const envelopes = [
    requestVector,
    vector(
      'review.decided (a reply)',
      'the decision of 33, sealed for 31; inReplyTo.hash is the envelopeHash of the request above',
      keyring,
      reply,
      'ephemeral review.decided',
    ),
    vector(
      'case.timer (delayed, to itself)',
      "a durable timer of intake of 31 to itself: sealed for 31's own key; its age counts from deliverAt",
      keyring,
      timer,
      'ephemeral case.timer',
    ),
    vector(
      'stats.published (to the national node)',
      "31's statistics snapshot, signed by 31 and sealed for the national operations node's key",
      keyring,
      snapshot,
      'ephemeral stats.published',
    ),
  ];

  // Messages a receiver must refuse, with the dead-letter reason it gives.
  const good = requestVector.envelope;
  const resign = (e: UnsignedEnvelope<unknown>) => ({
    ...e,
    signature: keyring.sign(e.sender.province, signingBytes(e)),
  });
  const { signature: _s, ...goodUnsigned } = good;
  const ct = Buffer.from(good.payload.ct, 'base64url');
  ct[ct.length - 1] ^= 0x01;
  const invalid = [
    {
      name: 'altered after signing',
      expect: { reason: 'SIGNATURE', signatureValid: false, opens: true },
      envelope: { ...good, sentAt: '2026-12-02T08:00:01.000Z' },
    },
    {
      name: 'ciphertext altered, then signed by the sender',
      expect: { reason: 'SEALING', signatureValid: true, opens: false },
      envelope: resign({
        ...goodUnsigned,
        payload: { ...good.payload, ct: ct.toString('base64url') },
      }),
    },
    {
      name: 'sealed payload lifted into another case, then signed by the sender',
      expect: { reason: 'SEALING', signatureValid: true, opens: false },
      envelope: resign({ ...goodUnsigned, caseId: '00000000-0000-4000-8000-000000000000' }),
    },
    {
      name: 'sealed for a key id the recipient does not hold',
      expect: { reason: 'SEALING', signatureValid: true, opens: false },
      envelope: resign({
        ...goodUnsigned,
        payload: { ...good.payload, kid: keysJson.provinces['31'].x25519.kid },
      }),
    },
    {
      name: 'payload not sealed',
      expect: { reason: 'SEALING', signatureValid: true, opens: false },
      envelope: resign({ ...goodUnsigned, payload: request.payload }),
    },
  ];

  return {
    'keys.json': keysJson,
    'canonical-json.json': canonicalJsonFile,
    'envelopes.json': {
      description: `Signed envelopes with payloads sealed (${SEALING_ALG}) for their recipient, every intermediate value included. Keys in keys.json. Secrets hex, message fields base64url (signature: base64).`,
      envelopes,
    },
    'invalid.json': {
      description:
        'Envelopes a receiver must refuse (the recipient of each is verification of 33), with the dead-letter reason it gives and what the checks find.',
      cases: invalid,
    },
  };
}

/** The files as written: 2-space JSON and a final newline. */
export function vectorFiles(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(buildVectors()).map(([file, value]) => [
      file,
      `${JSON.stringify(value, null, 2)}\n`,
    ]),
  );
}
