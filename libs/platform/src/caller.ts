import { createParamDecorator, ExecutionContext, UnauthorizedException } from '@nestjs/common';

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

/**
 * Reads the caller from the request. Until token authentication lands (issue: who may do what),
 * the identity comes from development headers, set by `callerFromHeaders`: `X-Caller-Role`,
 * `X-Caller-Province`, `X-Acceptance-Point`, `X-Caller-Subject`. Handlers never read headers
 * themselves, so replacing this with a verified JWT changes no handler.
 */
export function callerFromHeaders(headers: Record<string, string | string[] | undefined>): Caller {
  const h = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const point = h('x-acceptance-point') ?? null;
  if (point !== null && !/^\d{6}-\d{2}$/.test(point)) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: 'X-Acceptance-Point must look like 330402-01',
    });
  }
  const role = (h('x-caller-role') ?? (point ? 'clerk' : undefined)) as CallerRole | undefined;
  if (!role || !CALLER_ROLES.includes(role)) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: `caller role missing or unknown (one of ${CALLER_ROLES.join(', ')})`,
    });
  }
  const province = h('x-caller-province') ?? point?.slice(0, 2);
  if (!province || !/^\d{2}$/.test(province)) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: 'caller province missing (X-Caller-Province, 2 digits)',
    });
  }
  if (role === 'clerk' && !point) {
    throw new UnauthorizedException({
      error: 'Unauthorized',
      message: 'a clerk must name an acceptance point (X-Acceptance-Point)',
    });
  }
  return {
    role,
    province,
    acceptancePoint: point,
    subject: h('x-caller-subject') ?? `${role}@${point ?? province}`,
  };
}

/** `@CurrentCaller() caller: Caller` in a controller method. */
export const CurrentCaller = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Caller => {
    const req = ctx
      .switchToHttp()
      .getRequest<{ caller?: Caller; headers: Record<string, string | string[] | undefined> }>();
    req.caller ??= callerFromHeaders(req.headers);
    return req.caller;
  },
);
