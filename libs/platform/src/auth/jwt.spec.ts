import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { callerFromClaims } from './auth.guard';
import { JwtClaims, jwtKeyFrom, signJwt, verifyJwt } from './jwt';

const SECRET = 'a-test-secret-that-is-long-enough-32b';
const expectOk = { issuer: 'iss', audience: 'aud' };
const claims = (over: Partial<JwtClaims> = {}): JwtClaims => ({
  iss: 'iss',
  aud: 'aud',
  sub: 'alice',
  exp: Math.floor(Date.now() / 1000) + 600,
  role: 'clerk',
  scope: { province: '31', point: '310101-01' },
  ...over,
});

describe('JWT', () => {
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (k: KeyObject, type: 'pkcs8' | 'spki') =>
    String(k.export({ type, format: 'pem' } as never));

  it.each([
    ['HS256', jwtKeyFrom(SECRET, 'sign'), jwtKeyFrom(SECRET, 'verify')],
    [
      'EdDSA',
      jwtKeyFrom(pem(ed.privateKey, 'pkcs8'), 'sign'),
      jwtKeyFrom(pem(ed.publicKey, 'spki'), 'verify'),
    ],
    [
      'RS256',
      jwtKeyFrom(pem(rsa.privateKey, 'pkcs8'), 'sign'),
      jwtKeyFrom(pem(rsa.publicKey, 'spki'), 'verify'),
    ],
  ])('%s tokens verify with the configured key', (alg, signKey, verifyKey) => {
    expect(signKey.alg).toBe(alg);
    const token = signJwt(claims(), signKey);
    expect(verifyJwt(token, [verifyKey], expectOk).sub).toBe('alice');
  });

  it('refuses tampered, expired, future, wrong-issuer, wrong-audience and malformed tokens', () => {
    const key = jwtKeyFrom(SECRET, 'sign');
    const token = signJwt(claims(), key);
    const [h, , s] = token.split('.');
    const forgedBody = Buffer.from(JSON.stringify(claims({ role: 'ops' }))).toString('base64url');
    const cases: [string, RegExp][] = [
      [`${h}.${forgedBody}.${s}`, /signature/],
      [signJwt(claims({ exp: Math.floor(Date.now() / 1000) - 120 }), key), /expired/],
      [signJwt(claims({ exp: undefined }), key), /no expiry/],
      [signJwt(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }), key), /not valid yet/],
      [signJwt(claims({ iss: 'other' }), key), /issuer/],
      [signJwt(claims({ aud: 'other' }), key), /audience/],
      [
        signJwt(claims(), jwtKeyFrom('another-secret-that-is-long-enough-32b', 'sign')),
        /signature/,
      ],
      ['not.a.jwt!', /compact JWT/],
      ['abc', /compact JWT/],
    ];
    for (const [bad, message] of cases)
      expect(() => verifyJwt(bad, [jwtKeyFrom(SECRET, 'verify')], expectOk)).toThrow(message);
  });

  it('never lets the token choose a weaker algorithm (alg none, or HS256 keyed with a public key)', () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
    const edVerify = jwtKeyFrom(pem(ed.publicKey, 'spki'), 'verify');
    expect(() => verifyJwt(none, [edVerify], expectOk)).toThrow(/algorithm none/);
    const confused = signJwt(claims(), {
      alg: 'HS256',
      key: Buffer.from(pem(ed.publicKey, 'spki')),
    });
    expect(() => verifyJwt(confused, [edVerify], expectOk)).toThrow(/algorithm HS256/);
  });

  it('refuses short HS256 secrets', () => {
    expect(() => jwtKeyFrom('short', 'sign')).toThrow(/at least 32 bytes/);
  });
});

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
    [{ scope: { province: '31', point: '330402-01' } }, /scope.point/],
    [{ scope: { province: '31' } }, /clerk token must name an acceptance point/],
  ])('refuses %j', (over, message) => {
    expect(() => callerFromClaims(claims(over as Partial<JwtClaims>))).toThrow(message);
  });
});
