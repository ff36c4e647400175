/* eslint-disable @typescript-eslint/no-explicit-any -- the vectors are read as untyped JSON */
/**
 * The protocol's test vectors checked by an implementation that shares nothing with the product:
 * @noble/curves (Ed25519, X25519), @noble/ciphers (AES-256-GCM) and @noble/hashes (SHA-256, HKDF)
 * instead of node:crypto, and canonical JSON written again here from docs/protocol.md. What another
 * province writes in its own language has to do what this file does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

const dir = join(__dirname, '..', '..', 'libs', 'messaging', 'test-vectors');
const load = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

const keys: any = load('keys.json');
const canonicalFile: any = load('canonical-json.json');
const envelopesFile: any = load('envelopes.json');
const invalidFile: any = load('invalid.json');

const utf8 = (s: string) => new TextEncoder().encode(s);
const fromUtf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);
const b64url = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
const toB64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * Canonical JSON as docs/protocol.md states it: no whitespace; object members sorted by key,
 * comparing UTF-16 code units; strings and numbers as JSON.stringify writes them.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const keysSorted = Object.keys(value).sort((a, b) => {
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const d = a.charCodeAt(i) - b.charCodeAt(i);
        if (d !== 0) return d;
      }
      return a.length - b.length;
    });
    return (
      '{' +
      keysSorted
        .map((k) => JSON.stringify(k) + ':' + canonical((value as Record<string, unknown>)[k]))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(value);
}

const sha256Hex = (s: string) => bytesToHex(sha256(utf8(s)));

/** The envelope without its signature: what the sender signs. */
const signingInput = (envelope: Record<string, unknown>) => {
  const { signature: _omit, ...rest } = envelope;
  return canonical(rest);
};

const verifySignature = (envelope: Record<string, unknown>, province: string): boolean => {
  try {
    return ed25519.verify(
      new Uint8Array(Buffer.from(envelope.signature as string, 'base64')),
      utf8(signingInput(envelope)),
      b64url(keys.provinces[province].ed25519.publicKey),
    );
  } catch {
    return false;
  }
};

/** The additional data a sealed payload is bound to. */
const aadOf = (e: any) =>
  canonical({
    caseId: e.caseId,
    id: e.id,
    recipient: e.recipient,
    schemaVersion: e.schemaVersion,
    sender: e.sender,
    type: e.type,
  });

/** Opens a sealed payload with the recipient province's X25519 private key; throws if it does not open. */
function open(envelope: any): unknown {
  const sealed = envelope.payload;
  const recipient = keys.provinces[envelope.recipient.province].x25519;
  if (sealed?.alg !== 'X25519-HKDF-SHA256-A256GCM') throw new Error('not sealed');
  if (sealed.kid !== recipient.kid) throw new Error(`no key ${sealed.kid}`);
  const epk = b64url(sealed.epk);
  const shared = x25519.getSharedSecret(hexToBytes(recipient.privateKey), epk);
  const key = hkdf(
    sha256,
    shared,
    concat(epk, b64url(recipient.publicKey)),
    utf8('idcard-exchange sealed payload v1'),
    32,
  );
  const plaintext = gcm(key, b64url(sealed.iv), utf8(aadOf(envelope))).decrypt(b64url(sealed.ct));
  return JSON.parse(fromUtf8(plaintext));
}

describe('protocol test vectors, checked without node:crypto (@noble/*)', () => {
  it.each(Object.keys(keys.provinces))(
    'keys of province %s: public keys and key id derive from the private keys',
    (p) => {
      const k = keys.provinces[p];
      expect(toB64url(ed25519.getPublicKey(hexToBytes(k.ed25519.privateSeed)))).toBe(
        k.ed25519.publicKey,
      );
      expect(toB64url(x25519.getPublicKey(hexToBytes(k.x25519.privateKey)))).toBe(
        k.x25519.publicKey,
      );
      // RFC 7638 thumbprint: SHA-256 of the JWK's required members in lexicographic order.
      const jwk = `{"crv":"X25519","kty":"OKP","x":"${k.x25519.publicKey}"}`;
      expect(jwk).toBe(k.x25519.kidInput);
      expect(toB64url(sha256(utf8(jwk)))).toBe(k.x25519.kid);
    },
  );

  it.each(canonicalFile.cases.map((c: { name: string }) => [c.name, c]) as [string, any][])(
    'canonical JSON: %s',
    (_name, c: { value: unknown; canonical: string; sha256: string }) => {
      expect(canonical(c.value)).toBe(c.canonical);
      expect(sha256Hex(c.canonical)).toBe(c.sha256);
    },
  );

  describe.each(
    envelopesFile.envelopes.map((v: { name: string }) => [v.name, v]) as [string, any][],
  )('%s', (_name, v: any) => {
    const e = v.envelope;

    it('signing input is the canonical JSON of the envelope without its signature, and the signature verifies', () => {
      expect(signingInput(e)).toBe(v.signingInput);
      expect(verifySignature(e, e.sender.province)).toBe(true);
      // Signed by the sender province, not by anyone else.
      const other = Object.keys(keys.provinces).find((p) => p !== e.sender.province)!;
      expect(verifySignature(e, other)).toBe(false);
      // Ed25519 is deterministic: signing again with the sender's seed gives the same bytes.
      const again = ed25519.sign(
        utf8(v.signingInput),
        hexToBytes(keys.provinces[e.sender.province].ed25519.privateSeed),
      );
      expect(Buffer.from(again).toString('base64')).toBe(e.signature);
    });

    it('every sealing step recomputes: shared secret, HKDF key, additional data, ciphertext', () => {
      const s = v.sealing;
      const recipient = keys.provinces[e.recipient.province].x25519;
      expect(s.recipientKid).toBe(recipient.kid);
      expect(e.payload.kid).toBe(recipient.kid);
      const ephemeral = hexToBytes(s.ephemeralPrivateKey);
      expect(toB64url(x25519.getPublicKey(ephemeral))).toBe(e.payload.epk);
      // Sender's view (ephemeral private × recipient public) equals the recipient's view.
      const senderShared = x25519.getSharedSecret(ephemeral, b64url(recipient.publicKey));
      const recipientShared = x25519.getSharedSecret(
        hexToBytes(recipient.privateKey),
        b64url(e.payload.epk),
      );
      expect(bytesToHex(senderShared)).toBe(s.sharedSecret);
      expect(bytesToHex(recipientShared)).toBe(s.sharedSecret);
      const salt = concat(b64url(e.payload.epk), b64url(recipient.publicKey));
      expect(bytesToHex(salt)).toBe(s.hkdfSalt);
      const key = hkdf(sha256, senderShared, salt, utf8(s.hkdfInfo), 32);
      expect(bytesToHex(key)).toBe(s.contentKey);
      expect(aadOf(e)).toBe(s.aad);
      expect(bytesToHex(b64url(e.payload.iv))).toBe(s.iv);
      expect(canonical(v.plaintextPayload)).toBe(s.plaintext);
      const ct = gcm(key, b64url(e.payload.iv), utf8(s.aad)).encrypt(utf8(s.plaintext));
      expect(toB64url(ct)).toBe(e.payload.ct);
    });

    it('the recipient opens the payload with its own key', () => {
      expect(open(e)).toEqual(v.plaintextPayload);
    });

    it('the envelope hash a reply quotes is SHA-256 of the canonical JSON of the whole signed envelope', () => {
      expect(sha256Hex(canonical(e))).toBe(v.envelopeHash);
    });
  });

  it('the reply names its request by id and hash', () => {
    const [request, reply] = envelopesFile.envelopes;
    expect(reply.envelope.inReplyTo).toEqual({
      messageId: request.envelope.id,
      hash: sha256Hex(canonical(request.envelope)),
    });
  });

  it.each(invalidFile.cases.map((c: { name: string }) => [c.name, c]) as [string, any][])(
    'refused: %s',
    (_name, c: any) => {
      const e = c.envelope;
      expect(verifySignature(e, e.sender.province)).toBe(c.expect.signatureValid);
      if (c.expect.opens) expect(() => open(e)).not.toThrow();
      else expect(() => open(e)).toThrow();
    },
  );
});
