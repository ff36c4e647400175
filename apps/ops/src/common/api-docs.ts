import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ApiCallerAuth } from '@app/platform';

/** The JSON error body of every 4xx/5xx (documented once). */
export const ERROR_BODY = 'JSON {statusCode, error, message, details?}';

/** Bearer token (role ops, or auditor where reading is enough); and the 503 of a missing schema. */
export function ApiOpsAccess(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiCallerAuth(),
    ApiResponse({
      status: 503,
      description: `PostgreSQL or Redis unavailable, or a service schema ops reads is missing. ${ERROR_BODY}`,
    }),
  );
}
