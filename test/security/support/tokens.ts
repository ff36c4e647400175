import { CallerRole, DEV_JWT_SECRET, JwtClaims, jwtKeyFrom, signJwt } from '@app/platform';

/** Claims like the ones authHeaders (test/support/auth) signs, to vary one at a time. */
export function claimsFor(
  role: CallerRole,
  scope: { province: string; point?: string },
  over: Partial<JwtClaims> = {},
): JwtClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'idcard-dev',
    aud: 'idcard-api',
    sub: `${role}@${scope.point ?? scope.province}`,
    iat: now,
    exp: now + 3600,
    role,
    scope,
    ...over,
  };
}

/** A token signed with the development key (or another secret), as a bearer header. */
export function bearer(claims: JwtClaims, secret = DEV_JWT_SECRET): Record<string, string> {
  return { authorization: `Bearer ${signJwt(claims, jwtKeyFrom(secret, 'sign'))}` };
}

/** A valid token whose payload was changed afterwards (signature of the original). */
export function tamperedBearer(claims: JwtClaims, change: Partial<JwtClaims>) {
  const [header, , signature] = signJwt(claims, jwtKeyFrom(DEV_JWT_SECRET, 'sign')).split('.');
  const body = Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url');
  return { authorization: `Bearer ${header}.${body}.${signature}` };
}

/** An unsigned token (alg none), which must never be accepted. */
export function unsignedBearer(claims: JwtClaims) {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return { authorization: `Bearer ${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.` };
}
