import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { PROVINCE_CODES } from '@app/domain';
import type { AppConfig } from '../config';
import { Caller, CALLER_ROLES, CallerRole } from '../caller';
import { JwtError, TokenVerifier } from './jwt';
import { CallerRateLimit, RateLimited } from './rate-limit';

const PUBLIC_ROUTE = 'auth:public';
/** Marks a route that needs no token (health only). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

const ROLES = 'auth:roles';
/** Restricts a route (or controller) to the given roles; checked after the token. */
export const Roles = (...roles: CallerRole[]) => SetMetadata(ROLES, roles);

/** Token claims of this system: `role`, and `scope` {province, point?}. */
export function callerFromClaims(claims: Record<string, unknown>): Caller {
  const role = claims.role as CallerRole;
  if (!CALLER_ROLES.includes(role))
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: `token role must be one of ${CALLER_ROLES.join(', ')}`,
    });
  const scope = (claims.scope ?? {}) as { province?: unknown; point?: unknown };
  const province = scope.province;
  if (typeof province !== 'string' || !/^\d{2}$/.test(province)) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: 'token scope.province must be a 2-digit province code',
    });
  }
  if (!PROVINCE_CODES.includes(province)) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: `token scope.province must be a province code of mainland China (11 … 65); ${province} is not one`,
    });
  }
  const point = scope.point ?? null;
  if (
    point !== null &&
    (typeof point !== 'string' || !/^\d{6}-\d{2}$/.test(point) || point.slice(0, 2) !== province)
  ) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: 'token scope.point must be an acceptance point of scope.province, like 330402-01',
    });
  }
  if (role === 'clerk' && point === null)
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: 'a clerk token must name an acceptance point (scope.point)',
    });
  return {
    role,
    province,
    acceptancePoint: point,
    subject: typeof claims.sub === 'string' ? claims.sub : `${role}@${point ?? province}`,
  };
}

/** The token verifier of a node's configuration; a key that cannot be read stops the boot. */
export function tokenVerifierFrom(config: AppConfig): TokenVerifier {
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`${variable}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  const named = <T>(variable: string, make: () => T): T => {
    try {
      return make();
    } catch (error) {
      const message = (error as Error).message;
      throw new Error(message.startsWith(variable) ? message : `${variable}: ${message}`);
    }
  };
  const publicKeyPem = config.JWT_PUBLIC_KEY_FILE
    ? read('JWT_PUBLIC_KEY_FILE', config.JWT_PUBLIC_KEY_FILE)
    : undefined;
  if (config.JWT_JWKS_FILE) read('JWT_JWKS_FILE', config.JWT_JWKS_FILE);
  return named(
    config.JWT_JWKS_FILE ? 'JWT_JWKS_FILE' : 'JWT_PUBLIC_KEY_FILE',
    () =>
      new TokenVerifier({
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        secret: config.JWT_SECRET,
        publicKeyPem,
        jwksUrl: config.JWT_JWKS_URL,
        jwksFile: config.JWT_JWKS_FILE,
        jwksCooldownMs: config.JWT_JWKS_COOLDOWN_MS,
        jwksCacheMaxAgeMs: config.JWT_JWKS_CACHE_MS,
      }),
  );
}

/** Verifies a bearer token and reads the caller from it; 401 naming the problem (503 if keys are unreachable). */
export async function callerFromToken(verifier: TokenVerifier, token: string): Promise<Caller> {
  let claims;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    if (error instanceof JwtError && error.reason === 'keys-unavailable')
      throw new HttpException(
        { error: 'Service Unavailable', message: error.message },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    if (error instanceof JwtError)
      throw new UnauthorizedException({
        error: 'Unauthorized',
        message: `invalid token: ${error.message}`,
      });
    throw error;
  }
  return callerFromClaims(claims);
}

/**
 * Every HTTP route except those marked @Public requires a bearer JWT (issuer, audience and key from
 * configuration). The verified caller is put on the request, where @CurrentCaller() reads it; a
 * per-subject limit, shared by all nodes through Redis, bounds the request rate (429 + Retry-After).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verifier: TokenVerifier;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly rateLimit: CallerRateLimit,
  ) {
    this.verifier = tokenVerifierFrom(config);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; caller?: Caller }>();
    const header = req.headers.authorization;
    if (!header)
      throw new UnauthorizedException({
        error: 'Unauthorized',
        message: 'missing bearer token (Authorization: Bearer <jwt>)',
      });
    const m = /^Bearer ([^\s]+)$/.exec(header);
    if (!m)
      throw new UnauthorizedException({
        error: 'Unauthorized',
        message: 'Authorization header must be "Bearer <jwt>"',
      });
    const caller = await callerFromToken(this.verifier, m[1]);
    // Known from here on, also when refused below: the access log names who was refused.
    req.caller = caller;
    try {
      await this.rateLimit.consume(caller.subject);
    } catch (error) {
      if (error instanceof RateLimited)
        context
          .switchToHttp()
          .getResponse<{ setHeader(name: string, value: string): void }>()
          .setHeader('Retry-After', String(error.retryAfterSeconds));
      throw error;
    }
    const roles = this.reflector.getAllAndOverride<CallerRole[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(caller.role)) {
      throw new HttpException(
        {
          error: 'Forbidden',
          message: `role ${caller.role} may not do this (allowed: ${roles.join(', ')})`,
        },
        HttpStatus.FORBIDDEN,
      );
    }
    return true;
  }
}
