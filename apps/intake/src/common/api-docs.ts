import { ApiCallerAuth } from '@app/platform';

/** The route needs a bearer token (see ApiCallerAuth in @app/platform). */
export const ApiCallerHeaders = ApiCallerAuth;

/** The JSON error body of every 4xx/5xx (documented once). */
export const ERROR_BODY_DESCRIPTION =
  'JSON {statusCode, error, message, details}; details lists {field, rule, message} items';
