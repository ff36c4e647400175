import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Caller } from '@app/platform';
import { clerkPoint } from './http-problems';

/**
 * Clerk-only routes: refuses any other role with 403 before the body is validated or read.
 * Runs after the global AuthGuard, which put the verified caller on the request.
 */
@Injectable()
export class ClerkGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ caller?: Caller }>();
    if (!req.caller)
      throw new UnauthorizedException({ error: 'Unauthorized', message: 'missing bearer token' });
    clerkPoint(req.caller);
    return true;
  }
}
