import {
  ArgumentMetadata,
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  ParseUUIDPipe,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { DomainRuleError } from '@app/domain';
import { isUnavailable } from '@app/persistence';

/**
 * One global filter for both transports. Over HTTP, every error is JSON `{statusCode, error, message, details?}` (the public contract). Domain rule
 * violations are the caller's mistake (400 unless the thrower chose otherwise); anything unexpected is
 * a 500 that is logged and tells the caller nothing internal.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Messages: pass the real error on to the transport (retries, dead letters keep its message).
    if (host.getType() !== 'http') return throwError(() => exception);
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof DomainRuleError) {
      res.status(HttpStatus.BAD_REQUEST).json({
        statusCode: 400,
        error: 'Bad Request',
        message: exception.message,
        details: [{ field: exception.field, rule: exception.rule, message: exception.message }],
      });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const obj = typeof body === 'string' ? { message: body } : (body as Record<string, unknown>);
      const message = Array.isArray(obj.message)
        ? obj.message.join('; ')
        : String(obj.message ?? exception.message);
      // A refusal that ends at a known time (429, 503) says when to come back.
      if (typeof obj.retryAfterSeconds === 'number') {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(obj.retryAfterSeconds))));
      }
      res.status(status).json({
        statusCode: status,
        error:
          typeof obj.error === 'string'
            ? obj.error
            : (HttpStatus[status] ?? 'Error')
                .replace(/_/g, ' ')
                .toLowerCase()
                .replace(/\b\w/g, (c) => c.toUpperCase()),
        message,
        ...(obj.details !== undefined ? { details: obj.details } : {}),
      });
      return;
    }
    const parserError = clientErrorOf(exception);
    if (parserError) {
      res.status(parserError.status).json({
        statusCode: parserError.status,
        error: parserError.status === 413 ? 'Payload Too Large' : 'Bad Request',
        message: parserError.message,
      });
      return;
    }
    if (isStatementTimeout(exception)) {
      // Any request class whose statement ran past its budget (statement_timeout): busy, not broken.
      this.logger.warn(`statement timeout: ${(exception as Error).message}`);
      res.status(503).json({
        statusCode: 503,
        error: 'Service Unavailable',
        message:
          'the database did not answer within the time budget of this request (statement timeout); nothing was written, retry later',
      });
      return;
    }
    if (isUnavailable(exception)) {
      this.logger.warn(`dependency unavailable: ${(exception as Error).message}`);
      res.status(503).json({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'PostgreSQL or Redis is unavailable; nothing was written, retry later',
      });
      return;
    }
    this.logger.error(
      `unhandled error: ${(exception as Error)?.message ?? String(exception)}`,
      (exception as Error)?.stack,
    );
    res.status(500).json({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error; the request was not applied',
    });
  }
}

/**
 * Errors raised by the body parser before any handler runs (too large, malformed JSON, bad
 * encoding): they carry a 4xx `status` and a `type` such as `entity.too.large`.
 */
function clientErrorOf(error: unknown): { status: number; message: string } | null {
  const e = error as {
    type?: unknown;
    status?: unknown;
    limit?: unknown;
    message?: unknown;
  } | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string' || typeof e.status !== 'number')
    return null;
  if (e.status < 400 || e.status > 499) return null;
  if (e.type === 'entity.too.large') {
    return {
      status: 413,
      message: `request body is too large (limit ${typeof e.limit === 'number' ? `${Math.round(e.limit / 1024)} KB` : 'exceeded'})`,
    };
  }
  if (e.type === 'entity.parse.failed')
    return { status: 400, message: `request body is not valid JSON: ${String(e.message)}` };
  return { status: e.status, message: `request body refused (${e.type})` };
}

function flatten(
  errors: ValidationError[],
  parent = '',
): { field: string; rule: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([rule, message]) => ({
      field,
      rule,
      message: message.startsWith(e.property)
        ? `${field}${message.slice(e.property.length)}`
        : `${field}: ${message}`,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Keys class-transformer drops silently (so the whitelist never sees them): refused outright. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A NUL or a forbidden key anywhere in a body; PostgreSQL cannot store NUL in text either. */
function bodyProblem(
  value: unknown,
  path: string,
  depth = 0,
): { field: string; rule: string; message: string } | null {
  if (depth > 32)
    return {
      field: path || 'body',
      rule: 'body.depth',
      message: `${path || 'body'}: nested too deeply`,
    };
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? { field: path, rule: 'text.nul', message: `${path}: must not contain the NUL character` }
      : null;
  }
  if (!value || typeof value !== 'object') return null;
  for (const key of Object.keys(value)) {
    const field = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key))
      return { field, rule: 'whitelistValidation', message: `property ${key} should not exist` };
    const problem = bodyProblem((value as Record<string, unknown>)[key], field, depth + 1);
    if (problem) return problem;
  }
  return null;
}

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problem = bodyProblem(value, '');
      if (problem)
        throw new BadRequestException({
          error: 'Bad Request',
          message: problem.message,
          details: [problem],
        });
    }
    return super.transform(value, metadata);
  }
}

/** Strict DTO validation: unknown fields are rejected, and each problem names its field and rule. */
export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        error: 'Bad Request',
        message: details.map((d) => d.message).join('; '),
        details,
      });
    },
  });
}

/** `@Param('caseId', uuidParam('caseId'))`: a 400 naming the parameter when it is not a UUID. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new BadRequestException({
        error: 'Bad Request',
        message: `${name}: must be a UUID`,
        details: [{ field: name, rule: 'isUuid', message: `${name}: must be a UUID` }],
      }),
  });
}

/** PostgreSQL cancelled the statement because of statement_timeout (SQLSTATE 57014). */
function isStatementTimeout(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  if (!e || typeof e !== 'object') return false;
  return (e.code ?? e.driverError?.code) === '57014';
}
