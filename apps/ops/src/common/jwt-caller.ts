import { Caller, callerFromToken, TokenVerifier } from '@app/platform';

/**
 * Verifies a bearer JWT exactly as the platform's AuthGuard does (issuer, audience, configured
 * keys, the system's claims) for the one ops route the guard does not see: the queue board, an
 * express router mounted beside Nest. Throws 401 with the reason.
 */
export function callerFromJwt(token: string, verifier: TokenVerifier): Promise<Caller> {
  return callerFromToken(verifier, token);
}
