import { CallerRole, DEV_JWT_SECRET, jwtKeyFrom, signJwt } from '@app/platform';

export interface TestCaller {
  role: CallerRole;
  province?: string;
  point?: string;
  subject?: string;
}

/**
 * Request headers that identify a caller: a bearer JWT signed with the development key (what the
 * API checks), valid for an hour, with the issuer and audience of the default configuration.
 */
export function authHeaders(
  caller: TestCaller,
  opts: { expiresIn?: number; secret?: string } = {},
): Record<string, string> {
  const province = caller.province ?? caller.point?.slice(0, 2);
  if (!province) throw new Error('authHeaders: give a province or a point');
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(
    {
      iss: 'idcard-dev',
      aud: 'idcard-api',
      sub: caller.subject ?? `${caller.role}@${caller.point ?? province}`,
      iat: now,
      exp: now + (opts.expiresIn ?? 3600),
      role: caller.role,
      scope: { province, ...(caller.point ? { point: caller.point } : {}) },
    },
    jwtKeyFrom(opts.secret ?? DEV_JWT_SECRET, 'sign'),
  );
  return { authorization: `Bearer ${token}` };
}
