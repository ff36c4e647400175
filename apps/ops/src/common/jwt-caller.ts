import { UnauthorizedException } from '@nestjs/common';
import { AppConfig, Caller, callerFromClaims, JwtError, JwtKey, verifyJwt } from '@app/platform';

/**
 * Verifies a bearer JWT exactly as the platform's AuthGuard does (issuer, audience, configured
 * keys, the system's claims) for the one ops route the guard does not see: the queue board, an
 * express router mounted beside Nest. Throws 401 with the reason.
 */
export function callerFromJwt(
  token: string,
  keys: readonly JwtKey[],
  config: Pick<AppConfig, 'JWT_ISSUER' | 'JWT_AUDIENCE'>,
): Caller {
  try {
    const claims = verifyJwt(token, keys, {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    return callerFromClaims(claims);
  } catch (error) {
    if (error instanceof JwtError)
      throw new UnauthorizedException({
        error: 'Unauthorized',
        message: `invalid token: ${error.message}`,
      });
    throw error;
  }
}
