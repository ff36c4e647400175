import { RpcException } from '@nestjs/microservices';
import type { DataSource, EntityManager } from 'typeorm';
import type { BullMqClient } from './bullmq.client';
import type { Envelope } from './envelope';
import { assertSchemaName } from './tables';

/** Why a message was set aside instead of handled. */
export const DeadLetterReason = {
  /** Not an envelope at all (bad JSON shape, missing fields). */
  MALFORMED: 'MALFORMED',
  /** Signature missing, forged, or by a province other than the claimed sender. */
  SIGNATURE: 'SIGNATURE',
  /** Addressed to another service or province than the queue it arrived on. */
  WRONG_RECIPIENT: 'WRONG_RECIPIENT',
  /** A type this service does not consume, or a schema version it does not know. */
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  /**
   * The payload is not sealed, is sealed for an encryption key the recipient does not hold, or does
   * not open (altered, or sealed for another message).
   */
  SEALING: 'SEALING',
  /** The payload failed the catalog's schema. */
  VALIDATION: 'VALIDATION',
  /** The handler failed on every attempt. */
  HANDLER_FAILED: 'HANDLER_FAILED',
  /** Sent longer ago than the accepted window (or in the future): a replayed or delayed copy. */
  STALE: 'STALE',
  /**
   * Validly signed, but not from (or not to) the party of the case the catalog names, or a reply
   * to no request this side sent for the current round: a third province or a confused node.
   */
  PARTY_MISMATCH: 'PARTY_MISMATCH',
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

export interface DeadLetter {
  id: string;
  messageId: string | null;
  queue: string;
  type: string | null;
  caseId: string | null;
  reason: DeadLetterReason;
  error: string;
  attempts: number;
  envelope: unknown;
  createdAt: Date;
  replayCount: number;
  replayedAt: Date | null;
}

export interface DeadLetterFilter {
  reason?: DeadLetterReason;
  type?: string;
  caseId?: string;
  replayed?: boolean;
  limit?: number;
  offset?: number;
}

/** The dead-letter table of one service's schema: recording, listing and replaying. */
export class DeadLetterStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    assertSchemaName(schema);
  }

  async record(
    entry: {
      queue: string;
      reason: DeadLetterReason;
      error: string;
      attempts: number;
      envelope: unknown;
    },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const e = (entry.envelope ?? {}) as Partial<Envelope>;
    const str = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : null);
    await manager.query(
      `INSERT INTO "${this.schema}".dead_letters (message_id, queue, type, case_id, reason, error, attempts, envelope)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        str(e.id),
        entry.queue,
        str(e.type),
        str(e.caseId),
        entry.reason,
        entry.error.slice(0, 2000),
        entry.attempts,
        JSON.stringify(entry.envelope ?? null),
      ],
    );
  }

  async list(filter: DeadLetterFilter = {}): Promise<{ total: number; items: DeadLetter[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.reason) add('reason = ?', filter.reason);
    if (filter.type) add('type = ?', filter.type);
    if (filter.caseId) add('case_id = ?', filter.caseId);
    if (filter.replayed !== undefined)
      where.push(filter.replayed ? 'replay_count > 0' : 'replay_count = 0');
    const sqlWhere = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM "${this.schema}".dead_letters ${sqlWhere}`,
      params,
    );
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const rows = await this.dataSource.query(
      `SELECT * FROM "${this.schema}".dead_letters ${sqlWhere} ORDER BY id DESC LIMIT ${limit} OFFSET ${Math.max(filter.offset ?? 0, 0)}`,
      params,
    );
    return { total: n, items: rows.map(toDeadLetter) };
  }

  /**
   * True when a message with this id was admitted here and then failed in its handler (ops may
   * replay it after the age window). A copy refused before its handler ran (STALE, SIGNATURE,
   * PARTY_MISMATCH...) does not count: a replayed copy stays refused however often it comes.
   */
  async holds(messageId: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `SELECT 1 FROM "${this.schema}".dead_letters WHERE message_id = $1 AND reason = $2 LIMIT 1`,
      [messageId, DeadLetterReason.HANDLER_FAILED],
    );
    return rows.length > 0;
  }

  async get(id: string): Promise<DeadLetter | null> {
    const rows = await this.dataSource.query(
      `SELECT * FROM "${this.schema}".dead_letters WHERE id = $1`,
      [id],
    );
    return rows.length ? toDeadLetter(rows[0]) : null;
  }

  /**
   * Puts a dead letter back on its queue, unchanged (its signature still has to verify). The job id
   * is new so BullMQ accepts it; the message id is the same, so if the first attempt did take effect
   * after all, the consumer's inbox makes the replay a no-op.
   */
  async replay(id: string, client: BullMqClient): Promise<DeadLetter> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query(
        `SELECT * FROM "${this.schema}".dead_letters WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!rows.length) throw new DeadLetterNotFoundError(id);
      const letter = toDeadLetter(rows[0]);
      const envelope = letter.envelope as Envelope;
      if (!envelope || typeof envelope !== 'object' || !envelope.recipient) {
        throw new DeadLetterNotReplayableError(id, 'it is not an envelope with a recipient');
      }
      const jobId = `${letter.messageId ?? 'x'}-replay-${letter.id}-${letter.replayCount + 1}`;
      await client.publish([{ envelope, jobId }]);
      await manager.query(
        `UPDATE "${this.schema}".dead_letters SET replay_count = replay_count + 1, replayed_at = now() WHERE id = $1`,
        [id],
      );
      const [updated] = await manager.query(
        `SELECT * FROM "${this.schema}".dead_letters WHERE id = $1`,
        [id],
      );
      return toDeadLetter(updated);
    });
  }
}

export class DeadLetterNotFoundError extends Error {
  constructor(id: string) {
    super(`dead letter ${id} does not exist`);
  }
}

export class DeadLetterNotReplayableError extends Error {
  constructor(id: string, why: string) {
    super(`dead letter ${id} cannot be replayed: ${why}`);
  }
}

function toDeadLetter(row: Record<string, unknown>): DeadLetter {
  return {
    id: String(row.id),
    messageId: row.message_id as string | null,
    queue: row.queue as string,
    type: row.type as string | null,
    caseId: row.case_id as string | null,
    reason: row.reason as DeadLetterReason,
    error: row.error as string,
    attempts: row.attempts as number,
    envelope: row.envelope,
    createdAt: row.created_at as Date,
    replayCount: row.replay_count as number,
    replayedAt: (row.replayed_at as Date | null) ?? null,
  };
}

/**
 * Thrown by a handler for a message that must never be accepted (e.g. PARTY_MISMATCH): the
 * transport dead-letters it at once with this reason, without retries, and its transaction (inbox
 * row included) rolls back, so a second copy is checked, and refused, again. An RpcException, so
 * Nest's RPC exception handling keeps the reason.
 */
export class MessageRefusedError extends RpcException {
  constructor(
    readonly reason: DeadLetterReason,
    readonly detail: string,
  ) {
    super({ status: 'error', message: `${reason}: ${detail}`, deadLetterReason: reason });
  }
}

/** The dead-letter reason a handler's error carries, if it refused the message. */
export function refusalReason(error: unknown): DeadLetterReason | undefined {
  const e = error instanceof RpcException ? error.getError() : error;
  if (!e || typeof e !== 'object' || !('deadLetterReason' in e)) return undefined;
  const reason = (e as { deadLetterReason: unknown }).deadLetterReason;
  return typeof reason === 'string' && Object.hasOwn(DeadLetterReason, reason)
    ? (reason as DeadLetterReason)
    : undefined;
}
