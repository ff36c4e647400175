import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorBodyView, ErrorDetailView } from './error-body.dto';

/** The error statuses the API answers with; each body is an ErrorBodyView. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/** `Retry-After` on 429 and 503: seconds after which the same request may succeed. */
export const RETRY_AFTER_HEADER: HeadersObject = {
  'Retry-After': {
    description: 'Seconds to wait before retrying (sent when the server knows)',
    schema: { type: 'integer', minimum: 0 },
    required: false,
  },
};

/** The schema reference of the shared error body, for hand-written response declarations. */
export const ERROR_BODY_SCHEMA = { $ref: getSchemaPath(ErrorBodyView) };

/**
 * The error answers of a route (or of every route of a controller), each with the shared error
 * schema `{statusCode, error, message, details?}`: `@ApiErrors({ 404: 'Unknown case', 409: '…' })`.
 */
export function ApiErrors(
  errors: Partial<Record<ErrorStatus, string>>,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorBodyView, ErrorDetailView),
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        schema: ERROR_BODY_SCHEMA,
        ...(status === '429' || status === '503' ? { headers: RETRY_AFTER_HEADER } : {}),
      }),
    ),
  );
}
