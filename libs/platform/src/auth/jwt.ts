import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';

/**
 * Compact JWS (JWT) signing and verification with node:crypto only: HS256 (shared secret), EdDSA
 * (Ed25519) and RS256 (RSA) keys. Small on purpose: the algorithm is fixed by the configured key,
 * never taken from the token's header alone ("alg" confusion), and exp/nbf/iss/aud are enforced.
 */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'RS256';

export interface JwtKey {
  alg: JwtAlgorithm;
  /** HS256: the secret; EdDSA/RS256: a public key (verify) or private key (sign). */
  key: Buffer | KeyObject;
}

export interface JwtClaims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export class JwtError extends Error {
  constructor(
    readonly reason:
      'malformed' | 'algorithm' | 'signature' | 'expired' | 'not-yet-valid' | 'issuer' | 'audience',
    message: string,
  ) {
    super(message);
  }
}

const b64url = (buf: Buffer) => buf.toString('base64url');
const fromB64url = (s: string) => Buffer.from(s, 'base64url');

/** Reads a key from configuration: a PEM (public or private) for EdDSA/RS256, else an HS256 secret. */
export function jwtKeyFrom(material: string, usage: 'sign' | 'verify'): JwtKey {
  if (material.includes('-----BEGIN')) {
    const key = usage === 'sign' ? createPrivateKey(material) : createPublicKey(material);
    const type = key.asymmetricKeyType;
    if (type === 'ed25519') return { alg: 'EdDSA', key };
    if (type === 'rsa') return { alg: 'RS256', key };
    throw new Error(`unsupported JWT key type ${type} (use Ed25519, RSA or an HS256 secret)`);
  }
  if (Buffer.byteLength(material) < 32)
    throw new Error('an HS256 JWT secret must be at least 32 bytes');
  return { alg: 'HS256', key: Buffer.from(material) };
}

export function signJwt(claims: JwtClaims, key: JwtKey): string {
  const header = b64url(Buffer.from(JSON.stringify({ alg: key.alg, typ: 'JWT' })));
  const body = b64url(Buffer.from(JSON.stringify(claims)));
  const input = Buffer.from(`${header}.${body}`);
  let signature: Buffer;
  if (key.alg === 'HS256')
    signature = createHmac('sha256', key.key as Buffer)
      .update(input)
      .digest();
  else if (key.alg === 'EdDSA') signature = sign(null, input, key.key as KeyObject);
  else signature = sign('sha256', input, key.key as KeyObject);
  return `${header}.${body}.${b64url(signature)}`;
}

export function verifyJwt(
  token: string,
  keys: readonly JwtKey[],
  expect: { issuer: string; audience: string; now?: number; clockSkewSeconds?: number },
): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)))
    throw new JwtError('malformed', 'token is not a compact JWT');
  let header: { alg?: string };
  let claims: JwtClaims;
  try {
    header = JSON.parse(fromB64url(parts[0]).toString('utf8'));
    claims = JSON.parse(fromB64url(parts[1]).toString('utf8'));
  } catch {
    throw new JwtError('malformed', 'token header or claims are not JSON');
  }
  if (!claims || typeof claims !== 'object')
    throw new JwtError('malformed', 'token claims are not an object');
  const candidates = keys.filter((k) => k.alg === header.alg);
  if (!candidates.length)
    throw new JwtError('algorithm', `token algorithm ${String(header.alg)} is not accepted`);
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = fromB64url(parts[2]);
  const valid = candidates.some((k) => {
    try {
      if (k.alg === 'HS256') {
        const expected = createHmac('sha256', k.key as Buffer)
          .update(input)
          .digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
      return verify(k.alg === 'EdDSA' ? null : 'sha256', input, k.key as KeyObject, signature);
    } catch {
      return false;
    }
  });
  if (!valid) throw new JwtError('signature', 'token signature is invalid');
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const skew = expect.clockSkewSeconds ?? 30;
  if (typeof claims.exp !== 'number') throw new JwtError('expired', 'token has no expiry (exp)');
  if (now - skew >= claims.exp) throw new JwtError('expired', 'token has expired');
  if (typeof claims.nbf === 'number' && now + skew < claims.nbf)
    throw new JwtError('not-yet-valid', 'token is not valid yet');
  if (claims.iss !== expect.issuer) throw new JwtError('issuer', 'token issuer is not accepted');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(expect.audience))
    throw new JwtError('audience', 'token audience is not accepted');
  return claims;
}
