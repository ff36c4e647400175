import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callerFromClaims } from './auth.guard';
import { JwtClaims, jwtKeyFrom, signJwt, TokenVerifier } from './jwt';

const SECRET = 'a-test-secret-that-is-long-enough-32b';
const claims = (over: Partial<JwtClaims> = {}): JwtClaims => ({
  iss: 'iss',
  aud: 'aud',
  sub: 'alice',
  exp: Math.floor(Date.now() / 1000) + 600,
  role: 'clerk',
  scope: { province: '31', point: '310101-01' },
  ...over,
});
const pem = (k: KeyObject, type: 'pkcs8' | 'spki') =>
  String(k.export({ type, format: 'pem' } as never));
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwkOf = (k: KeyObject, kid: string) => ({ ...k.export({ format: 'jwk' }), kid, use: 'sig' });

describe('JWT verification (jose)', () => {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = (over: Partial<ConstructorParameters<typeof TokenVerifier>[0]> = {}) =>
    new TokenVerifier({ issuer: 'iss', audience: 'aud', ...over });

  it.each([
    ['HS256', jwtKeyFrom(SECRET, 'sign'), { secret: SECRET }],
    [
      'EdDSA',
      jwtKeyFrom(pem(ed.privateKey, 'pkcs8'), 'sign'),
      { publicKeyPem: pem(ed.publicKey, 'spki') },
    ],
    [
      'RS256',
      jwtKeyFrom(pem(rsa.privateKey, 'pkcs8'), 'sign'),
      { publicKeyPem: pem(rsa.publicKey, 'spki') },
    ],
    [
      'ES256',
      jwtKeyFrom(pem(ec.privateKey, 'pkcs8'), 'sign'),
      { publicKeyPem: pem(ec.publicKey, 'spki') },
    ],
  ])('%s tokens verify with the configured key', async (alg, signKey, keys) => {
    expect(signKey.alg).toBe(alg);
    expect((await verifier(keys).verify(signJwt(claims(), signKey))).sub).toBe('alice');
  });

  it('takes a token verified in the last minute again without verifying it, never past its expiry', async () => {
    let now = Date.now();
    const v = verifier({ secret: SECRET, now: () => now });
    const verifyNow = jest.spyOn(
      v as unknown as { verifyNow: (t: string) => Promise<JwtClaims> },
      'verifyNow',
    );
    const start = now;
    const token = signJwt(claims(), jwtKeyFrom(SECRET, 'sign'));
    const first = await v.verify(token);
    expect(first.sub).toBe('alice');
    (first as { scope: { province: string } }).scope.province = '99'; // the caller's own copy
    now = start + 59_000;
    expect(await v.verify(token)).toMatchObject({ sub: 'alice', scope: { province: '31' } });
    expect(verifyNow).toHaveBeenCalledTimes(1);
    // A minute on, it is verified again.
    now = start + 60_000;
    await v.verify(token);
    expect(verifyNow).toHaveBeenCalledTimes(2);
    // One that expires sooner is kept until then only.
    now = start;
    const short = signJwt(
      claims({ exp: Math.floor(start / 1000) + 20 }),
      jwtKeyFrom(SECRET, 'sign'),
    );
    await v.verify(short);
    now = start + 19_000;
    await v.verify(short);
    expect(verifyNow).toHaveBeenCalledTimes(3);
    now = start + 21_000;
    await v.verify(short);
    expect(verifyNow).toHaveBeenCalledTimes(4);
    // A refused token is not kept: refused every time.
    const tampered = `${token.slice(0, -2)}xx`;
    await expect(v.verify(tampered)).rejects.toThrow(/signature is invalid/);
    await expect(v.verify(tampered)).rejects.toThrow(/signature is invalid/);
    expect(verifyNow).toHaveBeenCalledTimes(6);
  });

  it('refuses tampered, expired, future, wrong-issuer, wrong-audience and malformed tokens', async () => {
    const key = jwtKeyFrom(SECRET, 'sign');
    const token = signJwt(claims(), key);
    const [h, , s] = token.split('.');
    const cases: [string, RegExp][] = [
      [`${h}.${b64(claims({ role: 'ops' }))}.${s}`, /signature is invalid/],
      [signJwt(claims({ exp: Math.floor(Date.now() / 1000) - 120 }), key), /has expired/],
      [signJwt(claims({ exp: undefined }), key), /no expiry/],
      [signJwt(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }), key), /not valid yet/],
      [signJwt(claims({ iss: 'other' }), key), /issuer is not accepted/],
      [signJwt(claims({ aud: 'other' }), key), /audience is not accepted/],
      [
        signJwt(claims(), jwtKeyFrom('another-secret-that-is-long-enough-32b', 'sign')),
        /signature/,
      ],
      ['not.a.jwt!', /compact JWT/],
      ['abc', /compact JWT/],
    ];
    for (const [bad, message] of cases) {
      const error = await verifier({ secret: SECRET })
        .verify(bad)
        .catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(message);
      // the reason never carries the token
      expect((error as Error).message).not.toContain(bad.slice(0, 20));
    }
  });

  it('refuses alg none, and HS256 signed with the RSA public key (alg confusion)', async () => {
    const rsaOnly = verifier({ publicKeyPem: pem(rsa.publicKey, 'spki') });
    const none = `${b64({ alg: 'none' })}.${b64(claims())}.`;
    await expect(rsaOnly.verify(none)).rejects.toThrow(/algorithm none is not accepted/);
    const confused = signJwt(claims(), {
      alg: 'HS256',
      key: Buffer.from(pem(rsa.publicKey, 'spki')),
    });
    await expect(rsaOnly.verify(confused)).rejects.toThrow(/algorithm HS256 is not accepted/);
    // with a secret configured too, the public key is still never the HMAC key
    const both = verifier({ secret: SECRET, publicKeyPem: pem(rsa.publicKey, 'spki') });
    await expect(both.verify(confused)).rejects.toThrow(/signature is invalid/);
  });

  it('refuses RSA keys under 2048 bits, as a configured key and inside a key set', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => verifier({ publicKeyPem: pem(weak.publicKey, 'spki') })).toThrow(
      /at least 2048 bits/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
    try {
      const file = join(dir, 'jwks.json');
      writeFileSync(file, JSON.stringify({ keys: [jwkOf(weak.publicKey, 'weak')] }));
      expect(() => verifier({ jwksFile: file })).toThrow(/1024 bits/);
      // a key set served by someone else is checked by jose when the key is used
      const server = await jwksServer(() => ({ keys: [jwkOf(weak.publicKey, 'weak')] }));
      try {
        const remote = verifier({ jwksUrl: server.url });
        const token = signJwt(claims(), { alg: 'RS256', key: weak.privateKey }, 'weak');
        await expect(remote.verify(token)).rejects.toThrow(/too weak/);
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a token with an unknown critical header extension', async () => {
    const v = verifier({ secret: SECRET });
    const header = b64({ alg: 'HS256', typ: 'JWT', crit: ['x-unknown'], 'x-unknown': true });
    const body = b64(claims());
    const { createHmac } = await import('node:crypto');
    const sig = createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url');
    await expect(v.verify(`${header}.${body}.${sig}`)).rejects.toThrow(/critical extension/);
  });

  it('follows kid rotation of a JWKS URL without restart (old kid, then new kid, old kid gone)', async () => {
    const oldKey = generateKeyPairSync('ed25519');
    const newKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let served = [jwkOf(oldKey.publicKey, 'k-2026-1')];
    const server = await jwksServer(() => ({ keys: served }));
    try {
      // no cooldown and no cache so the test needs no clock (defaults: 30 s and 10 min)
      const v = verifier({ jwksUrl: server.url, jwksCooldownMs: 0, jwksCacheMaxAgeMs: 0 });
      const oldToken = signJwt(
        claims(),
        jwtKeyFrom(pem(oldKey.privateKey, 'pkcs8'), 'sign'),
        'k-2026-1',
      );
      const newToken = signJwt(
        claims({ sub: 'bob' }),
        jwtKeyFrom(pem(newKey.privateKey, 'pkcs8'), 'sign'),
        'k-2026-2',
      );
      expect((await v.verify(oldToken)).sub).toBe('alice');
      await expect(v.verify(newToken)).rejects.toThrow(/no configured key matches/);
      served = [jwkOf(oldKey.publicKey, 'k-2026-1'), jwkOf(newKey.publicKey, 'k-2026-2')];
      expect((await v.verify(newToken)).sub).toBe('bob');
      served = [jwkOf(newKey.publicKey, 'k-2026-2')];
      await expect(v.verify(oldToken)).rejects.toThrow(/no configured key matches/);
      expect((await v.verify(newToken)).sub).toBe('bob');
      expect(server.requests()).toBeGreaterThanOrEqual(3);
    } finally {
      await server.close();
    }
  });

  it('follows kid rotation of a local JWKS file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
    try {
      const file = join(dir, 'jwks.json');
      const k1 = generateKeyPairSync('ed25519');
      const k2 = generateKeyPairSync('ed25519');
      writeFileSync(file, JSON.stringify({ keys: [jwkOf(k1.publicKey, 'one')] }));
      const v = verifier({ jwksFile: file });
      const t1 = signJwt(claims(), jwtKeyFrom(pem(k1.privateKey, 'pkcs8'), 'sign'), 'one');
      const t2 = signJwt(claims(), jwtKeyFrom(pem(k2.privateKey, 'pkcs8'), 'sign'), 'two');
      await v.verify(t1);
      await expect(v.verify(t2)).rejects.toThrow(/no configured key matches/);
      writeFileSync(
        file,
        JSON.stringify({ keys: [jwkOf(k2.publicKey, 'two'), { kty: 'OKP' }].slice(0, 1) }),
      );
      expect((await v.verify(t2)).sub).toBe('alice');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers "keys unavailable" (not "invalid token") when the JWKS URL cannot be reached', async () => {
    const server = await jwksServer(() => ({ keys: [] }));
    const url = server.url;
    await server.close();
    const v = verifier({ jwksUrl: url });
    const token = signJwt(claims(), jwtKeyFrom(pem(ed.privateKey, 'pkcs8'), 'sign'), 'any');
    const error = (await v.verify(token).catch((e: Error) => e)) as Error & { reason?: string };
    expect(error.reason).toBe('keys-unavailable');
  });

  it('refuses short HS256 secrets', () => {
    expect(() => jwtKeyFrom('short', 'sign')).toThrow(/at least 32 bytes/);
  });
});

/** A JWKS endpoint on a free port, serving whatever `keys()` returns at the time of the request. */
async function jwksServer(keys: () => unknown) {
  let count = 0;
  const server: Server = createServer((_req, res) => {
    count += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(keys()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('callerFromClaims', () => {
  it('reads role, province and point', () => {
    expect(callerFromClaims(claims())).toEqual({
      role: 'clerk',
      province: '31',
      acceptancePoint: '310101-01',
      subject: 'alice',
    });
    expect(
      callerFromClaims(claims({ role: 'reviewer', scope: { province: '33' } })).acceptancePoint,
    ).toBeNull();
  });
  it.each([
    [{ role: 'admin' }, /role must be one of/],
    [{ scope: { province: '3' } }, /scope.province/],
    [{ scope: { province: '99' } }, /province code of mainland China.*99 is not one/],
    [{ role: 'reviewer', scope: { province: '00' } }, /province code of mainland China/],
    [{ scope: { province: '31', point: '330402-01' } }, /scope.point/],
    [{ scope: { province: '31' } }, /clerk token must name an acceptance point/],
  ])('refuses %j', (over, message) => {
    expect(() => callerFromClaims(claims(over as Partial<JwtClaims>))).toThrow(message);
  });
});
