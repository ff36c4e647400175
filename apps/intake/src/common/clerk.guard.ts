import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Caller, callerFromHeaders } from '@app/platform';
import { clerkPoint } from './http-problems';

/**
 * Clerk-only routes: refuses any other role with 403 before the body is validated or read.
 * The identity comes from the same request-scoped place as `@CurrentCaller()`.
 */
@Injectable()
export class ClerkGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context
      .switchToHttp()
      .getRequest<{ caller?: Caller; headers: Record<string, string | string[] | undefined> }>();
    req.caller ??= callerFromHeaders(req.headers);
    clerkPoint(req.caller);
    return true;
  }
}
