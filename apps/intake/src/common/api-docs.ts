import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';

/** The development identity headers (replaced by a bearer token later; handlers do not change). */
export function ApiCallerHeaders(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'X-Caller-Role',
      required: false,
      description:
        'clerk (default when X-Acceptance-Point is set), reviewer, production, delivery, ops, auditor',
    }),
    ApiHeader({
      name: 'X-Acceptance-Point',
      required: false,
      description: "The clerk's acceptance point, e.g. 330402-01 (required for clerks)",
    }),
    ApiHeader({ name: 'X-Caller-Province', required: false, description: '2-digit province code' }),
    ApiHeader({ name: 'X-Caller-Subject', required: false, description: 'Person or system id' }),
    ApiResponse({ status: 401, description: 'No or unreadable caller identity' }),
  );
}

/** The JSON error body of every 4xx/5xx (documented once). */
export const ERROR_BODY_DESCRIPTION =
  'JSON {statusCode, error, message, details}; details lists {field, rule, message} items';
