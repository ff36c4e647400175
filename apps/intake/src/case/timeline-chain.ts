import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/messaging';

/**
 * The case timeline as a hash chain (tamper evidence for intake.case_timeline).
 *
 * Every entry stores `prev_hash` (the `hash` of the entry before it for the same case, or
 * GENESIS_HASH for the first) and `hash` = SHA-256 (hex) of the canonical JSON (keys sorted, no
 * spaces; see canonicalJson in @app/messaging) of
 *
 *   {actor, at, caseId, event, from, messageId, prevHash, reason, senderProvince, senderService,
 *    side, to}
 *
 * with `at` as an ISO 8601 UTC string with milliseconds (`2026-11-23T02:51:51.817Z`) and absent
 * values as null. Changing, removing, inserting or reordering an entry breaks the chain at that
 * entry (or at the next one, if its hash was recomputed too). `timelineEntryHash` is the one
 * function that computes it: used where rows are written (CaseWorkflowService.record), by the
 * migration that filled existing rows, and by the auditor's verification.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** What an entry's hash covers (besides the previous hash). */
export interface TimelineContent {
  caseId: string;
  from: string | null;
  to: string;
  event: string;
  side: string;
  actor: string | null;
  senderProvince: string | null;
  senderService: string | null;
  messageId: string | null;
  reason: string | null;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
}

/** A row as read back from intake.case_timeline (entity or raw query, camelCase). */
export interface TimelineRowLike {
  caseId: string;
  fromStatus: string | null;
  toStatus: string;
  event: string;
  side: string;
  actor: string | null;
  senderProvince: string | null;
  senderService: string | null;
  messageId: string | null;
  reason: string | null;
  at: Date;
}

/**
 * Text as PostgreSQL will return it: UTF-8 has no lone surrogates (the driver writes U+FFFD for
 * them), so hashing the same normalised value that is stored keeps the hash reproducible.
 */
export function storableText(value: string): string;
export function storableText(value: string | null): string | null;
export function storableText(value: string | null): string | null {
  return value === null ? null : Buffer.from(value, 'utf8').toString('utf8');
}

/** The hashed content of a row, normalised as the database stores it (uuids lower case, ms). */
export function timelineContent(row: TimelineRowLike): TimelineContent {
  if (Number.isNaN(row.at.getTime())) throw new Error('timeline entry without a valid time');
  return {
    caseId: row.caseId.toLowerCase(),
    from: row.fromStatus,
    to: row.toStatus,
    event: row.event,
    side: row.side,
    actor: storableText(row.actor),
    senderProvince: row.senderProvince,
    senderService: row.senderService,
    messageId: row.messageId === null ? null : row.messageId.toLowerCase(),
    reason: storableText(row.reason),
    at: row.at.toISOString(),
  };
}

/** SHA-256 (hex) of the canonical JSON of the entry's content and the previous entry's hash. */
export function timelineEntryHash(content: TimelineContent, prevHash: string): string {
  const document = { ...normalised(content), prevHash };
  return createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex');
}

/** Explicit nulls, so an absent field and a null field hash alike. */
function normalised(c: TimelineContent): TimelineContent {
  return {
    caseId: c.caseId,
    from: c.from ?? null,
    to: c.to,
    event: c.event,
    side: c.side,
    actor: c.actor ?? null,
    senderProvince: c.senderProvince ?? null,
    senderService: c.senderService ?? null,
    messageId: c.messageId ?? null,
    reason: c.reason ?? null,
    at: c.at,
  };
}

/** A stored entry with its chain columns. */
export interface ChainedRow extends TimelineRowLike {
  id: string;
  prevHash: string | null;
  hash: string | null;
}

export interface ChainVerdict {
  /** True when every entry's hash matches its content and links to the entry before it. */
  verified: boolean;
  /** The id of the first entry where the chain breaks, or null. */
  brokenAt: string | null;
  /** How many entries were checked. */
  entries: number;
  /** What is wrong at `brokenAt`, in words (null when verified). */
  problem: string | null;
  /** The hash of the last entry (what an external anchor would record). */
  headHash: string | null;
}

/**
 * Recomputes the chain of one case's entries (in id order). When `caseStatus` is given, the last
 * entry must also end in the case's current status: entries cut off the end of the chain (which
 * the chain alone cannot show) are reported at the last remaining entry.
 */
export function verifyTimelineChain(
  rows: readonly ChainedRow[],
  caseStatus?: string,
): ChainVerdict {
  const broken = (row: ChainedRow | undefined, problem: string): ChainVerdict => ({
    verified: false,
    brokenAt: row?.id ?? null,
    entries: rows.length,
    problem,
    headHash: rows.length ? rows[rows.length - 1].hash : null,
  });
  if (!rows.length) return broken(undefined, 'the case has no timeline entries');
  let expectedPrev = GENESIS_HASH;
  let caseId: string | null = null;
  for (const row of rows) {
    const content = timelineContent(row);
    if (caseId !== null && content.caseId !== caseId)
      return broken(row, `entry ${row.id} belongs to another case`);
    caseId = content.caseId;
    if (!row.hash || !row.prevHash)
      return broken(row, `entry ${row.id} has no hash: it was not written by intake`);
    if (row.prevHash !== expectedPrev) {
      return broken(
        row,
        `entry ${row.id} does not link to the entry before it (prev_hash differs): an entry was removed, inserted or reordered, or the one before was changed`,
      );
    }
    if (timelineEntryHash(content, row.prevHash) !== row.hash)
      return broken(row, `entry ${row.id} does not match its hash: its content was changed`);
    expectedPrev = row.hash;
  }
  const last = rows[rows.length - 1];
  if (caseStatus !== undefined && last.toStatus !== caseStatus) {
    return broken(
      last,
      `the last entry (${last.id}) ends in ${last.toStatus} but the case is ${caseStatus}: entries after it are missing`,
    );
  }
  return {
    verified: true,
    brokenAt: null,
    entries: rows.length,
    problem: null,
    headHash: last.hash,
  };
}
