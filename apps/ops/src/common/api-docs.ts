import { applyDecorators } from '@nestjs/common';
import { ApiCallerAuth, ApiErrors } from '@app/platform';

/** Bearer token (role ops, or auditor where reading is enough); and the 503 of a missing schema. */
export function ApiOpsAccess(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiCallerAuth(),
    ApiErrors({
      503: 'PostgreSQL or Redis unavailable, or a service schema ops reads is missing',
    }),
  );
}
