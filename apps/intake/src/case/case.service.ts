import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Catalog } from '@app/contracts';
import {
  DeadLetterReason,
  Envelope,
  isUuid,
  MessageRefusedError,
  OutOfOrderError,
} from '@app/messaging';
import {
  CaseEffect,
  DeadlineKind,
  IllegalTransitionError,
  machineOf,
  MachineResult,
  MachineSuccess,
  MachineTransition,
  runMachine,
  Side,
  transitionsFor,
} from '@app/workflow';
import {
  entityInsert,
  entityOfRow,
  entityUpdate,
  joinWrites,
  OpeningRead,
  SqlWrite,
  takeOpened,
  writeWithCommit,
} from '@app/persistence';
import { PhotoEntity } from '../photos/photo.entity';
import { IntakePolicy } from '../policy/intake-policy';
import { CaseEntity } from './case.entity';
import { CaseCommandsService, CommandBatch, SentCommand } from './case-commands.service';
import { DEADLINES } from './case-deadlines';
import { partyProblem, RejectedMessageError, senderSide } from './case-parties';
import { contextOf } from './case-context';
import { isEarly } from './message-timing';
import { TimelineEntity } from './timeline.entity';
import { GENESIS_HASH, timelineContent, timelineEntryHash } from './timeline-chain';

/** Who moved the case, for the timeline: a clerk over HTTP, a verified message sender, a timer. */
export interface TransitionActor {
  /** The side established by the caller (clerk, verified signature, own timer), never looked up. */
  side: Side;
  actor?: string | null;
  senderProvince?: string | null;
  senderService?: string | null;
  messageId?: string | null;
}

/**
 * Who asks for a transition: a clerk or the case's own timers (a TransitionActor), or a message,
 * whose parties are checked against the case here before anything else.
 */
export type CaseActor = TransitionActor | { message: Envelope };

/** An event offered to a case, with what it brings. */
export interface CaseEventRequest {
  /** The machine's event. */
  type: string;
  /** Shown in the timeline (refusal reason, round, ...). */
  reason?: string | null;
  /** Leave an otherwise acceptable message alone (e.g. a decision on an old round): nothing written. */
  ignore?: string;
  /**
   * The facts the event brings (a decision, a card serial, submitted material), written on the
   * locked case after the machine accepted the event and before the declared effects run. May throw
   * to refuse: nothing is written.
   */
  apply?: (c: CaseEntity) => void | Promise<void>;
}

export interface TransitionOptions {
  /** Checks on the locked case before the machine runs (e.g. the clerk's own acceptance point). */
  check?: (c: CaseEntity) => void;
  at?: Date;
}

export type TransitionOutcome =
  | { kind: 'applied'; case: CaseEntity; from: string; to: string; event: string }
  /** A late or duplicate message, or one the event asked to leave alone: nothing written. */
  | { kind: 'ignored'; case: CaseEntity; why: string }
  /** The machine refused a clerk's or timer's event: nothing written. */
  | { kind: 'refused'; case: CaseEntity; error: IllegalTransitionError };

/** One entry of the case's hash-chained timeline. */
export interface TimelineRecord {
  from: string | null;
  to: string;
  event: string;
  who: TransitionActor;
  reason?: string | null;
  at: Date;
}

/**
 * The one front door of the case. Every change of a case's status (a clerk's action, a message of
 * another party, a deadline, the reconciler) goes through `transition()`: it locks the case row,
 * checks a message's parties against the case, runs the case kind's machine (pure), writes what
 * the event brings, appends the hash-chained timeline row, carries out the effects the machine
 * declares for the transition (next commands, deadlines, settled answers, flags) and saves, all in
 * the caller's transaction.
 */
@Injectable()
export class CaseService {
  private readonly logger = new Logger(CaseService.name);

  constructor(
    private readonly commands: CaseCommandsService,
    @Inject(IntakePolicy) private readonly policy: IntakePolicy,
  ) {}

  /** Loads and locks the case row until the transaction ends (null when it does not exist). */
  async lock(manager: EntityManager, id: string): Promise<CaseEntity | null> {
    return asLoaded(
      await manager.findOne(CaseEntity, { where: { id }, lock: { mode: 'pessimistic_write' } }),
    );
  }

  /** What the machine of the case's kind says about `event` now (pure, nothing written). */
  attempt(c: CaseEntity, event: { type: string; side: Side }): MachineResult {
    return runMachine(machineOf(c.kind), contextOf(c), event);
  }

  /**
   * Creates a case in its machine's initial status (INTAKE row of the timeline), then opens it with
   * the machine's opening event (e.g. the first review request) and its declared effects. Returns
   * the case and the timeline entries written (all of them: the case is new).
   */
  async open(
    manager: EntityManager,
    c: CaseEntity,
    who: TransitionActor,
    opts: {
      reason?: string;
      at: Date;
      /** The case's photo, already read by the caller in this transaction. */
      photo?: PhotoEntity;
      /** A write of the caller's (e.g. its idempotency record) to join to the case's statement. */
      alsoWrite?: (opened: CaseEntity, timeline: TimelineEntry[]) => SqlWrite;
    },
  ): Promise<{ case: CaseEntity; timeline: TimelineEntry[] }> {
    const machine = machineOf(c.kind);
    c.status = machine.initial as CaseEntity['status'];
    c.timelineHead = GENESIS_HASH;
    const intake = await this.entry(manager, c, {
      from: null,
      to: machine.initial,
      event: 'INTAKE',
      who,
      at: opts.at,
    });
    // The new row is written with its opening: nothing of the case exists before that statement.
    const outcome = await this.applyTo(
      manager,
      c,
      { type: machine.opening, reason: opts.reason },
      who,
      undefined,
      opts.at,
      { insert: true, earlier: [intake], photo: opts.photo, alsoWrite: opts.alsoWrite },
    );
    if (outcome.kind !== 'applied') {
      throw new Error(`a new ${c.kind} case refused its opening event ${machine.opening}`);
    }
    return { case: outcome.case, timeline: [intake, outcome.entry] };
  }

  /**
   * Locks a case for a message and checks the message against the case's parties: the verified
   * sender must be the catalog's producer for its party of this case, the recipient the party this
   * node plays, and a reply must quote a request this side sent (for a review decision: of the
   * current round). A failure is refused as PARTY_MISMATCH: dead-lettered at once, nothing written.
   */
  async receive(
    manager: EntityManager,
    env: Envelope,
  ): Promise<{ case: CaseEntity; who: TransitionActor }> {
    const answers = (Catalog as Record<string, { answers?: string }>)[env.type]?.answers;
    // The case, locked, with the request a reply quotes: one read, sent with the opening.
    const { case: c, sent } = await this.lockWithRequest(manager, env);
    if (!c) {
      throw new RejectedMessageError(
        'UNKNOWN_CASE',
        `${env.type} for a case that does not exist here`,
      );
    }
    const problem =
      partyProblem(env, c) ?? (answers ? replyProblem(env, answers, c, sent) : undefined);
    if (problem) throw new MessageRefusedError(DeadLetterReason.PARTY_MISMATCH, problem);
    const side = senderSide(env.sender, c);
    if (!side) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `${env.sender.service} of ${env.sender.province} has no side in this case`,
      );
    }
    return {
      case: c,
      who: {
        side,
        senderProvince: env.sender.province,
        senderService: env.sender.service,
        messageId: env.id,
      },
    };
  }

  /**
   * Locks the case like `lock` and reads with it the request this case sent that a reply quotes
   * (by hash), if any: `caseReadOf(env)`. The transport sends that read with the message's opening
   * (intake's `openingRead`), so it is taken from there when it is the transaction's first look
   * (receive comes first in every handler); otherwise it is sent now.
   */
  private async lockWithRequest(
    manager: EntityManager,
    env: Envelope,
  ): Promise<{ case: CaseEntity | null; sent?: SentRequest }> {
    // Case ids are UUIDs: another id names no case (PostgreSQL would refuse it as a uuid).
    if (!isUuid(env.caseId)) return { case: null };
    const read = caseReadOf(env);
    const [row] =
      takeOpened(manager, read.key) ??
      ((await manager.query(read.sql, read.params)) as Record<string, unknown>[]);
    if (!row) return { case: null };
    const sent = row.sent_request as SentRequest | null;
    return { case: asLoaded(entityOfRow(manager, CaseEntity, row)), sent: sent ?? undefined };
  }

  /**
   * The front door: lock, check (a message's parties), run the machine, write what the event
   * brings, append the timeline row, carry out the declared effects, save.
   *
   * For a message, the machine's refusals are sorted here once: TERMINAL_STATE and a late
   * ILLEGAL_TRANSITION (a duplicate, a re-announcement) are ignored; an early ILLEGAL_TRANSITION
   * (the message overtook its predecessor) is an OutOfOrderError, parked by the transport; anything else (WRONG_SIDE,
   * GUARD_FAILED...) is thrown, retried, then dead-lettered. For a clerk or a timer they come back
   * as `refused` for the caller to answer.
   */
  async transition(
    manager: EntityManager,
    caseId: string,
    event: CaseEventRequest | ((c: CaseEntity) => CaseEventRequest),
    actor: CaseActor,
    opts: TransitionOptions = {},
  ): Promise<TransitionOutcome> {
    const at = opts.at ?? new Date();
    let c: CaseEntity | null;
    let who: TransitionActor;
    const message = 'message' in actor ? actor.message : undefined;
    if (message) {
      ({ case: c, who } = await this.receive(manager, message));
    } else {
      c = await this.lock(manager, caseId);
      if (!c) throw new Error(`case ${caseId} does not exist`);
      who = actor as TransitionActor;
    }
    opts.check?.(c);
    const request = typeof event === 'function' ? event(c) : event;
    const outcome = await this.applyTo(manager, c, request, who, message, at);
    if (outcome.kind !== 'applied') return outcome;
    const { entry: _entry, ...applied } = outcome;
    return applied;
  }

  /** The front door's work on a case it holds locked (or has just created). */
  private async applyTo(
    manager: EntityManager,
    c: CaseEntity,
    request: CaseEventRequest,
    who: TransitionActor,
    message: Envelope | undefined,
    at: Date,
    write: CaseWrite = { insert: false, earlier: [] },
  ): Promise<
    | Exclude<TransitionOutcome, { kind: 'applied' }>
    | (Extract<TransitionOutcome, { kind: 'applied' }> & { entry: TimelineEntry })
  > {
    const result = this.attempt(c, { type: request.type, side: who.side });
    const meta = { caseId: c.id, receipt: c.receiptNumber, messageId: who.messageId ?? undefined };
    if (!result.ok) {
      if (!message) return { kind: 'refused', case: c, error: result.error };
      const { code } = result.error;
      if (code === 'ILLEGAL_TRANSITION' && isEarly(machineOf(c.kind), c.status, request.type)) {
        // Overtook its predecessor (messages of one batch are consumed concurrently, a killed
        // node's job comes back later): parked by the transport until the case moves, no attempt spent.
        throw new OutOfOrderError(`EARLY: ${result.error.message}`);
      }
      if (code === 'TERMINAL_STATE' || code === 'ILLEGAL_TRANSITION') {
        this.logger.warn(
          `ignored ${message.type} (late or duplicate): ${result.error.message}`,
          meta,
        );
        return { kind: 'ignored', case: c, why: result.error.message };
      }
      throw new RejectedMessageError(code, result.error.message);
    }
    if (request.ignore) {
      this.logger.warn(`ignored ${message?.type ?? request.type}: ${request.ignore}`, meta);
      return { kind: 'ignored', case: c, why: request.ignore };
    }
    await request.apply?.(c);
    const next = result.context;
    c.status = next.status as CaseEntity['status'];
    c.postalReturned = next.postalReturned;
    c.productionAttempts = next.productionAttempts;
    c.updatedAt = at;
    const entry = await this.entry(manager, c, {
      from: result.from,
      to: result.to,
      event: result.event,
      who,
      reason: request.reason ?? null,
      at,
    });
    const timersBefore = c.timerJobs ?? {};
    const batch = await this.carryOut(manager, c, result, { causedBy: message, at }, write.photo);
    this.commands.withdrawTimers(manager, c, this.timersNoLongerAwaited(c, timersBefore, who));
    await this.write(manager, c, write, [...write.earlier, entry], batch);
    this.logger.log(`${result.from} -> ${result.to} by ${result.event}`, meta);
    return {
      kind: 'applied',
      case: c,
      from: result.from,
      to: result.to,
      event: result.event,
      entry,
    };
  }

  /** The effects the machine declares for the transition that applied, in a fixed order. */
  private async carryOut(
    manager: EntityManager,
    c: CaseEntity,
    result: MachineSuccess,
    ctx: { causedBy?: Envelope; at: Date },
    photo?: PhotoEntity,
  ): Promise<CommandBatch> {
    const t: MachineTransition = result.transition;
    if (t.settles) c.pendingCommand = null;
    // Everything the transition sends is written with the case, in its one statement.
    const batch = new CommandBatch(photo);
    for (const effect of result.effects) {
      switch (effect) {
        case CaseEffect.FLAG_REVIEW_OVERDUE:
          c.reviewOverdue = true;
          break;
        case CaseEffect.RESEND_REVIEW_REQUEST:
          // Same round: the hukou side answers a duplicate round with the decision it recorded.
          // The request is the one the case waits on (review or registration, by its machine).
          await this.commands.send(
            manager,
            c,
            reviewRequestOf(c),
            { resend: true, now: ctx.at },
            batch,
          );
          break;
        case CaseEffect.FLAG_STATUTORY_OVERDUE:
          c.statutoryOverdue = true;
          break;
        case CaseEffect.SEND_PICKUP_REMINDER:
          // No applicant channel in this system yet: the reminder is recorded for the clerk app.
          c.pickupRemindedAt = ctx.at;
          break;
        // INCREMENT_PRODUCTION_ATTEMPTS, MARK_POSTAL_RETURNED: already in the next context.
      }
    }
    for (const s of t.sends ?? []) {
      await this.commands.send(
        manager,
        c,
        s.message as SentCommand,
        { causedBy: ctx.causedBy, now: ctx.at },
        batch,
      );
    }
    for (const kind of t.schedules ?? []) {
      const deadline = DEADLINES[kind];
      deadline.arm(c, ctx.at, this.policy);
      const due = deadline.due(c);
      if (!due) throw new Error(`case ${c.id} has no ${kind} deadline to schedule`);
      await this.commands.scheduleTimer(manager, c, kind, due, {
        now: ctx.at,
        batch,
        handling: ctx.causedBy?.id,
      });
    }
    return batch;
  }

  /**
   * The reminders recorded before this transition whose deadline's event the case's machine no
   * longer accepts in the new status (decided, closed, collected): their records are dropped, their
   * jobs returned to be withdrawn, except the timer being handled now (a worker holds it, and it
   * completes by itself). One the transition re-armed was replaced, and withdrawn, by scheduleTimer.
   */
  private timersNoLongerAwaited(
    c: CaseEntity,
    before: Partial<Record<DeadlineKind, string>>,
    who: TransitionActor,
  ): string[] {
    const machine = machineOf(c.kind);
    const now = { ...c.timerJobs };
    const stale: string[] = [];
    for (const [kind, jobId] of Object.entries(before) as [DeadlineKind, string][]) {
      if (now[kind] !== jobId) continue; // re-armed: withdrawn by scheduleTimer
      if (transitionsFor(c.status, DEADLINES[kind].event, machine).length > 0) continue;
      delete now[kind];
      if (jobId !== who.messageId) stale.push(jobId);
    }
    c.timerJobs = now;
    return stale;
  }

  /**
   * Everything a transition writes, in one statement (see joinWrites): its timeline entries, the
   * outbox rows and awaited commands of its batch, the caller's own write, and the case row itself
   * (new, or the locked row's changed columns). Triggers (ops rollups, chain checks) and foreign
   * keys run at the end of the statement and see all of it.
   */
  private async write(
    manager: EntityManager,
    c: CaseEntity,
    how: CaseWrite,
    entries: TimelineEntry[],
    batch: CommandBatch,
  ): Promise<void> {
    const caseRow = how.insert
      ? entityInsert(manager, CaseEntity, c)
      : entityUpdate(manager, CaseEntity, changedColumns(c), c.id);
    const also = how.alsoWrite?.(c, entries);
    const statement = joinWrites([
      timelineInsert(entries),
      ...this.commands.writesOf(batch),
      ...(also ? [also] : []),
      caseRow,
    ]);
    // The last statement of a message's transaction: it goes with the COMMIT (writeWithCommit).
    await writeWithCommit(manager, statement);
    this.commands.written(manager, batch);
  }

  /**
   * The next timeline entry of a case this transaction holds locked (or has just built), chained to
   * the case's head (the hash of its last entry, kept on the case row: see timeline-chain.ts), and
   * moves the head; `write` inserts it with the case. A case without a head (written before the
   * column, or by a bulk loader) is chained from its last entry. The unique index (case_id,
   * prev_hash) refuses a fork should a stale head be used.
   */
  private async entry(
    manager: EntityManager,
    c: CaseEntity,
    entry: TimelineRecord,
  ): Promise<TimelineEntry> {
    const { who, at } = entry;
    const reason = entry.reason ?? null;
    const content = timelineContent({
      caseId: c.id,
      fromStatus: entry.from,
      toStatus: entry.to,
      event: entry.event,
      side: who.side,
      actor: who.actor ?? null,
      senderProvince: who.senderProvince ?? null,
      senderService: who.senderService ?? null,
      messageId: who.messageId ?? null,
      reason: reason === null ? null : reason.slice(0, 500),
      at,
    });
    const prevHash = c.timelineHead ?? (await this.lastHash(manager, c.id));
    const hash = timelineEntryHash(content, prevHash);
    c.timelineHead = hash;
    return {
      caseId: content.caseId,
      fromStatus: content.from,
      toStatus: content.to,
      event: content.event,
      side: content.side,
      actor: content.actor,
      senderProvince: content.senderProvince,
      senderService: content.senderService,
      messageId: content.messageId,
      reason: content.reason,
      at,
      prevHash,
      hash,
    };
  }

  /** The hash of the case's last entry (or the genesis hash), for a case without a head. */
  private async lastHash(manager: EntityManager, caseId: string): Promise<string> {
    const [last]: { hash: string | null }[] = await manager.query(
      // A row without a hash (not written here) is reported by the audit; chain past it.
      `SELECT hash FROM intake.case_timeline WHERE case_id = $1 AND hash IS NOT NULL
       ORDER BY id DESC LIMIT 1`,
      [caseId],
    );
    return last?.hash ?? GENESIS_HASH;
  }

  async timeline(manager: EntityManager, caseId: string): Promise<TimelineEntity[]> {
    return manager.find(TimelineEntity, { where: { caseId }, order: { id: 'ASC' } });
  }
}

/** A timeline entry as written by a transition (its id is the database's). */
export type TimelineEntry = Omit<TimelineEntity, 'id'>;

/** How a transition writes the case: a new row or the locked one, and what goes with it. */
interface CaseWrite {
  insert: boolean;
  /** Entries of this transaction before the transition's own (the new case's INTAKE entry). */
  earlier: TimelineEntry[];
  photo?: PhotoEntity;
  alsoWrite?: (c: CaseEntity, timeline: TimelineEntry[]) => SqlWrite;
}

/** The INSERT of a transition's timeline entries. */
function timelineInsert(entries: readonly TimelineEntry[]): SqlWrite {
  const columns = 13;
  const values = entries.map(
    (_, i) =>
      `(${Array.from({ length: columns }, (_c, k) => `$${i * columns + k + 1}`).join(', ')})`,
  );
  return {
    sql: `INSERT INTO intake.case_timeline (case_id, from_status, to_status, event, side, actor,
            sender_province, sender_service, message_id, reason, at, prev_hash, hash)
          VALUES ${values.join(', ')}`,
    params: entries.flatMap((e) => [
      e.caseId,
      e.fromStatus,
      e.toStatus,
      e.event,
      e.side,
      e.actor,
      e.senderProvince,
      e.senderService,
      e.messageId,
      e.reason,
      e.at,
      e.prevHash,
      e.hash,
    ]),
  };
}

/** A message's case, locked, with the request a reply quotes (the column `sent_request`). */
function caseReadOf(env: Envelope): OpeningRead {
  const hash = env.inReplyTo?.hash ?? null;
  return {
    key: `intake.cases:${env.caseId}:${hash ?? ''}`,
    sql: `SELECT c.*, (SELECT json_build_object('type', r.type, 'round', r.round)
                         FROM intake.case_requests r
                        WHERE r.case_id = c.id AND r.hash = $2 LIMIT 1) AS sent_request
            FROM intake.cases c WHERE c.id = $1 FOR UPDATE OF c`,
    params: [env.caseId, hash],
  };
}

/**
 * What intake's handlers read first for a message (see HostedService.openingRead): its case, as
 * `receive` reads it. None for a case id that is no UUID (no case has one: `receive` refuses the
 * message as UNKNOWN_CASE); PostgreSQL would refuse the whole opening.
 */
export function caseOpeningRead(env: Envelope): OpeningRead | undefined {
  return isUuid(env.caseId) ? caseReadOf(env) : undefined;
}

/** Each locked case's columns as read (JSON), to write back only what a transition changed. */
const asRead = new WeakMap<CaseEntity, Map<string, string | undefined>>();

function asLoaded(c: CaseEntity | null): CaseEntity | null {
  if (c) asRead.set(c, new Map(Object.entries(c).map(([k, v]) => [k, JSON.stringify(v)])));
  return c;
}

/** The columns of a locked case that differ from what was read (all of them if it was not read). */
function changedColumns(c: CaseEntity): Partial<CaseEntity> {
  const read = asRead.get(c);
  const { id: _id, ...columns } = c;
  if (!read) return columns;
  return Object.fromEntries(
    Object.entries(columns).filter(([k, v]) => read.get(k) !== JSON.stringify(v)),
  ) as Partial<CaseEntity>;
}

/** A request the case sent (intake.case_requests), as a reply names it by hash. */
interface SentRequest {
  type: string;
  round: number | null;
}

/** A reply must name, by hash, a request this case really sent (a review: the current round). */
function replyProblem(
  env: Envelope,
  answers: string,
  c: CaseEntity,
  sent: SentRequest | undefined,
): string | undefined {
  if (!env.inReplyTo) return `${env.type} is a reply but names no request (inReplyTo)`;
  if (!sent || sent.type !== answers) {
    return `inReplyTo.hash names no ${answers} this side sent for this case`;
  }
  if (sent.round !== null && sent.round !== c.reviewRound) {
    return `inReplyTo names the ${answers} of round ${sent.round}; the case is in round ${c.reviewRound}`;
  }
  return undefined;
}

/** The request a case under review waits on: its pending one, else its machine's opening send. */
function reviewRequestOf(c: CaseEntity): SentCommand {
  if (c.pendingCommand) return c.pendingCommand;
  const machine = machineOf(c.kind);
  const opening = machine.transitions.find(
    (t) => t.from === machine.initial && t.event === machine.opening,
  );
  const request = opening?.sends?.find((s) => s.awaited)?.message;
  if (!request) throw new Error(`the ${c.kind} machine's opening event sends no request`);
  return request as SentCommand;
}
