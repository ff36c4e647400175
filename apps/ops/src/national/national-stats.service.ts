import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Payload as MessagePayload } from '@app/contracts';
import { Service, STATS_WINDOW_DAYS } from '@app/contracts';
import { addDays, PROVINCE_CODES, todayInChina } from '@app/domain';
import { DeadLetterReason, Envelope, MAX_CLOCK_SKEW_MS, MessageRefusedError } from '@app/messaging';
import { APP_CONFIG, AppConfig, PeriodicTask } from '@app/platform';
import { TERMINAL_STATUSES } from '@app/workflow';
import { readSnapshot } from '../common/read-only';
import { provinceLabel } from '../common/scope';
import type {
  NationalDayCount,
  NationalKindCount,
  NationalPairCount,
  NationalStats,
  ProvinceFreshness,
} from './national-stats.types';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);
const INBOX_PRUNE_EVERY_MS = 3_600_000;

/**
 * The national operations node: it stores the newest statistics snapshot of each province in its
 * own database (`ops.province_snapshots`) and sums them. It never connects to a province's
 * database: a case lives in the intake of its residence province only, so the sum of the
 * provinces' snapshots is the national figure with no case counted twice.
 */
@Injectable()
export class NationalStatsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NationalStatsService.name);
  /** Inbox rows of snapshots too old to be accepted again (31 provinces × one a minute add up). */
  private readonly pruning = new PeriodicTask('inbox pruning', this.logger, () =>
    this.pruneInbox(),
  );

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.pruning.start(INBOX_PRUNE_EVERY_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pruning.stop();
  }

  /**
   * Deletes the inbox rows of snapshots older than MESSAGE_MAX_AGE_MS: a copy that old is refused
   * as stale before the inbox is asked, so the rows protect nothing any more.
   */
  async pruneInbox(): Promise<number> {
    const [, deleted] = (await this.dataSource.query(
      `DELETE FROM ops.inbox
        WHERE type = 'stats.published' AND received_at < now() - make_interval(secs => $1)`,
      [this.config.MESSAGE_MAX_AGE_MS / 1000],
    )) as [unknown, number];
    return deleted;
  }

  /**
   * Keeps a snapshot if it is newer (higher sequence) than the stored one of its province; an
   * older or replayed one changes nothing. A province publishes its own statistics only: a snapshot
   * of another province (validly signed by its sender) is refused and dead-lettered.
   */
  async store(
    manager: EntityManager,
    env: Envelope<MessagePayload<'stats.published'>>,
  ): Promise<'stored' | 'older'> {
    const snapshot = env.payload;
    if (env.sender.service !== Service.INTAKE || env.sender.province !== snapshot.province) {
      throw new MessageRefusedError(
        DeadLetterReason.PARTY_MISMATCH,
        `a snapshot of province ${snapshot.province} sent by ${env.sender.service} of ${env.sender.province}: a province publishes its own statistics only, from its intake`,
      );
    }
    const problem = snapshotTimeProblem(snapshot, new Date());
    if (problem) throw new MessageRefusedError(DeadLetterReason.VALIDATION, problem);
    const rows: unknown[] = await manager.query(
      `INSERT INTO ops.province_snapshots
              (province, sequence, as_of, window_start, counts, daily, message_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (province) DO UPDATE
          SET sequence = EXCLUDED.sequence, as_of = EXCLUDED.as_of,
              window_start = EXCLUDED.window_start, counts = EXCLUDED.counts,
              daily = EXCLUDED.daily, message_id = EXCLUDED.message_id, received_at = now()
        WHERE ops.province_snapshots.sequence < EXCLUDED.sequence
       RETURNING province`,
      [
        snapshot.province,
        snapshot.sequence,
        snapshot.asOf,
        snapshot.windowStart,
        JSON.stringify(snapshot.counts),
        JSON.stringify(snapshot.daily),
        env.id,
      ],
    );
    if (rows.length) return 'stored';
    this.logger.log(
      `kept the stored snapshot of ${snapshot.province}: snapshot ${snapshot.sequence} is not newer`,
      { messageId: env.id },
    );
    return 'older';
  }

  /** The national figures from the stored snapshots, in one read-only snapshot of this database. */
  async national(now = new Date()): Promise<NationalStats> {
    return readSnapshot(this.dataSource, async (query) => {
      const heads = await query<{
        province: string;
        sequence: string;
        as_of: Date;
        received_at: Date;
        window_start: string;
        cases: number;
      }>(
        `SELECT province, sequence::text AS sequence, as_of, received_at,
                to_char(window_start, 'YYYY-MM-DD') AS window_start,
                (SELECT coalesce(sum((c->>'cases')::bigint), 0) FROM jsonb_array_elements(counts) c)::float8 AS cases
           FROM ops.province_snapshots ORDER BY province`,
      );
      const counts = await query<{
        residence: string;
        kind: string;
        hukou: string;
        status: string;
        cases: number;
      }>(
        `SELECT s.province AS residence, c.kind, c.hukou, c.status, sum(c.cases)::float8 AS cases
           FROM ops.province_snapshots s,
                jsonb_to_recordset(s.counts) AS c(kind text, hukou text, status text, cases bigint)
          GROUP BY 1, 2, 3, 4`,
      );
      const dailyFrom = heads.length
        ? heads.map((h) => h.window_start).reduce((a, b) => (a > b ? a : b))
        : null;
      const daily = dailyFrom
        ? await query<NationalDayCount>(
            `SELECT d.day, d.kind, d.measure, d.status, sum(d.cases)::float8 AS cases
               FROM ops.province_snapshots s,
                    jsonb_to_recordset(s.daily)
                      AS d(day text, kind text, hukou text, measure text, status text, cases bigint)
              WHERE d.day >= $1
              GROUP BY 1, 2, 3, 4
              ORDER BY 1, 2, 3, 4 NULLS FIRST`,
            [dailyFrom],
          )
        : [];
      const staleAfterSeconds = Math.round(this.config.NATIONAL_STALE_AFTER_MS / 1000);
      const provinces: ProvinceFreshness[] = heads.map((h) => {
        // Judged by the older of the counts' time and their arrival: a clock ahead cannot keep a
        // province fresh, and a backlog delivered late is as old as its counts.
        const seen = Math.min(h.as_of.getTime(), h.received_at.getTime());
        const ageSeconds = Math.max(0, Math.round((now.getTime() - seen) / 1000));
        return {
          province: h.province,
          name: provinceLabel(h.province),
          sequence: Number(h.sequence),
          asOf: h.as_of.toISOString(),
          receivedAt: h.received_at.toISOString(),
          ageSeconds,
          stale: ageSeconds > staleAfterSeconds,
          cases: h.cases,
          windowStart: h.window_start,
        };
      });
      const heard = new Set(heads.map((h) => h.province));

      const byStatus = new Map<string, number>();
      const byKind = new Map<string, NationalKindCount>();
      const byPair = new Map<string, NationalPairCount>();
      let total = 0;
      let open = 0;
      for (const row of counts) {
        const isOpen = TERMINAL.has(row.status) ? 0 : row.cases;
        total += row.cases;
        open += isOpen;
        byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + row.cases);
        const kind = byKind.get(row.kind) ?? { kind: row.kind, cases: 0, open: 0 };
        kind.cases += row.cases;
        kind.open += isOpen;
        byKind.set(row.kind, kind);
        const key = `${row.residence}>${row.hukou}`;
        const pair = byPair.get(key) ?? {
          residence: row.residence,
          hukou: row.hukou,
          cases: 0,
          open: 0,
        };
        pair.cases += row.cases;
        pair.open += isOpen;
        byPair.set(key, pair);
      }
      const byName = <T>(a: [string, T], b: [string, T]) =>
        a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
      return {
        asOf: now.toISOString(),
        staleAfterSeconds,
        provinces,
        missing: PROVINCE_CODES.filter((p) => !heard.has(p)),
        total,
        open,
        byStatus: [...byStatus].sort(byName).map(([status, cases]) => ({ status, cases })),
        byKind: [...byKind].sort(byName).map(([, k]) => k),
        byPair: [...byPair].sort(byName).map(([, p]) => p),
        dailyFrom,
        daily,
      };
    });
  }
}

/**
 * Why a snapshot's times cannot be right (null when they can): counts dated in the future would
 * keep a province fresh for ever, and a window starting anywhere but STATS_WINDOW_DAYS before its
 * day would cut every province's daily series short (the national series starts at the latest
 * window start).
 */
export function snapshotTimeProblem(
  snapshot: Pick<MessagePayload<'stats.published'>, 'asOf' | 'windowStart'>,
  now: Date,
): string | null {
  const asOf = new Date(snapshot.asOf);
  // The clock skew tolerated between provinces for every message's sentAt.
  if (asOf.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return `asOf ${snapshot.asOf} is in the future`;
  }
  const day = todayInChina(asOf);
  const earliest = addDays(day, -STATS_WINDOW_DAYS);
  const latest = addDays(day, -(STATS_WINDOW_DAYS - 2));
  if (snapshot.windowStart < earliest || snapshot.windowStart > latest) {
    return `windowStart ${snapshot.windowStart} is not ${STATS_WINDOW_DAYS} days before asOf's day ${day}`;
  }
  return null;
}
