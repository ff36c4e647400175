import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { STATS_WINDOW_DAYS, StatsSnapshot } from '@app/contracts';
import { addDays, todayInChina } from '@app/domain';
import { Keyring, NATIONAL, Party } from '@app/messaging';
import { APP_CONFIG, AppConfig, KEYRING, PeriodicTask, ServiceMessaging } from '@app/platform';

/** Sent snapshots are kept this long in the outbox, then deleted (a newer one supersedes them). */
const KEEP_SENT_SNAPSHOTS = '1 hour';

/**
 * Publishes, for every province this node serves, a statistics snapshot to the national operations
 * node (`stats.published`): the province's current cases by kind, hukou province and status, and
 * the per-day counts of the last STATS_WINDOW_DAYS days, read from the views intake publishes
 * (`intake_stats`). Once at start and every STATS_PUBLISH_INTERVAL_MS, through the outbox like every
 * message (a snapshot written while Redis is down goes out when it is back). Several intake nodes
 * of one province may publish: the snapshots are numbered by a sequence in the province's database
 * and the national node keeps the newest.
 */
@Injectable()
export class StatsPublisherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StatsPublisherService.name);
  private readonly task = new PeriodicTask('statistics snapshot', this.logger, () =>
    this.publishAll(),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: ServiceMessaging,
    @Inject(KEYRING) private readonly keyring: Keyring,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.STATS_PUBLISH_INTERVAL_MS;
    if (every <= 0) return;
    try {
      this.keyring.encryptionKey(NATIONAL);
    } catch {
      this.logger.warn(
        `no encryption key of the national node in KEYRING_DIR (public/${NATIONAL}.x25519.pem): statistics snapshots are not published`,
      );
      return;
    }
    this.task.start(every, { immediately: true });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One snapshot per served province; returns them (as published). */
  async publishAll(now = new Date()): Promise<StatsSnapshot[]> {
    const published: StatsSnapshot[] = [];
    for (const province of this.messaging.provinces) {
      if (this.task.stopping) break;
      published.push(await this.publish(province, now));
    }
    await this.dataSource.query(
      `DELETE FROM intake.outbox
        WHERE type = 'stats.published' AND sent_at < now() - interval '${KEEP_SENT_SNAPSHOTS}'`,
    );
    return published;
  }

  /** Reads one province's counts and writes its snapshot to the outbox, in one transaction. */
  async publish(province: string, now = new Date()): Promise<StatsSnapshot> {
    const windowStart = addDays(todayInChina(now), -(STATS_WINDOW_DAYS - 1));
    // A snapshot still waiting in the outbox (Redis down) is superseded by the one written next: the
    // national node keeps the newest only, so a backlog of them would be sent for nothing. (Not in
    // the snapshot's REPEATABLE READ transaction: a relay publishing the old row at that moment
    // would make it fail.)
    await this.dataSource.query(
      `DELETE FROM intake.outbox WHERE type = 'stats.published' AND case_id = $1 AND sent_at IS NULL`,
      [`stats:${province}`],
    );
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const snapshot = await this.read(manager, province, windowStart);
      await this.messaging.outbox.add(manager, {
        type: 'stats.published',
        caseId: `stats:${province}`,
        payload: snapshot,
        from: this.messaging.address(province),
        parties: { [Party.RESIDENCE]: province },
      });
      return snapshot;
    });
  }

  private async read(
    manager: EntityManager,
    province: string,
    windowStart: string,
  ): Promise<StatsSnapshot> {
    // The first statement fixes the transaction's snapshot: the counts below are as of `as_of`.
    const [head] = (await manager.query(
      `SELECT nextval('intake.stats_snapshot_seq')::text AS sequence, now() AS as_of`,
    )) as { sequence: string; as_of: Date }[];
    const counts = (await manager.query(
      `SELECT kind, hukou_province AS hukou, status, cases
         FROM intake_stats.case_counts
        WHERE residence_province = $1 AND cases > 0
        ORDER BY kind, hukou_province, status`,
      [province],
    )) as StatsSnapshot['counts'];
    const daily = (await manager.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, hukou_province AS hukou, measure, status, cases
         FROM intake_stats.daily_counts_since($2::date)
        WHERE residence_province = $1 AND cases > 0`,
      [province, windowStart],
    )) as StatsSnapshot['daily'];
    return {
      province,
      sequence: Number(head.sequence),
      asOf: new Date(head.as_of).toISOString(),
      windowStart,
      counts,
      daily,
    };
  }
}
