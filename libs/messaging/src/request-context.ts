import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request a piece of work belongs to: set by the HTTP layer for a request (X-Request-Id) and by
 * the transport for a message that carries one, so every log line and every message it causes
 * names the request that started it.
 */
export const requestContext = new AsyncLocalStorage<{ requestId?: string }>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/** What a request id may look like (UUIDs, ULIDs, a load balancer's ids); anything else is replaced. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
