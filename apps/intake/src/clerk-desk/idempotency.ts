import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/messaging';

/**
 * Idempotency of POST /applications. The key is chosen by the clerk app (one per intake attempt),
 * scoped by the caller's acceptance point, and stored with the SHA-256 of the canonical JSON of
 * the request body (object keys sorted, so the same document always hashes the same).
 */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

const KEY = /^[\x21-\x7e]{8,128}$/;

/** Why the header value is not a usable key, or undefined when it is. */
export function idempotencyKeyProblem(key: unknown): string | undefined {
  if (key === undefined || key === null || key === '') {
    return `${IDEMPOTENCY_HEADER} header is required (8-128 visible ASCII characters, e.g. a UUID)`;
  }
  if (typeof key !== 'string' || !KEY.test(key)) {
    return `${IDEMPOTENCY_HEADER} must be 8-128 visible ASCII characters (no spaces)`;
  }
  return undefined;
}

export function requestHash(body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(body ?? null))
    .digest('hex');
}

/** A stored first result, replayed as is for a retry with the same key and body. */
export interface StoredResult {
  statusCode: number;
  body: unknown;
}

export type IdempotencyOutcome =
  { kind: 'replay'; result: StoredResult } | { kind: 'mismatch' } | { kind: 'pending' };

/** What a stored key means for a new request with `hash`. */
export function compareStored(
  stored: { requestHash: string; statusCode: number | null; response: unknown },
  hash: string,
): IdempotencyOutcome {
  if (stored.requestHash !== hash) return { kind: 'mismatch' };
  if (stored.statusCode === null) return { kind: 'pending' };
  return { kind: 'replay', result: { statusCode: stored.statusCode, body: stored.response } };
}
