import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  BullMqClient,
  DeadLetter,
  DeadLetterNotFoundError,
  DeadLetterNotReplayableError,
  DeadLetterStore,
  Envelope,
  queueName,
} from '@app/messaging';
import { isUnavailable } from '@app/persistence';
import { Caller } from '@app/platform';
import { MaskedEnvelope, maskEnvelope, maskText } from '../common/masking';
import { translateMissingSchema } from '../common/read-only';
import {
  DEAD_LETTER_SCHEMAS,
  DeadLetterQuery,
  DeadLetterRef,
  MAX_DEAD_LETTER_WINDOW,
} from './dto/dead-letter.dto';

/** A dead letter as ops shows it: what failed and why, never the payload's values. */
export interface DeadLetterView {
  schema: string;
  id: string;
  messageId: string | null;
  queue: string;
  type: string | null;
  caseId: string | null;
  reason: string;
  error: string;
  attempts: number;
  createdAt: string;
  replayCount: number;
  replayedAt: string | null;
  envelope: MaskedEnvelope;
}

export interface SchemaDeadLetters {
  schema: string;
  /** false when this database has no such schema (the service is not deployed here). */
  available: boolean;
  /** Dead letters of this schema matching the filter. */
  matching: number;
  /** Dead letters of this schema never replayed (whatever the filter). */
  unreplayed: number;
}

export interface DeadLetterPage {
  asOf: string;
  total: number;
  limit: number;
  offset: number;
  bySchema: SchemaDeadLetters[];
  items: DeadLetterView[];
}

export type ReplayResult =
  | {
      schema: string;
      id: string;
      ok: true;
      replayCount: number;
      replayedAt: string | null;
      /** The queue the message was put back on (its recipient's). */
      queue: string | null;
      caseId: string | null;
    }
  | { schema: string; id: string; ok: false; status: number; error: string };

export interface ReplayResponse {
  replayed: number;
  failed: number;
  results: ReplayResult[];
}

/**
 * The dead letters of every service schema (intake, verification, production, delivery), listed
 * together and replayed through each schema's DeadLetterStore with the node's shared BullMQ
 * producer. Replay puts the signed envelope back unchanged; the consumer's inbox makes a replay of
 * a message that did take effect a no-op.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);
  private readonly stores: ReadonlyMap<string, DeadLetterStore>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly client: BullMqClient,
  ) {
    this.stores = new Map(DEAD_LETTER_SCHEMAS.map((s) => [s, new DeadLetterStore(dataSource, s)]));
  }

  /** The schemas that have a dead_letters table in this database. */
  async availableSchemas(): Promise<Set<string>> {
    const rows: { schema: string }[] = await this.dataSource.query(
      `SELECT s AS schema FROM unnest($1::text[]) AS s
        WHERE to_regclass(format('%I.dead_letters', s)) IS NOT NULL`,
      [DEAD_LETTER_SCHEMAS],
    );
    return new Set(rows.map((r) => r.schema));
  }

  async list(query: DeadLetterQuery): Promise<DeadLetterPage> {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    if (offset + limit > MAX_DEAD_LETTER_WINDOW) {
      const message = `offset + limit must be at most ${MAX_DEAD_LETTER_WINDOW}; narrow the list with schema, reason, type or caseId`;
      throw new BadRequestException({
        error: 'Bad Request',
        message,
        details: [{ field: 'offset', rule: 'window.max', message }],
      });
    }
    const schemas = query.schema ? [query.schema] : [...DEAD_LETTER_SCHEMAS];
    const available = await this.availableSchemas();
    const filter = {
      reason: query.reason,
      type: query.type,
      caseId: query.caseId,
      replayed: query.replayed,
    };
    const bySchema: SchemaDeadLetters[] = [];
    const items: DeadLetterView[] = [];
    for (const schema of schemas) {
      if (!available.has(schema)) {
        bySchema.push({ schema, available: false, matching: 0, unreplayed: 0 });
        continue;
      }
      const store = this.store(schema);
      const page = await store.list({ ...filter, limit: offset + limit, offset: 0 });
      const unreplayed = (await store.list({ replayed: false, limit: 1 })).total;
      bySchema.push({ schema, available: true, matching: page.total, unreplayed });
      items.push(...page.items.map((letter) => toView(schema, letter)));
    }
    items.sort(
      (a, b) =>
        b.createdAt.localeCompare(a.createdAt) ||
        a.schema.localeCompare(b.schema) ||
        Number(b.id) - Number(a.id),
    );
    return {
      asOf: new Date().toISOString(),
      total: bySchema.reduce((sum, s) => sum + s.matching, 0),
      limit,
      offset,
      bySchema,
      items: items.slice(offset, offset + limit),
    };
  }

  async get(schema: string, id: string): Promise<DeadLetterView> {
    let letter: DeadLetter | null;
    try {
      letter = await this.store(schema).get(id);
    } catch (error) {
      throw translateMissingSchema(error);
    }
    if (!letter)
      throw new NotFoundException({
        error: 'Not Found',
        message: `dead letter ${schema}/${id} does not exist`,
      });
    return toView(schema, letter);
  }

  /** Replays each item on its own: one that fails does not stop the others. */
  async replay(items: DeadLetterRef[], caller: Caller): Promise<ReplayResponse> {
    const seen = new Set<string>();
    const unique = items.filter((i) => {
      const key = `${i.schema}/${i.id}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    const results: ReplayResult[] = [];
    for (const item of unique) results.push(await this.replayOne(item, caller));
    const replayed = results.filter((r) => r.ok).length;
    return { replayed, failed: results.length - replayed, results };
  }

  private async replayOne({ schema, id }: DeadLetterRef, caller: Caller): Promise<ReplayResult> {
    try {
      const letter = await this.store(schema).replay(id, this.client);
      const recipient = (letter.envelope as Partial<Envelope> | null)?.recipient;
      this.logger.log(`dead letter ${schema}/${id} replayed by ${caller.subject}`, {
        caseId: letter.caseId,
        messageId: letter.messageId,
      });
      return {
        schema,
        id,
        ok: true,
        replayCount: letter.replayCount,
        replayedAt: letter.replayedAt ? new Date(letter.replayedAt).toISOString() : null,
        queue: recipient ? queueName(recipient) : null,
        caseId: letter.caseId,
      };
    } catch (error) {
      if (error instanceof DeadLetterNotFoundError)
        return { schema, id, ok: false, status: 404, error: error.message };
      if (error instanceof DeadLetterNotReplayableError)
        return { schema, id, ok: false, status: 422, error: error.message };
      const translated = translateMissingSchema(error);
      if (translated !== error)
        return {
          schema,
          id,
          ok: false,
          status: 503,
          error: `schema ${schema} is not deployed here`,
        };
      if (isUnavailable(error))
        return {
          schema,
          id,
          ok: false,
          status: 503,
          error: 'PostgreSQL or Redis is unavailable; nothing was replayed, retry later',
        };
      this.logger.error(`replay of ${schema}/${id} failed: ${(error as Error).message}`);
      return { schema, id, ok: false, status: 500, error: 'internal error; not replayed' };
    }
  }

  private store(schema: string): DeadLetterStore {
    const store = this.stores.get(schema);
    if (!store)
      throw new BadRequestException({
        error: 'Bad Request',
        message: `schema must be one of ${DEAD_LETTER_SCHEMAS.join(', ')}`,
      });
    return store;
  }
}

const clip = (s: string | null) => (s === null ? null : maskText(s));

function toView(schema: string, d: DeadLetter): DeadLetterView {
  return {
    schema,
    id: d.id,
    messageId: clip(d.messageId),
    queue: maskText(d.queue),
    type: clip(d.type),
    caseId: clip(d.caseId),
    reason: d.reason,
    error: maskText(d.error),
    attempts: d.attempts,
    createdAt: new Date(d.createdAt).toISOString(),
    replayCount: d.replayCount,
    replayedAt: d.replayedAt ? new Date(d.replayedAt).toISOString() : null,
    envelope: maskEnvelope(d.envelope),
  };
}
