import { ApiCallerAuth } from '@app/platform';

/** The route needs a bearer token (see ApiCallerAuth in @app/platform). */
export const ApiCallerHeaders = ApiCallerAuth;
