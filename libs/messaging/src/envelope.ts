import { createHash } from 'node:crypto';
import { REQUEST_ID_PATTERN } from './request-context';

/** Where a message goes or comes from: a service of a province (e.g. verification of 34). */
export interface Address {
  province: string;
  service: string;
}

/**
 * The signed envelope every inter-province message travels in. The signature covers the canonical
 * JSON of every other field, so nothing (not even the recipient) can be changed in transit.
 */
export interface Envelope<P = unknown> {
  id: string;
  type: string;
  schemaVersion: number;
  caseId: string;
  correlationId: string;
  causationId: string | null;
  sender: Address;
  recipient: Address;
  sentAt: string;
  /** For a delayed message (a durable timer): when it becomes due. Its age counts from then. */
  deliverAt?: string | null;
  payload: P;
  /** For a response: the request it answers and the hash of that request's envelope. */
  inReplyTo: { messageId: string; hash: string } | null;
  /** The HTTP request (X-Request-Id) that caused this message, directly or through earlier ones. */
  requestId?: string;
  signature: string;
}

export type UnsignedEnvelope<P = unknown> = Omit<Envelope<P>, 'signature'>;

/** JSON with object keys sorted at every depth: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The bytes a sender signs: everything but the signature. */
export function signingBytes(envelope: UnsignedEnvelope | Envelope): Buffer {
  const { signature: _ignored, ...rest } = envelope as Envelope;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** SHA-256 of the whole signed envelope; a response quotes it to bind itself to its request. */
export function envelopeHash(envelope: Envelope): string {
  return createHash('sha256').update(canonicalJson(envelope)).digest('hex');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (message ids; case ids, which every service makes so). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Structural check of an envelope received from a queue; returns the problem or null. */
export function envelopeShapeProblem(value: unknown): string | null {
  if (!value || typeof value !== 'object') return 'envelope is not an object';
  const e = value as Record<string, unknown>;
  const isAddress = (a: unknown) =>
    !!a &&
    typeof a === 'object' &&
    typeof (a as Address).province === 'string' &&
    typeof (a as Address).service === 'string';
  if (typeof e.id !== 'string' || !isUuid(e.id)) return 'id must be a uuid';
  if (typeof e.type !== 'string' || !e.type) return 'type must be a non-empty string';
  if (!Number.isInteger(e.schemaVersion)) return 'schemaVersion must be an integer';
  if (typeof e.caseId !== 'string' || !e.caseId) return 'caseId must be a non-empty string';
  if (typeof e.correlationId !== 'string') return 'correlationId must be a string';
  if (
    e.requestId !== undefined &&
    (typeof e.requestId !== 'string' || !REQUEST_ID_PATTERN.test(e.requestId))
  )
    return 'requestId must be 8 to 128 letters, digits, ".", "_", ":" or "-"';
  if (e.causationId !== null && typeof e.causationId !== 'string')
    return 'causationId must be a string or null';
  if (!isAddress(e.sender)) return 'sender must be {province, service}';
  if (!isAddress(e.recipient)) return 'recipient must be {province, service}';
  if (typeof e.sentAt !== 'string' || Number.isNaN(Date.parse(e.sentAt)))
    return 'sentAt must be an ISO timestamp';
  if (
    e.deliverAt !== undefined &&
    e.deliverAt !== null &&
    (typeof e.deliverAt !== 'string' || Number.isNaN(Date.parse(e.deliverAt)))
  ) {
    return 'deliverAt must be an ISO timestamp or null';
  }
  if (!('payload' in e)) return 'payload is missing';
  if (e.inReplyTo !== null && e.inReplyTo !== undefined) {
    const r = e.inReplyTo as Record<string, unknown>;
    if (typeof r.messageId !== 'string' || typeof r.hash !== 'string')
      return 'inReplyTo must be {messageId, hash}';
  }
  // A missing signature is not a shape problem: the receiver rejects it as unsigned (SIGNATURE).
  return null;
}
