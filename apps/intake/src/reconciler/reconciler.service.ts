import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, PeriodicTask, ServiceMessaging } from '@app/platform';
import { CaseStatus, NewbornStatus } from '@app/workflow';
import { CaseEntity, PendingCommand } from '../case/case.entity';
import { CaseCommandsService, TimerKind } from '../case/case-commands.service';
import { DeadlinesService, SYSTEM_ACTOR } from '../orchestration/deadlines.service';

/**
 * The statuses in which a case still waits for the final answer to each pending command. A
 * production order stays pending while the card is being made (a lost `production.completed`
 * must be recoverable), until the card is produced.
 */
export const WAITING_STATUSES: Readonly<Record<PendingCommand, readonly string[]>> = {
  'review.requested': [CaseStatus.UNDER_REVIEW],
  'registration.requested': [NewbornStatus.UNDER_REVIEW],
  'production.ordered': [CaseStatus.APPROVED, CaseStatus.IN_PRODUCTION],
  // An ID card once produced; a newborn's household-register page once registered.
  'delivery.ordered': [CaseStatus.PRODUCED, NewbornStatus.REGISTERED],
};

/**
 * After dispatch the case waits on people (the courier, the clerk, the applicant), not on a
 * service, so nothing is pending; but a lost `delivery.arrived`/`returned`/`completed` would leave
 * it behind the delivery side for good. Now and then the delivery order is sent again: the delivery
 * side answers a repeated order by re-announcing its history, and intake ignores what it already has.
 */
const DELIVERY_SYNC_STATUSES: readonly string[] = [
  CaseStatus.DISPATCHED,
  CaseStatus.READY_FOR_PICKUP,
];

/** Repeated re-sends of one case back off: the wait doubles each time, up to 64 times the first. */
const MAX_BACKOFF_DOUBLINGS = 6;

export function resendDueAt(lastSentAt: Date, resendCount: number, afterMs: number): number {
  return lastSentAt.getTime() + afterMs * 2 ** Math.min(resendCount, MAX_BACKOFF_DOUBLINGS);
}

/** A timer this late is considered lost (Redis lost it) and the reconciler acts in its place. */
export const LOST_TIMER_GRACE_MS = 60_000;
const BATCH = 100;

/**
 * Postgres is the source of truth, Redis only transport: the reconciler finds cases that wait on
 * another party longer than RESEND_AFTER_MS and puts their pending command in the outbox again
 * (same content, new message id; the receiver's own records make a duplicate harmless), and acts
 * on deadlines whose timer never came. Several replicas may run it: rows are claimed with
 * FOR UPDATE SKIP LOCKED and re-checked under the lock.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconcilerService.name);
  private readonly task = new PeriodicTask('reconcile run', this.logger, () =>
    this.pass(new Date()),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: CaseCommandsService,
    private readonly deadlines: DeadlinesService,
    private readonly messaging: ServiceMessaging,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.RECONCILE_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns how many cases it acted on (commands re-sent plus lost timers fired). */
  async reconcileOnce(now = new Date()): Promise<number> {
    return this.task.once(() => this.pass(now));
  }

  private async pass(now: Date): Promise<number> {
    let acted = 0;
    for (const id of await this.staleCommands(now)) {
      if (await this.resend(id, now)) acted++;
    }
    for (const [id, kind] of await this.lostTimers(now)) {
      if (await this.fireLostTimer(id, kind, now)) acted++;
    }
    if (acted) this.logger.log(`reconciler acted on ${acted} case(s)`);
    return acted;
  }

  private get provinces(): string[] {
    return [...this.messaging.provinces];
  }

  /** Cases whose pending command (or, after dispatch, the delivery sync) is due again. */
  private async staleCommands(now: Date): Promise<string[]> {
    // The wait before a re-send doubles with each one (resend_count), so what is due is, for each
    // count k, "last sent before now - base × 2^k": one range of an index on (resend_count, last
    // sent) per k (cases_resend_due_idx, cases_delivery_sync_due_idx), which reads the cases due
    // and nothing else, whatever the open or closed history.
    const arm = (sentAt: string, where: string, base: string) => `
      SELECT c.id, c.sent_at
        FROM generate_series(0, ${MAX_BACKOFF_DOUBLINGS}) AS k
       CROSS JOIN LATERAL (
         SELECT id, ${sentAt} AS sent_at FROM intake.cases
          WHERE ${where}
            AND resend_count >= k
            AND resend_count < CASE WHEN k = ${MAX_BACKOFF_DOUBLINGS} THEN 2147483647 ELSE k + 1 END
            AND ${sentAt} <= $1::timestamptz - make_interval(secs => ${base} * power(2, k) / 1000.0)
            AND residence_province = ANY($2)
          ORDER BY resend_count, ${sentAt} LIMIT ${BATCH}) c`;
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM (
         ${arm('last_sent_at', 'pending_command IS NOT NULL', '$3')}
         UNION ALL
         ${arm('coalesce(last_sent_at, updated_at)', `status IN ('DISPATCHED', 'READY_FOR_PICKUP')`, '$4')}
       ) due
       ORDER BY sent_at LIMIT ${BATCH}`,
      [now, this.provinces, this.config.RESEND_AFTER_MS, this.config.DELIVERY_SYNC_AFTER_MS],
    );
    return rows.map((r) => r.id);
  }

  private async lostTimers(now: Date): Promise<[string, TimerKind][]> {
    const before = new Date(now.getTime() - LOST_TIMER_GRACE_MS);
    const rows: { id: string; kind: TimerKind }[] = await this.dataSource.query(
      // Each arm in the order of its deadline, oldest first: the planner walks the partial index
      // of that timer (cases_review_timer_idx, cases_statutory_timer_idx, cases_pickup_timer_idx)
      // up to the grace point and stops, rather than filtering every open case. Literal statuses,
      // so that the indexes' predicates match.
      `(SELECT id, 'REVIEW_DEADLINE' AS kind FROM intake.cases
         WHERE status = 'UNDER_REVIEW' AND NOT review_overdue AND review_due_at <= $1
           AND residence_province = ANY($2)
         ORDER BY review_due_at LIMIT ${BATCH})
       UNION ALL
       (SELECT id, 'STATUTORY_DEADLINE' FROM intake.cases
         WHERE status NOT IN ('REFUSED', 'DELIVERED', 'CANCELLED') AND NOT statutory_overdue
           AND statutory_due_at <= $1 AND residence_province = ANY($2)
         ORDER BY statutory_due_at LIMIT ${BATCH})
       UNION ALL
       (SELECT id, 'PICKUP_REMINDER' FROM intake.cases
         WHERE status = 'READY_FOR_PICKUP' AND pickup_reminded_at IS NULL
           AND pickup_reminder_due_at <= $1 AND residence_province = ANY($2)
         ORDER BY pickup_reminder_due_at LIMIT ${BATCH})
       LIMIT ${BATCH}`,
      [before, this.provinces],
    );
    return rows.map((r) => [r.id, r.kind]);
  }

  /** Claims a case row, or null when another replica holds it. */
  private claim(manager: EntityManager, id: string): Promise<CaseEntity | null> {
    return manager
      .createQueryBuilder(CaseEntity, 'c')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where('c.id = :id', { id })
      .getOne();
  }

  /**
   * The operator's "re-send" action: sends the pending command of one case now, whatever its age.
   * Returns what was re-sent, or why nothing was.
   */
  async resendNow(
    id: string,
    now = new Date(),
  ): Promise<{
    outcome: 'resent' | 'not-found' | 'nothing-pending' | 'busy';
    command: string | null;
  }> {
    const [row]: { pending_command: string | null; status: CaseStatus }[] =
      await this.dataSource.query(
        `SELECT pending_command, status FROM intake.cases WHERE id = $1 AND residence_province = ANY($2)`,
        [id, this.provinces],
      );
    if (!row) return { outcome: 'not-found', command: null };
    const command =
      row.pending_command ??
      (DELIVERY_SYNC_STATUSES.includes(row.status) ? 'delivery.ordered' : null);
    if (!command) return { outcome: 'nothing-pending', command: null };
    const resent = await this.resend(id, now, true);
    return { outcome: resent ? 'resent' : 'busy', command };
  }

  private async resend(id: string, now: Date, force = false): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const c = await this.claim(manager, id);
      if (!c) return false;
      if (!c.pendingCommand && DELIVERY_SYNC_STATUSES.includes(c.status)) {
        const since = c.lastSentAt ?? c.updatedAt;
        if (
          !force &&
          resendDueAt(since, c.resendCount, this.config.DELIVERY_SYNC_AFTER_MS) > now.getTime()
        )
          return false;
        await this.commands.send(manager, c, 'delivery.ordered', { resend: true, now, sync: true });
      } else {
        const command = c.pendingCommand;
        if (!command || !c.lastSentAt) return false;
        if (
          !force &&
          resendDueAt(c.lastSentAt, c.resendCount, this.config.RESEND_AFTER_MS) > now.getTime()
        )
          return false;
        if (!WAITING_STATUSES[command].includes(c.status)) {
          // Should not happen (transitions clear it); repair rather than re-send a wrong command.
          this.logger.warn(`cleared ${command} pending in ${c.status}`, { caseId: c.id });
          await manager.update(CaseEntity, { id }, { pendingCommand: null });
          return false;
        }
        await this.commands.send(manager, c, command, { resend: true, now });
      }
      await manager.update(
        CaseEntity,
        { id },
        { lastSentAt: c.lastSentAt, resendCount: c.resendCount, updatedAt: now },
      );
      return true;
    });
  }

  private async fireLostTimer(id: string, kind: TimerKind, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const c = await this.claim(manager, id);
      if (!c) return false;
      // The deadline's transition goes through the case's front door (which saves the case).
      const outcome = await this.deadlines.fire(manager, c, kind, SYSTEM_ACTOR, undefined, now);
      return outcome === 'applied';
    });
  }
}
