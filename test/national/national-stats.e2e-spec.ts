import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { STATS_WINDOW_DAYS } from '@app/contracts';
import { addDays, todayInChina } from '@app/domain';
import type { Payload } from '@app/contracts';
import { NATIONAL_ADDRESS, signingBytes } from '@app/messaging';
import { RunningNode } from '@app/platform';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { StatsPublisherService } from '../../apps/intake/src/stats/stats-publisher.service';
import { nationalFeature } from '../../apps/ops/src/national/national.feature';
import { NationalStatsService } from '../../apps/ops/src/national/national-stats.service';
import type { NationalStats } from '../../apps/ops/src/national/national-stats.types';
import { ClerkClient } from '../intake/support/client';
import { aPerson, ApplicationBuilder } from '../intake/support/factories';
import { MessageInjector } from '../intake/support/messages';
import { authHeaders } from '../support/auth';
import { keyringOf } from '../support/sealed';
import { waitFor } from '../support/wait';
import { NationalTopology } from './support/provinces';

/**
 * National statistics without reading any province's database: the intakes of 31 and 32, each on a
 * PostgreSQL server of its own, publish signed snapshots to a national operations node on a third
 * server, which sums them. Newest snapshot per province wins; a snapshot signed by another
 * province, or forged, is dead-lettered and changes nothing.
 */
describe('national statistics from signed snapshots', () => {
  const topology = new NationalTopology();
  let intake31: RunningNode;
  let intake32: RunningNode;
  let national: RunningNode;
  let injector: MessageInjector;

  const nationalStats = async () => {
    const res = await fetch(`${national.url}/api/v1/ops/national`, {
      headers: authHeaders({ role: 'auditor', province: '11' }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as NationalStats;
  };
  const publisher = (node: RunningNode) => node.app.get(StatsPublisherService);
  const deadLetters = () =>
    national.app
      .get(DataSource)
      .query<{ reason: string; error: string; type: string }[]>(
        `SELECT reason, error, type FROM ops.dead_letters ORDER BY id`,
      );
  const stored = async (province: string) =>
    (
      await national.app
        .get(DataSource)
        .query<{ sequence: string }[]>(
          `SELECT sequence::text AS sequence FROM ops.province_snapshots WHERE province = $1`,
          [province],
        )
    ).map((r) => Number(r.sequence))[0];

  beforeAll(async () => {
    // The national node first, so the snapshots each intake publishes at start are consumed.
    national = await topology.node('national', [nationalFeature], { PROVINCES: 'all' });
    // A long period: the snapshot at start, then the test publishes when it wants to.
    const env = { STATS_PUBLISH_INTERVAL_MS: '3600000' };
    intake31 = await topology.node('31', [intakeFeature], env);
    intake32 = await topology.node('32', [intakeFeature], env);
    injector = new MessageInjector({
      keyringDir: topology.keyringDir,
      queuePrefix: topology.queuePrefix,
      node: national,
    });
  }, 120_000);

  afterAll(async () => {
    await injector?.close();
    await topology.close();
  });

  /** The first day of a snapshot's daily window taken at `at` (as intake computes it). */
  const windowStartOf = (at: Date) => addDays(todayInChina(at), -(STATS_WINDOW_DAYS - 1));
  const snapshotOf31 = (over: Partial<Payload<'stats.published'>>) =>
    injector.envelope(
      'stats.published',
      'stats:31',
      {
        province: '31',
        sequence: 9_000_000,
        asOf: new Date().toISOString(),
        windowStart: windowStartOf(new Date()),
        counts: [{ kind: 'idcard', hukou: '34', status: 'UNDER_REVIEW', cases: 70_000 }],
        daily: [],
        ...over,
      },
      { service: 'intake', province: '31' },
      { ...NATIONAL_ADDRESS },
    );

  it('sums the newest snapshot of each province: the national totals are the cases applied for', async () => {
    // The snapshots published at start (no case yet) arrive.
    await waitFor(
      'the start-up snapshots of 31 and 32',
      nationalStats,
      (s) => s.provinces.map((p) => p.province).join() === '31,32',
    );

    const shanghai = new ClerkClient(intake31.url, '310101-01');
    const jiangsu = new ClerkClient(intake32.url, '320102-01');
    const apply = async (clerk: ClerkClient, hukou: string) => {
      const person = aPerson({ hukouAddressCode: hukou });
      const body = ApplicationBuilder.valid(person, await clerk.photoId())
        .at(clerk.point)
        .build();
      const res = await clerk.apply(body);
      expect(res.status).toBe(201);
    };
    // No hukou side runs: the cases wait in UNDER_REVIEW.
    await apply(shanghai, '340104');
    await apply(shanghai, '340104');
    await apply(shanghai, '320102');
    await apply(jiangsu, '340104');

    const [s31] = await publisher(intake31).publishAll();
    const [s32] = await publisher(intake32).publishAll();
    expect(s31.province).toBe('31');
    expect(s31.counts.reduce((n, c) => n + c.cases, 0)).toBe(3);
    // Counts only: nothing that names a person or a case.
    expect(JSON.stringify(s31)).not.toMatch(/receipt|idNumber|name|"[0-9a-f]{8}-/i);

    const stats = await waitFor(
      'the national node to hold the new snapshots',
      nationalStats,
      (s) =>
        s.provinces.find((p) => p.province === '31')?.sequence === s31.sequence &&
        s.provinces.find((p) => p.province === '32')?.sequence === s32.sequence,
    );
    expect(stats.total).toBe(4);
    expect(stats.open).toBe(4);
    expect(stats.byKind).toEqual([{ kind: 'idcard', cases: 4, open: 4 }]);
    expect(stats.byPair).toEqual([
      { residence: '31', hukou: '32', cases: 1, open: 1 },
      { residence: '31', hukou: '34', cases: 2, open: 2 },
      { residence: '32', hukou: '34', cases: 1, open: 1 },
    ]);
    expect(stats.byStatus.reduce((n, s) => n + s.cases, 0)).toBe(4);
    expect(stats.provinces.map((p) => [p.province, p.cases, p.stale])).toEqual([
      ['31', 3, false],
      ['32', 1, false],
    ]);
    expect(stats.missing).toHaveLength(29);
    expect(stats.missing).not.toContain('31');
    // Per day: the four intakes of today, every province summed.
    const intakes = stats.daily.filter((d) => d.measure === 'intake');
    expect(intakes.reduce((n, d) => n + d.cases, 0)).toBe(4);
    expect(new Set(intakes.map((d) => d.day)).size).toBe(1);

    // The national node has no schema of a province's services: it read none.
    const schemas = await national.app
      .get(DataSource)
      .query<{ name: string }[]>(
        `SELECT nspname AS name FROM pg_namespace WHERE nspname IN ('intake', 'intake_stats', 'verification', 'ops') ORDER BY 1`,
      );
    expect(schemas.map((s) => s.name)).toEqual(['ops']);
  });

  it('keeps the newest snapshot: an older one, or the same one again, changes nothing', async () => {
    const [latest] = await publisher(intake31).publishAll();
    await waitFor(
      'the newest snapshot of 31',
      () => stored('31'),
      (n) => n === latest.sequence,
    );
    const older: Payload<'stats.published'> = {
      province: '31',
      sequence: 1,
      asOf: new Date().toISOString(),
      windowStart: windowStartOf(new Date()),
      counts: [{ kind: 'idcard', hukou: '34', status: 'DELIVERED', cases: 1000 }],
      daily: [],
    };
    const env = await injector.publish(
      injector.envelope(
        'stats.published',
        'stats:31',
        older,
        { service: 'intake', province: '31' },
        { ...NATIONAL_ADDRESS },
      ),
    );
    // A second copy of the newest real snapshot, replayed under another job id.
    const [row] = await intake31.app
      .get(DataSource)
      .query(
        `SELECT envelope FROM intake.outbox WHERE type = 'stats.published' ORDER BY seq DESC LIMIT 1`,
      );
    expect(row.envelope.id).toBeDefined();
    await injector.publish(row.envelope, `${row.envelope.id}-again`);
    const queue = injector.client.queueFor('{ops.national}');
    for (const jobId of [env.id, `${row.envelope.id}-again`])
      await waitFor(
        `job ${jobId} handled`,
        () => queue.getJobState(jobId),
        (s) => s === 'completed',
      );

    expect(await stored('31')).toBe(latest.sequence);
    const stats = await nationalStats();
    expect(stats.total).toBe(4);
    expect(stats.byStatus.find((s) => s.status === 'DELIVERED')).toBeUndefined();
    // The older one was handled (and ignored); the replayed copy was a duplicate of a handled message.
    const inbox = await national.app
      .get(DataSource)
      .query<{ message_id: string }[]>(
        `SELECT message_id FROM ops.inbox WHERE message_id = ANY($1)`,
        [[env.id, row.envelope.id]],
      );
    expect(inbox).toHaveLength(2);
  });

  it("refuses a province's own snapshot whose times or counts cannot be right: dead letters, totals unchanged", async () => {
    const before = await deadLetters();
    const totals = (await nationalStats()).total;
    const tomorrow = new Date(Date.now() + 86_400_000);
    // Dated tomorrow (it would stay fresh for a day); a window that starts today (it would cut
    // every province's daily series); a count that would overflow the national sums.
    await injector.publish(snapshotOf31({ asOf: tomorrow.toISOString() }));
    await injector.publish(snapshotOf31({ windowStart: todayInChina(new Date()) }));
    await injector.publish(
      snapshotOf31({
        counts: [{ kind: 'idcard', hukou: '34', status: 'UNDER_REVIEW', cases: 3_000_000_000 }],
      }),
    );
    const letters = await waitFor(
      'three more dead letters',
      deadLetters,
      (rows) => rows.length >= before.length + 3,
    );
    const added = letters.slice(before.length);
    expect(added.map((l) => l.reason)).toEqual(['VALIDATION', 'VALIDATION', 'VALIDATION']);
    expect(added.map((l) => l.error).join('\n')).toMatch(/asOf .* is in the future/);
    expect(added.map((l) => l.error).join('\n')).toMatch(/windowStart .* is not 35 days before/);
    expect(await stored('31')).toBeLessThan(9_000_000);
    expect((await nationalStats()).total).toBe(totals);
  });

  it('deletes the inbox rows of snapshots too old to be accepted again, and only those', async () => {
    const db = national.app.get(DataSource);
    const old = randomUUID();
    const recent = randomUUID();
    await db.query(
      `INSERT INTO ops.inbox (message_id, type, case_id, sender_province, received_at)
       VALUES ($1, 'stats.published', 'stats:31', '31', now() - interval '8 days'),
              ($2, 'stats.published', 'stats:31', '31', now() - interval '6 days')`,
      [old, recent],
    );
    expect(await national.app.get(NationalStatsService).pruneInbox()).toBeGreaterThanOrEqual(1);
    const left = await db.query<{ message_id: string }[]>(
      `SELECT message_id FROM ops.inbox WHERE message_id = ANY($1)`,
      [[old, recent]],
    );
    expect(left.map((r) => r.message_id)).toEqual([recent]);
  });

  it('refuses a snapshot of another province or a forged one: dead letters, totals unchanged', async () => {
    const before = (await deadLetters()).length;
    const lie: Payload<'stats.published'> = {
      province: '32',
      sequence: 1_000_000,
      asOf: new Date().toISOString(),
      windowStart: '2026-01-01',
      counts: [{ kind: 'idcard', hukou: '34', status: 'UNDER_REVIEW', cases: 70_000 }],
      daily: [],
    };
    // 31 signs, validly, a snapshot that claims to be 32's.
    await injector.publish(
      injector.envelope(
        'stats.published',
        'stats:32',
        lie,
        { service: 'intake', province: '31' },
        { ...NATIONAL_ADDRESS },
      ),
    );
    // A snapshot sent as 32's but signed with 31's key.
    const forged = injector.envelope(
      'stats.published',
      'stats:32',
      lie,
      { service: 'intake', province: '32' },
      { ...NATIONAL_ADDRESS },
    );
    const keyring = keyringOf(topology);
    await injector.publish({ ...forged, signature: keyring.sign('31', signingBytes(forged)) });
    // 32's own key, but sent by a service that does not publish statistics.
    await injector.publish(
      injector.envelope(
        'stats.published',
        'stats:32',
        lie,
        { service: 'delivery', province: '32' },
        { ...NATIONAL_ADDRESS },
      ),
    );

    const all = await waitFor(
      'three dead letters',
      deadLetters,
      (rows) => rows.length >= before + 3,
    );
    const letters = all.slice(before);
    expect(letters.map((l) => l.reason).sort()).toEqual([
      'PARTY_MISMATCH',
      'PARTY_MISMATCH',
      'SIGNATURE',
    ]);
    expect(letters.every((l) => l.type === 'stats.published')).toBe(true);
    expect(await stored('32')).toBeLessThan(1_000_000);
    expect((await nationalStats()).total).toBe(4);
  });
});
