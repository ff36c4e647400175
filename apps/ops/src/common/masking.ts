import { maskCitizenId } from '@app/domain';

/**
 * What ops may show of a message or a free text. Envelopes carry personal data in their payload
 * (names, ID numbers, addresses, phones, the hukou address on the issue decision): ops shows what
 * a message is (type, ids, sender, recipient, time) and which payload fields it had, never their
 * values, except a few fields that cannot identify anyone (round, outcome, timestamps, …).
 */

/** Payload fields whose scalar values identify nobody (counters, enums, times, points). */
const SAFE_PAYLOAD_FIELDS: ReadonlySet<string> = new Set([
  'round',
  'outcome',
  'decidedAt',
  'attempt',
  'attempts',
  'startedAt',
  'failedAt',
  'producedAt',
  'method',
  'collectedBy',
  'completedAt',
  'dispatchedAt',
  'arrivedAt',
  'returnedAt',
  'kind',
  'dueAt',
  'acceptancePoint',
  'residenceProvince',
  // A sealed payload's algorithm and recipient key id (which key it needs to open).
  'alg',
  'kid',
]);

export interface MaskedAddress {
  province: string | null;
  service: string | null;
}

export interface MaskedPayload {
  /** Top-level payload field names, in their order (values withheld unless listed in `safe`). */
  fields: string[];
  /** Values of the fields that identify nobody (round, outcome, times, acceptance point…). */
  safe: Record<string, string | number | boolean | null>;
  withheld: string[];
}

/** An envelope as ops shows it: everything that says what the message is, nothing about whom. */
export interface MaskedEnvelope {
  /** false when the stored value was not even an object (a malformed message). */
  isObject: boolean;
  id: string | null;
  type: string | null;
  schemaVersion: number | null;
  caseId: string | null;
  correlationId: string | null;
  causationId: string | null;
  sender: MaskedAddress | null;
  recipient: MaskedAddress | null;
  sentAt: string | null;
  inReplyTo: { messageId: string | null } | null;
  signed: boolean;
  payload: MaskedPayload | null;
  /** Top-level fields the envelope had beyond the known ones (names only). */
  otherFields: string[];
}

const ENVELOPE_FIELDS = new Set([
  'id',
  'type',
  'schemaVersion',
  'caseId',
  'correlationId',
  'causationId',
  'sender',
  'recipient',
  'sentAt',
  'payload',
  'inReplyTo',
  'signature',
]);

const MAX_FIELDS = 50;

/** A short identifier-like string (uuids, types, codes); anything else becomes null. */
function shortString(value: unknown, max = 80): string | null {
  if (typeof value !== 'string') return null;
  const s = maskText(value);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function fieldName(name: string): string {
  const s = maskText(name);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function address(value: unknown): MaskedAddress | null {
  if (!value || typeof value !== 'object') return null;
  const a = value as Record<string, unknown>;
  return { province: shortString(a.province, 8), service: shortString(a.service, 32) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

export function maskPayload(payload: unknown): MaskedPayload | null {
  if (!isRecord(payload)) return null;
  const keys = Object.keys(payload).slice(0, MAX_FIELDS);
  const safe: MaskedPayload['safe'] = {};
  const withheld: string[] = [];
  for (const key of keys) {
    const value = payload[key];
    const scalar =
      value === null ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      (typeof value === 'string' && value.length <= 64);
    if (SAFE_PAYLOAD_FIELDS.has(key) && scalar) {
      safe[key] = typeof value === 'string' ? maskText(value) : (value as number | boolean | null);
    } else {
      withheld.push(fieldName(key));
    }
  }
  return { fields: keys.map(fieldName), safe, withheld };
}

/** The envelope of a dead letter or a queued job, with the payload values withheld. */
export function maskEnvelope(value: unknown): MaskedEnvelope {
  if (!isRecord(value)) {
    return {
      isObject: false,
      id: null,
      type: null,
      schemaVersion: null,
      caseId: null,
      correlationId: null,
      causationId: null,
      sender: null,
      recipient: null,
      sentAt: null,
      inReplyTo: null,
      signed: false,
      payload: null,
      otherFields: [],
    };
  }
  const reply = value.inReplyTo;
  return {
    isObject: true,
    id: shortString(value.id),
    type: shortString(value.type),
    schemaVersion: Number.isInteger(value.schemaVersion) ? (value.schemaVersion as number) : null,
    caseId: shortString(value.caseId),
    correlationId: shortString(value.correlationId),
    causationId: shortString(value.causationId),
    sender: address(value.sender),
    recipient: address(value.recipient),
    sentAt: shortString(value.sentAt, 40),
    inReplyTo: isRecord(reply) ? { messageId: shortString(reply.messageId) } : null,
    signed: typeof value.signature === 'string' && value.signature.length > 0,
    payload: maskPayload(value.payload),
    otherFields: Object.keys(value)
      .filter((k) => !ENVELOPE_FIELDS.has(k))
      .slice(0, MAX_FIELDS)
      .map(fieldName),
  };
}

const CITIZEN_ID_LIKE = /(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])/g;
const MOBILE_LIKE = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])/g;

/**
 * Masks what looks like a citizen ID number (as `maskCitizenId` does) or a mainland mobile number
 * in a free text, e.g. an error message that quoted a value. A second line of defence: error texts
 * are not supposed to carry personal data in the first place.
 */
export function maskText(text: string): string {
  return text
    .replace(CITIZEN_ID_LIKE, (id) => maskCitizenId(id))
    .replace(MOBILE_LIKE, (m) => `${m.slice(0, 3)}****${m.slice(7)}`);
}
