/**
 * Mints a development bearer token with the configured key (HS256 JWT_SECRET, the development
 * default unless set). Prints only the token, so `$(npm run -s token -- …)` works.
 *
 *   npm run -s token -- --role clerk --province 31 --point 310101-01 [--subject alice] [--ttl 8h]
 *   npm run -s token -- --role reviewer --province 33
 */
import { SignJWT } from 'jose';
import { CALLER_ROLES, callerFromClaims, loadConfig } from '@app/platform';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function ttlSeconds(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw);
  if (!m) throw new Error(`--ttl must look like 3600, 30m, 8h or 7d`);
  return (
    Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd']
  );
}

async function main() {
  const config = loadConfig();
  if (!config.JWT_SECRET)
    throw new Error(
      'npm run token signs with JWT_SECRET (HS256); set it, or mint EdDSA/RS256 tokens with your own issuer',
    );
  const role = arg('role');
  const province = arg('province') ?? arg('point')?.slice(0, 2);
  const point = arg('point');
  if (!role) throw new Error(`--role is required (one of ${CALLER_ROLES.join(', ')})`);
  const now = Math.floor(Date.now() / 1000);
  const subject = arg('subject') ?? `${role}@${point ?? province}`;
  const ttl = ttlSeconds(arg('ttl') ?? '8h');
  const scope = { province, ...(point ? { point } : {}) };
  // refuse to mint a token the API would refuse
  callerFromClaims({ sub: subject, role, scope });
  const token = await new SignJWT({ role, scope })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(new TextEncoder().encode(config.JWT_SECRET));
  process.stdout.write(token + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${(error as Error).message}\n`);
  process.exit(2);
});
