import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors } from './openapi/api-errors';

export type CallerRole = 'clerk' | 'reviewer' | 'production' | 'delivery' | 'ops' | 'auditor';
export const CALLER_ROLES: readonly CallerRole[] = [
  'clerk',
  'reviewer',
  'production',
  'delivery',
  'ops',
  'auditor',
];

/** Who is calling: the one request-scoped place handlers read identity from. */
export interface Caller {
  role: CallerRole;
  /** 2-digit province code the caller acts for. */
  province: string;
  /** A clerk's acceptance point, e.g. 330402-01. */
  acceptancePoint: string | null;
  /** Stable id of the person or system (token subject). */
  subject: string;
}

/** `@CurrentCaller() caller: Caller` in a controller method: the identity the AuthGuard verified. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Caller => {
    const req = ctx.switchToHttp().getRequest<{ caller?: Caller }>();
    if (!req.caller)
      throw new UnauthorizedException({
        error: 'Unauthorized',
        message: 'missing bearer token (Authorization: Bearer <jwt>)',
      });
    return req.caller;
  },
);

/** OpenAPI: the route needs a bearer token; 401 without a valid one, 403 for a role or scope that may not. */
export function ApiCallerAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(),
    ApiErrors({
      401: 'Missing, malformed, expired or forged bearer token',
      403: "The token's role or scope may not do this",
    }),
  );
}
