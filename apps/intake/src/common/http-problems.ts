import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
  PayloadTooLargeException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { Caller } from '@app/platform';
import type { IllegalTransitionError } from '@app/workflow';

/**
 * The 4xx errors of the intake API, in the contract's JSON format
 * `{statusCode, error, message, details}`; `details` lists `{field, rule, message}` items so a
 * clerk app can point at the input that broke a rule.
 */
export interface ProblemDetail {
  field: string;
  rule: string;
  message: string;
  [extra: string]: unknown;
}

const detail = (field: string, rule: string, message: string, extra = {}): ProblemDetail[] => [
  { field, rule, message, ...extra },
];

export function badRequest(field: string, rule: string, message: string): BadRequestException {
  return new BadRequestException({
    error: 'Bad Request',
    message,
    details: detail(field, rule, message),
  });
}

export function unprocessable(
  field: string,
  rule: string,
  message: string,
  extra: Record<string, unknown> = {},
): UnprocessableEntityException {
  return new UnprocessableEntityException({
    error: 'Unprocessable Entity',
    message,
    details: detail(field, rule, message, extra),
  });
}

export function forbidden(rule: string, message: string, field?: string): ForbiddenException {
  return new ForbiddenException({
    error: 'Forbidden',
    message,
    details: [{ ...(field ? { field } : {}), rule, message }],
  });
}

export function notFound(message: string): NotFoundException {
  return new NotFoundException({ error: 'Not Found', message });
}

export function tooLarge(field: string, message: string): PayloadTooLargeException {
  return new PayloadTooLargeException({
    error: 'Payload Too Large',
    message,
    details: detail(field, 'size.max', message),
  });
}

/**
 * A clerk's request that the case workflow refuses: 409 with the machine's own message; the rule
 * is the workflow's code (workflow.ILLEGAL_TRANSITION, workflow.TERMINAL_STATE, …).
 */
export function conflict(error: IllegalTransitionError): ConflictException {
  return new ConflictException({
    error: 'Conflict',
    message: error.message,
    details: detail('status', `workflow.${error.code}`, error.message),
  });
}

/** The acceptance point of a clerk; any other role gets 403. */
export function clerkPoint(caller: Caller): string {
  if (caller.role !== 'clerk' || !caller.acceptancePoint) {
    throw forbidden(
      'role.clerk',
      `only a clerk at an acceptance point may do this (caller role: ${caller.role})`,
    );
  }
  return caller.acceptancePoint;
}
