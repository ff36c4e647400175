import { createHmac, createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  JSONWebKeySet,
  jwtVerify,
  JWTHeaderParameters,
  FlattenedJWSInput,
} from 'jose';

/**
 * Bearer tokens. Verification is `jose`'s (signature, `crit`, exp/nbf/iss/aud, minimum RSA size);
 * this file only chooses the key. Where a key comes from:
 * - an HS256 secret (development, or a single shared secret),
 * - a PEM public key file (one Ed25519, RSA or EC key),
 * - a JWKS URL (an identity provider: keys are fetched, cached and re-fetched on an unknown `kid`,
 *   so the provider's rotation is followed without restart),
 * - a local JWKS file (keys selected by `kid`; re-read when it changes or on an unknown `kid`).
 * The algorithm is fixed by the key, never by the token: an HS256 token is checked only against the
 * configured secret (a public key is never used as an HMAC secret), `none` is never accepted.
 */
export type JwtAlgorithm = 'HS256' | 'EdDSA' | 'RS256' | 'ES256';

/** Asymmetric algorithms accepted from key sets (RSA keys of at least 2048 bits, enforced by jose). */
export const ASYMMETRIC_ALGORITHMS = [
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;

export const MIN_RSA_BITS = 2048;

export interface JwtKey {
  alg: JwtAlgorithm;
  /** HS256: the secret; EdDSA/RS256/ES256: a public key (verify) or private key (sign). */
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
      | 'malformed'
      | 'algorithm'
      | 'signature'
      | 'expired'
      | 'not-yet-valid'
      | 'issuer'
      | 'audience'
      | 'claims'
      | 'crit'
      | 'key'
      /** The key set could not be fetched or read: not the caller's fault (503). */
      | 'keys-unavailable',
    message: string,
  ) {
    super(message);
  }
}

/** Reads a key from configuration: a PEM (public or private) for EdDSA/RS256/ES256, else an HS256 secret. */
export function jwtKeyFrom(material: string, usage: 'sign' | 'verify'): JwtKey {
  if (material.includes('-----BEGIN')) {
    const key = usage === 'sign' ? createPrivateKey(material) : createPublicKey(material);
    const type = key.asymmetricKeyType;
    if (type === 'ed25519') return { alg: 'EdDSA', key };
    if (type === 'rsa') {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS)
        throw new Error(
          `RSA JWT keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits})`,
        );
      return { alg: 'RS256', key };
    }
    if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
      return { alg: 'ES256', key };
    throw new Error(
      `unsupported JWT key type ${type} (use Ed25519, RSA ≥ 2048, EC P-256 or an HS256 secret)`,
    );
  }
  if (Buffer.byteLength(material) < 32)
    throw new Error('an HS256 JWT secret must be at least 32 bytes');
  return { alg: 'HS256', key: Buffer.from(material) };
}

/**
 * Signs a compact JWT synchronously (development tokens, tests and the demo; production tokens come
 * from the identity provider). `kid` goes into the header when given.
 */
export function signJwt(claims: JwtClaims, key: JwtKey, kid?: string): string {
  const b64url = (buf: Buffer) => buf.toString('base64url');
  const header = b64url(
    Buffer.from(JSON.stringify({ alg: key.alg, typ: 'JWT', ...(kid ? { kid } : {}) })),
  );
  const body = b64url(Buffer.from(JSON.stringify(claims)));
  const input = Buffer.from(`${header}.${body}`);
  let signature: Buffer;
  if (key.alg === 'HS256')
    signature = createHmac('sha256', key.key as Buffer)
      .update(input)
      .digest();
  else if (key.alg === 'EdDSA') signature = sign(null, input, key.key as KeyObject);
  else if (key.alg === 'ES256')
    signature = sign('sha256', input, { key: key.key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else signature = sign('sha256', input, key.key as KeyObject);
  return `${header}.${body}.${b64url(signature)}`;
}

type KeyResolver = (
  header: JWTHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<KeyObject | Uint8Array | CryptoKey>;

/**
 * A JWKS file on disk, selected by `kid`. Re-read when its modification time or size changes
 * (checked at most once a second) and at once when a token names a `kid` it does not hold, so an
 * operator rotates keys by rewriting the file. A file that does not parse keeps the previous keys.
 */
export class LocalJwksFile {
  private keys!: ReturnType<typeof createLocalJWKSet>;
  private stamp = '';
  private checkedAt = 0;

  constructor(readonly path: string) {
    this.reload(true);
  }

  readonly resolve: KeyResolver = async (header, token) => {
    if (Date.now() - this.checkedAt > 1000) this.reload(false);
    try {
      return await this.keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && this.reload(false))
        return this.keys(header, token);
      throw error;
    }
  };

  /** Reads the file if it changed; true when new keys were loaded. Throws at boot only. */
  private reload(boot: boolean): boolean {
    this.checkedAt = Date.now();
    try {
      const stat = statSync(this.path);
      const stamp = `${stat.mtimeMs}:${stat.size}`;
      if (stamp === this.stamp) return false;
      const jwks = readJwks(readFileSync(this.path, 'utf8'), this.path);
      this.keys = createLocalJWKSet(jwks);
      this.stamp = stamp;
      return true;
    } catch (error) {
      if (boot) throw error;
      return false;
    }
  }
}

/** Parses a JWKS document and refuses what could never verify a token safely. */
export function readJwks(text: string, source: string): JSONWebKeySet {
  let jwks: JSONWebKeySet;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  if (!jwks || !Array.isArray(jwks.keys))
    throw new Error(`${source} is not a JWKS ({"keys": [...]})`);
  for (const jwk of jwks.keys) {
    if (jwk.kty === 'oct')
      throw new Error(`${source}: symmetric (oct) keys are not accepted in a key set`);
    if (jwk.kty === 'RSA' && typeof jwk.n === 'string') {
      const bits = Buffer.from(jwk.n, 'base64url').length * 8;
      if (bits < MIN_RSA_BITS)
        throw new Error(
          `${source}: RSA key ${jwk.kid ?? ''} has ${bits} bits (at least ${MIN_RSA_BITS})`,
        );
    }
  }
  return jwks;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** HS256 secret (≥ 32 bytes). */
  secret?: string;
  /** PEM public key (Ed25519, RSA ≥ 2048, EC P-256). */
  publicKeyPem?: string;
  /** JWKS URL of the identity provider. */
  jwksUrl?: string;
  /** Local JWKS file. */
  jwksFile?: string;
  /** Minimum time between two fetches of the JWKS URL on an unknown kid (jose's cooldown). */
  jwksCooldownMs?: number;
  /** How long fetched keys are used before the JWKS URL is asked again (a removed key stops working then). */
  jwksCacheMaxAgeMs?: number;
  clockSkewSeconds?: number;
  /** The clock the kept tokens' expiry is read on (tests); Date.now by default. */
  now?: () => number;
}

/** How long a verified token is taken again without verifying it (at most until it expires). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
/** How many verified tokens are kept (the oldest go first). */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Verifies bearer tokens with jose against the configured keys; see the top of this file. A token
 * verified in the last minute (VERIFIED_TOKEN_TTL_MS) and not yet expired is taken again without
 * verifying it: a clerk's app sends the same token with every request for hours, and jose's
 * WebCrypto HMAC (key import and signature) was about 2 % of a case's CPU. The same bytes were
 * verified with the same keys. A token is kept no longer than jose keeps a JWKS URL's keys
 * (`jwksCacheMaxAgeMs`, if shorter than a minute), so a key removed from the set stops working at
 * most that much later than it would without this (a minute for a local JWKS file).
 */
export class TokenVerifier {
  private readonly verified = new Map<string, { claims: JwtClaims; until: number }>();
  /** A verified token is trusted no longer than the keys it was verified with are cached. */
  private readonly keptMs: number;
  private readonly now: () => number;
  private readonly secret?: Uint8Array;
  private readonly pem?: JwtKey;
  private readonly sets: KeyResolver[] = [];
  private readonly algorithms: string[];

  constructor(private readonly options: TokenVerifierOptions) {
    if (options.secret)
      this.secret = new Uint8Array(jwtKeyFrom(options.secret, 'verify').key as Buffer);
    if (options.publicKeyPem) this.pem = jwtKeyFrom(options.publicKeyPem, 'verify');
    if (options.jwksFile) this.sets.push(new LocalJwksFile(options.jwksFile).resolve);
    if (options.jwksUrl)
      this.sets.push(
        createRemoteJWKSet(new URL(options.jwksUrl), {
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
          timeoutDuration: 5_000,
        }) as KeyResolver,
      );
    this.algorithms = [...(this.secret ? ['HS256'] : []), ...ASYMMETRIC_ALGORITHMS];
    this.now = options.now ?? Date.now;
    this.keptMs = options.jwksUrl
      ? Math.min(VERIFIED_TOKEN_TTL_MS, options.jwksCacheMaxAgeMs ?? 600_000)
      : VERIFIED_TOKEN_TTL_MS;
  }

  async verify(token: string): Promise<JwtClaims> {
    const now = this.now();
    const known = this.verified.get(token);
    // A copy each time: what a caller does with its claims stays its own.
    if (known && now < known.until) return structuredClone(known.claims);
    if (known) this.verified.delete(token);
    const claims = await this.verifyNow(token);
    // Kept until it expires (jose's clock tolerance is not extended), or a minute.
    const until = Math.min(Number(claims.exp) * 1000, now + this.keptMs);
    if (until <= now) return claims;
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) {
      this.verified.delete(this.verified.keys().next().value!);
    }
    this.verified.set(token, { claims: structuredClone(claims), until });
    return claims;
  }

  private async verifyNow(token: string): Promise<JwtClaims> {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token))
      throw new JwtError('malformed', 'token is not a compact JWT');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new JwtError('malformed', 'token header is not JSON');
    }
    const alg = String(header.alg);
    if (!this.algorithms.includes(alg))
      throw new JwtError('algorithm', `token algorithm ${alg} is not accepted`);
    try {
      const { payload } = await jwtVerify(token, this.keyFor, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: this.options.clockSkewSeconds ?? 30,
      });
      return payload as JwtClaims;
    } catch (error) {
      throw explain(error);
    }
  }

  /** The key for a token, chosen by its algorithm and kid; the algorithm must fit the key. */
  private readonly keyFor: KeyResolver = async (header, token) => {
    if (header.alg === 'HS256') {
      if (!this.secret) throw new JwtError('algorithm', 'token algorithm HS256 is not accepted');
      return this.secret;
    }
    const pemFits =
      this.pem &&
      (this.pem.alg === header.alg || (this.pem.alg === 'EdDSA' && header.alg === 'Ed25519'));
    if (pemFits && (!header.kid || !this.sets.length)) return this.pem!.key as KeyObject;
    let lastError: unknown = new JwtError(
      'algorithm',
      `token algorithm ${header.alg} is not accepted by the configured keys`,
    );
    for (const set of this.sets) {
      try {
        return await set(header, token);
      } catch (error) {
        lastError = error;
      }
    }
    if (pemFits) return this.pem!.key as KeyObject;
    throw lastError;
  };
}

/** jose's errors in the project's words (never echoing the token). */
function explain(error: unknown): JwtError | Error {
  if (error instanceof JwtError) return error;
  if (error instanceof errors.JWTExpired) return new JwtError('expired', 'token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return new JwtError('expired', 'token has no expiry (exp)');
    if (error.claim === 'nbf') return new JwtError('not-yet-valid', 'token is not valid yet');
    if (error.claim === 'iss') return new JwtError('issuer', 'token issuer is not accepted');
    if (error.claim === 'aud') return new JwtError('audience', 'token audience is not accepted');
    return new JwtError('claims', `token claim ${error.claim} is invalid (${error.reason})`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new JwtError('signature', 'token signature is invalid');
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new JwtError('algorithm', 'token algorithm is not accepted');
  if (error instanceof errors.JOSENotSupported)
    return /Extension Header Parameter/.test(error.message)
      ? new JwtError('crit', 'token header names a critical extension (crit) that is not supported')
      : new JwtError('algorithm', 'token algorithm is not supported');
  if (error instanceof errors.JWSInvalid) {
    if (/crit/.test(error.message))
      return new JwtError('crit', 'token header has an invalid critical extension list (crit)');
    return new JwtError('malformed', 'token is not a compact JWT');
  }
  if (error instanceof errors.JWTInvalid)
    return new JwtError('malformed', 'token claims are not a JSON object');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new JwtError('key', "no configured key matches the token's kid and algorithm");
  // TypeError by name: fetch's errors come from another realm under test runners
  const typeError = (error as { name?: unknown } | null)?.name === 'TypeError';
  if (typeError && /modulusLength|bits or larger/.test((error as Error).message))
    return new JwtError(
      'key',
      `token key is too weak (RSA keys need at least ${MIN_RSA_BITS} bits)`,
    );
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return new JwtError('keys-unavailable', 'the token signing keys could not be fetched');
  if (error instanceof errors.JOSEError || typeError)
    return new JwtError('keys-unavailable', 'the token signing keys could not be read');
  return error instanceof Error ? error : new Error(String(error));
}
