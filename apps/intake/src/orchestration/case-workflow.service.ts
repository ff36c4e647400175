import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CaseEvent, transition, TransitionResult, TransitionSuccess, Side } from '@app/workflow';
import { CaseEntity } from '../applications/case.entity';
import { contextOf } from '../applications/case-view';
import { TimelineEntity } from '../applications/timeline.entity';
import { GENESIS_HASH, timelineContent, timelineEntryHash } from '../audit/timeline-chain';

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
 * The only way the case record changes status: `transition()` of @app/workflow on a row locked
 * FOR UPDATE in the caller's transaction, with the timeline row written in the same transaction.
 */
@Injectable()
export class CaseWorkflowService {
  /** Loads and locks the case row until the transaction ends (null when it does not exist). */
  async lock(manager: EntityManager, id: string): Promise<CaseEntity | null> {
    return manager.findOne(CaseEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** What the machine says about `event` for this case now (pure, nothing written). */
  attempt(c: CaseEntity, event: CaseEvent): TransitionResult {
    return transition(contextOf(c), event);
  }

  /**
   * Applies a successful transition to the (locked) case and appends the timeline row. The
   * caller carries out the `caller` effects and then `save`s the case in the same transaction.
   */
  async apply(
    manager: EntityManager,
    c: CaseEntity,
    result: TransitionSuccess,
    who: TransitionActor,
    reason: string | null = null,
    at = new Date(),
  ): Promise<void> {
    const next = result.context;
    c.status = next.status;
    c.postalReturned = next.postalReturned;
    c.productionAttempts = next.productionAttempts;
    c.updatedAt = at;
    await this.record(manager, c.id, result.from, result.to, result.event, who, reason, at);
  }

  /**
   * Appends one timeline entry, chained to the case's previous entry (see audit/timeline-chain.ts).
   * Reading the previous hash is safe because the case row is locked in this transaction: every
   * caller already holds it (lock() FOR UPDATE for clerk actions and messages, the reconciler's
   * FOR UPDATE SKIP LOCKED claim, or the INSERT of a new case), and it is taken again here (a no-op
   * for the holder) so that no path can append without it. The unique index (case_id, prev_hash)
   * refuses a fork should one ever slip through.
   */
  async record(
    manager: EntityManager,
    caseId: string,
    from: string | null,
    to: string,
    event: string,
    who: TransitionActor,
    reason: string | null,
    at: Date,
  ): Promise<void> {
    await manager.query(`SELECT 1 FROM intake.cases WHERE id = $1 FOR UPDATE`, [caseId]);
    const [last]: { hash: string | null }[] = await manager.query(
      // A row without a hash (not written here) is reported by the audit; chain past it.
      `SELECT hash FROM intake.case_timeline WHERE case_id = $1 AND hash IS NOT NULL
       ORDER BY id DESC LIMIT 1`,
      [caseId],
    );
    const content = timelineContent({
      caseId,
      fromStatus: from,
      toStatus: to,
      event,
      side: who.side,
      actor: who.actor ?? null,
      senderProvince: who.senderProvince ?? null,
      senderService: who.senderService ?? null,
      messageId: who.messageId ?? null,
      reason: reason === null ? null : reason.slice(0, 500),
      at,
    });
    const prevHash = last?.hash ?? GENESIS_HASH;
    await manager.insert(TimelineEntity, {
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
      hash: timelineEntryHash(content, prevHash),
    });
  }

  /** Writes every column of the case (one UPDATE; the row is already locked). */
  async save(manager: EntityManager, c: CaseEntity): Promise<void> {
    const { id, ...columns } = c;
    await manager.update(CaseEntity, { id }, columns as QueryDeepPartialEntity<CaseEntity>);
  }

  async timeline(manager: EntityManager, caseId: string): Promise<TimelineEntity[]> {
    return manager.find(TimelineEntity, { where: { caseId }, order: { id: 'ASC' } });
  }
}
