import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Payload as MessagePayload } from '@app/contracts';
import { Service } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import { DeadLetterReason, Envelope, MessageRefusedError } from '@app/messaging';
import { APP_CONFIG, AppConfig } from '@app/platform';
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

/**
 * The national operations node: it stores the newest statistics snapshot of each province in its
 * own database (`ops.province_snapshots`) and sums them. It never connects to a province's
 * database: a case lives in the intake of its residence province only, so the sum of the
 * provinces' snapshots is the national figure with no case counted twice.
 */
@Injectable()
export class NationalStatsService {
  private readonly logger = new Logger(NationalStatsService.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
                (SELECT coalesce(sum((c->>'cases')::integer), 0) FROM jsonb_array_elements(counts) c)::integer AS cases
           FROM ops.province_snapshots ORDER BY province`,
      );
      const counts = await query<{
        residence: string;
        kind: string;
        hukou: string;
        status: string;
        cases: number;
      }>(
        `SELECT s.province AS residence, c.kind, c.hukou, c.status, sum(c.cases)::integer AS cases
           FROM ops.province_snapshots s,
                jsonb_to_recordset(s.counts) AS c(kind text, hukou text, status text, cases integer)
          GROUP BY 1, 2, 3, 4`,
      );
      const dailyFrom = heads.length
        ? heads.map((h) => h.window_start).reduce((a, b) => (a > b ? a : b))
        : null;
      const daily = dailyFrom
        ? await query<NationalDayCount>(
            `SELECT d.day, d.kind, d.measure, d.status, sum(d.cases)::integer AS cases
               FROM ops.province_snapshots s,
                    jsonb_to_recordset(s.daily)
                      AS d(day text, kind text, hukou text, measure text, status text, cases integer)
              WHERE d.day >= $1
              GROUP BY 1, 2, 3, 4
              ORDER BY 1, 2, 3, 4 NULLS FIRST`,
            [dailyFrom],
          )
        : [];
      const staleAfterSeconds = Math.round(this.config.NATIONAL_STALE_AFTER_MS / 1000);
      const provinces: ProvinceFreshness[] = heads.map((h) => {
        const ageSeconds = Math.max(0, Math.round((now.getTime() - h.as_of.getTime()) / 1000));
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
