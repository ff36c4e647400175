import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { canonicalJson, Envelope } from './envelope';

/**
 * Payloads sealed for their recipient province. The exchange (Redis) is shared by every province,
 * so a payload travels encrypted to the recipient province's X25519 encryption key; only the
 * envelope's routing fields (type, ids, sender, recipient, times) stay readable. The sealed payload
 * sits inside the signed envelope, so the signature covers the ciphertext.
 *
 * Construction (ECIES; see docs/protocol.md, test vectors in libs/messaging/test-vectors/):
 *   ephemeral X25519 key pair (e, E), fresh for each recipient key at least every minute and every
 *   EPHEMERAL_KEY_MAX_USES messages (see EphemeralKeys); Z = X25519(e, R) with R the recipient's key;
 *   key = HKDF-SHA256(ikm = Z, salt = E || R, info = SEALING_INFO, 32 bytes);
 *   ct = AES-256-GCM(key, iv (12 random bytes), canonical JSON of the payload,
 *        aad = canonical JSON of the envelope's {caseId, id, recipient, schemaVersion, sender, type})
 *        with its 16-byte tag appended.
 * The additional data binds the ciphertext to its envelope: a sealed payload copied into another
 * message (another case, type or sender) does not open.
 */
export const SEALING_ALG = 'X25519-HKDF-SHA256-A256GCM';
export const SEALING_INFO = 'idcard-exchange sealed payload v1';

export interface SealedPayload {
  /** Always SEALING_ALG. */
  alg: typeof SEALING_ALG;
  /** Key id of the recipient's encryption key (RFC 7638 thumbprint, see encryptionKeyId). */
  kid: string;
  /** The ephemeral X25519 public key, 32 bytes, base64url. */
  epk: string;
  /** AES-GCM nonce, 12 bytes, base64url. */
  iv: string;
  /** Ciphertext followed by the 16-byte GCM tag, base64url. */
  ct: string;
}

/** A recipient's public encryption key and its key id. */
export interface EncryptionKey {
  kid: string;
  publicKey: KeyObject;
}

/** Why a sealed payload could not be opened; the server dead-letters it with reason SEALING. */
export class SealingError extends Error {
  override readonly name = 'SealingError';
}

/** Raw 32 bytes of an X25519 public key. */
export function rawX25519PublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'X25519' || typeof jwk.x !== 'string')
    throw new Error('not an X25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}

/**
 * Raw public keys of the long-lived keys (recipients' public keys, our own private keys), derived
 * once per key object: a JWK export per message showed in CPU profiles.
 */
const rawPublicKeys = new WeakMap<KeyObject, Buffer>();

function rawPublicKeyOf(key: KeyObject): Buffer {
  let raw = rawPublicKeys.get(key);
  if (!raw) {
    raw = rawX25519PublicKey(key.type === 'private' ? createPublicKey(key) : key);
    rawPublicKeys.set(key, raw);
  }
  return raw;
}

export function x25519PublicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new SealingError('an X25519 public key is 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

/**
 * The key id of an X25519 public key: its RFC 7638 JWK thumbprint (SHA-256 of
 * `{"crv":"X25519","kty":"OKP","x":"<base64url>"}`, base64url). Anyone holding the public key
 * computes the same id; nothing has to be named by hand when a key rotates.
 */
export function encryptionKeyId(publicKey: KeyObject): string {
  const x = rawX25519PublicKey(publicKey).toString('base64url');
  return createHash('sha256')
    .update(`{"crv":"X25519","kty":"OKP","x":"${x}"}`, 'utf8')
    .digest('base64url');
}

/** The envelope fields a sealed payload is bound to (AES-GCM additional data). */
export type SealingContext = Pick<
  Envelope,
  'id' | 'type' | 'schemaVersion' | 'caseId' | 'sender' | 'recipient'
>;

export function sealingAad(e: SealingContext): Buffer {
  return Buffer.from(
    canonicalJson({
      caseId: e.caseId,
      id: e.id,
      recipient: e.recipient,
      schemaVersion: e.schemaVersion,
      sender: e.sender,
      type: e.type,
    }),
    'utf8',
  );
}

function contentKey(shared: Buffer, epk: Buffer, recipientRaw: Buffer): Buffer {
  if (shared.every((b) => b === 0)) throw new SealingError('X25519 shared secret is all zeros');
  return Buffer.from(
    hkdfSync('sha256', shared, Buffer.concat([epk, recipientRaw]), SEALING_INFO, 32),
  );
}

/** How long a sender keeps one ephemeral key for a recipient key. */
export const EPHEMERAL_KEY_LIFETIME_MS = 60_000;
/** How many payloads a sender seals with one ephemeral key at most (random 96-bit nonces). */
export const EPHEMERAL_KEY_MAX_USES = 10_000;

/** An ephemeral key pair's public half and the content key it gives for one recipient key. */
interface SealingKey {
  epk: Buffer;
  key: Buffer;
}

/**
 * The sender's ephemeral keys, one per recipient key, each renewed after EPHEMERAL_KEY_LIFETIME_MS
 * or EPHEMERAL_KEY_MAX_USES payloads, whichever comes first. Why not one per message: the key pair,
 * the X25519 agreement and the HKDF were about half of a message's sealing and opening CPU (the
 * recipient derives each content key once, see OpenedKeys). What it changes: payloads sealed by one
 * process for one recipient within a minute share their content key (each with its own random
 * nonce, far below AES-GCM's limit for random nonces) and show the same `epk` (they already show the
 * same sender and recipient). Recipients need no change: each payload still names its `epk`.
 */
export class EphemeralKeys {
  private readonly byRecipient = new WeakMap<
    KeyObject,
    SealingKey & { until: number; left: number }
  >();

  constructor(
    private readonly lifetimeMs = EPHEMERAL_KEY_LIFETIME_MS,
    private readonly maxUses = EPHEMERAL_KEY_MAX_USES,
    private readonly now: () => number = Date.now,
  ) {}

  /** The ephemeral key to seal the next payload for `recipient` with. */
  for(recipient: EncryptionKey): SealingKey {
    const at = this.now();
    let current = this.byRecipient.get(recipient.publicKey);
    if (!current || current.left <= 0 || at >= current.until) {
      const pair = generateKeyPairSync('x25519');
      current = {
        ...derive(pair.privateKey, rawX25519PublicKey(pair.publicKey), recipient),
        until: at + this.lifetimeMs,
        left: this.maxUses,
      };
      this.byRecipient.set(recipient.publicKey, current);
    }
    current.left--;
    return current;
  }
}

/** The process's ephemeral keys (sealPayload's default). */
const EPHEMERAL_KEYS = new EphemeralKeys();

function derive(ephemeral: KeyObject, epk: Buffer, recipient: EncryptionKey): SealingKey {
  const shared = diffieHellman({ privateKey: ephemeral, publicKey: recipient.publicKey });
  return { epk, key: contentKey(shared, epk, rawPublicKeyOf(recipient.publicKey)) };
}

/**
 * Seals a payload for a recipient key. `fixed` (test vectors only) supplies the ephemeral private
 * key and the nonce; in use the nonce is fresh for every message and the ephemeral key comes from
 * `keys` (renewed every minute: see EphemeralKeys).
 */
export function sealPayload(
  payload: unknown,
  recipient: EncryptionKey,
  context: SealingContext,
  fixed?: { ephemeralPrivateKey: KeyObject; iv: Buffer },
  keys: EphemeralKeys = EPHEMERAL_KEYS,
): SealedPayload {
  const { epk, key } = fixed
    ? derive(
        fixed.ephemeralPrivateKey,
        rawX25519PublicKey(createPublicKey(fixed.ephemeralPrivateKey)),
        recipient,
      )
    : keys.for(recipient);
  const iv = fixed?.iv ?? randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(sealingAad(context));
  const ct = Buffer.concat([
    cipher.update(canonicalJson(payload), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return {
    alg: SEALING_ALG,
    kid: recipient.kid,
    epk: epk.toString('base64url'),
    iv: iv.toString('base64url'),
    ct: ct.toString('base64url'),
  };
}

/** Shape of a sealed payload as received; returns the problem or null. */
export function sealedPayloadProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return 'payload is not a sealed payload object';
  const s = value as Record<string, unknown>;
  if (s.alg !== SEALING_ALG)
    return `payload.alg must be ${SEALING_ALG} (the payload is not sealed)`;
  for (const field of ['kid', 'epk', 'iv', 'ct'] as const) {
    if (typeof s[field] !== 'string' || !/^[A-Za-z0-9_-]+$/.test(s[field] as string))
      return `payload.${field} must be a base64url string`;
  }
  return null;
}

/**
 * Content keys the recipient derived, by private key and `epk`, the most recently used kept (a
 * sender renews its ephemeral key every minute: see EphemeralKeys). A key is derived from the
 * private key and `epk` alone, so a kept one is the one a fresh derivation would give; a payload that
 * does not open with it would not open with that either.
 */
export class OpenedKeys {
  private readonly keys = new WeakMap<KeyObject, Map<string, Buffer>>();

  constructor(private readonly capacity = 1024) {}

  key(privateKey: KeyObject, epk: string, derive: () => Buffer): Buffer {
    let byEpk = this.keys.get(privateKey);
    if (!byEpk) this.keys.set(privateKey, (byEpk = new Map()));
    let key = byEpk.get(epk);
    if (key) {
      byEpk.delete(epk); // most recently used last
    } else {
      key = derive();
      if (byEpk.size >= this.capacity) byEpk.delete(byEpk.keys().next().value!);
    }
    byEpk.set(epk, key);
    return key;
  }
}

/** The process's opened keys (openPayload's default). */
const OPENED_KEYS = new OpenedKeys();

/**
 * Opens a sealed payload with the recipient's private key (looked up by the payload's key id) and
 * returns the parsed JSON. Throws SealingError for anything that does not open.
 */
export function openPayload(
  sealed: unknown,
  privateKeyFor: (kid: string) => KeyObject | undefined,
  context: SealingContext,
  opened: OpenedKeys = OPENED_KEYS,
): unknown {
  const problem = sealedPayloadProblem(sealed);
  if (problem) throw new SealingError(problem);
  const s = sealed as SealedPayload;
  const privateKey = privateKeyFor(s.kid);
  if (!privateKey) {
    throw new SealingError(
      `sealed for encryption key ${s.kid}, which province ${context.recipient.province} does not hold`,
    );
  }
  const epk = Buffer.from(s.epk, 'base64url');
  const iv = Buffer.from(s.iv, 'base64url');
  const ct = Buffer.from(s.ct, 'base64url');
  if (iv.length !== 12) throw new SealingError('payload.iv must be 12 bytes');
  if (ct.length < 16) throw new SealingError('payload.ct is shorter than its tag');
  let plaintext: string;
  try {
    const key = opened.key(privateKey, s.epk, () =>
      contentKey(
        diffieHellman({ privateKey, publicKey: x25519PublicKeyFromRaw(epk) }),
        epk,
        rawPublicKeyOf(privateKey),
      ),
    );
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(sealingAad(context));
    decipher.setAuthTag(ct.subarray(ct.length - 16));
    plaintext = Buffer.concat([
      decipher.update(ct.subarray(0, ct.length - 16)),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    if (error instanceof SealingError) throw error;
    throw new SealingError(
      'sealed payload does not open (altered, sealed for another message, or with another key)',
    );
  }
  try {
    return JSON.parse(plaintext);
  } catch {
    throw new SealingError('opened payload is not JSON');
  }
}
