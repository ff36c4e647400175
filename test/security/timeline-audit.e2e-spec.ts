import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import type { AuditTimelineView } from '../../apps/intake/src/audit/dto/audit-timeline.dto';
import { GENESIS_HASH } from '../../apps/intake/src/case/timeline-chain';
import { TimelineHashChain1795401000000 } from '../../apps/intake/src/migrations/1795401000000-TimelineHashChain';
import { authHeaders, TestCaller } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';
import { answers, MessageInjector } from '../intake/support/messages';
import { ClerkClient, dataSourceOf } from '../intake/support/client';
import { waitFor } from '../support/wait';
import { anApplication, aPerson } from '../intake/support/factories';

/**
 * The case timeline is the audit trail: the database refuses UPDATE, DELETE and TRUNCATE, every
 * entry is hash-chained to the one before, and auditors (their province's cases) and ops (all)
 * read it with the chain recomputed. Tampering is done here as the database superuser, with the
 * trigger disabled, as an attacker with full database access would.
 */
describe('security: append-only, hash-chained case timeline and the auditor endpoint', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  let superuser: Client;
  let injector: MessageInjector;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], { RECONCILE_INTERVAL_MS: '0' });
    clerk = new ClerkClient(system.url);
    superuser = new Client({ connectionString: system.databaseUrl });
    await superuser.connect();
    injector = new MessageInjector(system);
  });

  afterAll(async () => {
    await injector?.close();
    await superuser?.end();
    await system?.close();
  });

  /** A case at 330402-01 (浙江) for a person with hukou 340104 (安徽), under review. */
  const newCase = async () => {
    const res = await clerk.apply(anApplication(aPerson(), await clerk.photoId()).build());
    expect(res.status).toBe(201);
    return res.body.id;
  };

  const audit = async (id: string, caller: TestCaller) => {
    const res = await fetch(`${system.url}/api/v1/audit/cases/${id}/timeline`, {
      headers: authHeaders(caller),
    });
    return {
      status: res.status,
      body: (await res.json()) as AuditTimelineView & Record<string, unknown>,
    };
  };

  const AUDITOR_33: TestCaller = { role: 'auditor', province: '33' };

  /** Runs SQL with the append-only triggers disabled (superuser), as a tamperer would. */
  const withTriggersDisabled = async (sql: string, params: unknown[]) => {
    await superuser.query('BEGIN');
    await superuser.query('ALTER TABLE intake.case_timeline DISABLE TRIGGER USER');
    await superuser.query(sql, params);
    await superuser.query('ALTER TABLE intake.case_timeline ENABLE TRIGGER USER');
    await superuser.query('COMMIT');
  };

  it('chains every entry to the one before, from the genesis hash', async () => {
    const id = await newCase();
    await clerk.cancel(id, { reason: 'moved back to the hukou place' });
    const res = await audit(id, AUDITOR_33);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      caseId: id,
      status: 'CANCELLED',
      verified: true,
      brokenAt: null,
      entries: 3,
      problem: null,
    });
    const t = res.body.timeline;
    expect(t.map((e) => e.event)).toEqual(['INTAKE', 'REVIEW_REQUESTED', 'CANCELLED']);
    expect(t[0].prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < t.length; i++) expect(t[i].prevHash).toBe(t[i - 1].hash);
    for (const e of t) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(t.map((e) => e.hash)).size).toBe(3);
    expect(res.body.headHash).toBe(t[2].hash);
  });

  it('keeps the head of the chain on the case row; a case without one (bulk-loaded) chains from its last entry', async () => {
    const head = async (id: string) =>
      (await superuser.query(`SELECT timeline_head FROM intake.cases WHERE id = $1`, [id])).rows[0]
        .timeline_head as string | null;
    const id = await newCase();
    const before = await audit(id, AUDITOR_33);
    expect(await head(id)).toBe(before.body.headHash);
    // A loader that writes cases and timelines directly leaves the head empty.
    await superuser.query(`UPDATE intake.cases SET timeline_head = NULL WHERE id = $1`, [id]);
    await clerk.cancel(id, { reason: 'moved back to the hukou place' });
    const after = await audit(id, AUDITOR_33);
    expect(after.body).toMatchObject({ verified: true, entries: 3, status: 'CANCELLED' });
    expect(after.body.timeline[2].prevHash).toBe(before.body.headHash);
    expect(await head(id)).toBe(after.body.headHash);
    // A stale head would fork the chain: the database refuses it, and nothing of the step is kept.
    const other = await newCase();
    const first = (await audit(other, AUDITOR_33)).body.timeline[0];
    await superuser.query(`UPDATE intake.cases SET timeline_head = $2 WHERE id = $1`, [
      other,
      first.hash,
    ]);
    const refused = await clerk.cancel(other, { reason: 'applicant changed their mind' });
    expect(refused.status).toBe(500);
    expect((await audit(other, AUDITOR_33)).body).toMatchObject({
      verified: true,
      entries: 2,
      status: 'UNDER_REVIEW',
    });
  });

  it('keeps the chain whole when messages and a clerk act on one case at once', async () => {
    const id = await newCase();
    const hukou = { service: 'verification', province: '34' };
    // Five copies of the supplement request (distinct message ids) race with the clerk's
    // withdrawal on the same case row: whatever the order, each applied step is one entry.
    const [cancelled] = await Promise.all([
      clerk.cancel(id, { reason: 'applicant changed their mind' }),
      ...Array.from({ length: 5 }, () =>
        injector.toIntake('review.decided', id, answers.supplement(1), hukou, '33'),
      ),
    ]);
    expect(cancelled.status).toBe(200);
    const inbox = async () =>
      (
        await dataSourceOf(system).query(
          `SELECT count(*)::int AS n FROM intake.inbox WHERE case_id = $1`,
          [id],
        )
      )[0].n;
    await waitFor('the five decisions consumed', inbox, (n) => n === 5);
    const res = await audit(id, { role: 'ops', province: '11' });
    expect(res.body).toMatchObject({ verified: true, status: 'CANCELLED' });
    expect([3, 4]).toContain(res.body.entries);
  });

  it('is for auditors of the residence or hukou province and for ops; 404 elsewhere, 403 for other roles', async () => {
    const id = await newCase();
    expect((await audit(id, AUDITOR_33)).status).toBe(200);
    expect((await audit(id, { role: 'auditor', province: '34' })).status).toBe(200);
    expect((await audit(id, { role: 'ops', province: '11' })).status).toBe(200);
    const elsewhere = await audit(id, { role: 'auditor', province: '11' });
    expect(elsewhere.status).toBe(404);
    const unknown = await audit(randomUUID(), AUDITOR_33);
    expect(unknown.status).toBe(404);
    // Same answer for a case that exists elsewhere and one that does not exist at all.
    expect(elsewhere.body.message).toBe(`case ${id} not found`);
    expect(unknown.body.error).toBe(elsewhere.body.error);
    for (const role of ['clerk', 'reviewer', 'production', 'delivery'] as const) {
      const res = await audit(id, { role, province: '33', point: '330402-01' });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/may not do this \(allowed: auditor, ops\)/);
    }
    const bad = await audit('not-a-uuid', AUDITOR_33);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'Bad Request', message: 'id: must be a UUID' });
    const anonymous = await fetch(`${system.url}/api/v1/audit/cases/${id}/timeline`);
    expect(anonymous.status).toBe(401);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of the timeline', async () => {
    const id = await newCase();
    const { rows } = await superuser.query(
      'SELECT id::text FROM intake.case_timeline WHERE case_id = $1 ORDER BY id',
      [id],
    );
    await expect(
      superuser.query(`UPDATE intake.case_timeline SET reason = 'edited' WHERE id = $1`, [
        rows[0].id,
      ]),
    ).rejects.toThrow(/case_timeline is append-only/);
    await expect(
      superuser.query('DELETE FROM intake.case_timeline WHERE id = $1', [rows[0].id]),
    ).rejects.toThrow(/case_timeline is append-only/);
    await expect(superuser.query('TRUNCATE intake.case_timeline CASCADE')).rejects.toThrow(
      /case_timeline is append-only/,
    );
    // The application's own pool is refused alike.
    await expect(dataSourceOf(system).query('DELETE FROM intake.case_timeline')).rejects.toThrow(
      /append-only/,
    );
    const res = await audit(id, AUDITOR_33);
    expect(res.body).toMatchObject({ verified: true, entries: 2 });
  });

  it('a forked chain (two entries after one) is refused by the database', async () => {
    const id = await newCase();
    const { rows } = await superuser.query(
      `SELECT prev_hash FROM intake.case_timeline WHERE case_id = $1 ORDER BY id DESC LIMIT 1`,
      [id],
    );
    await expect(
      superuser.query(
        `INSERT INTO intake.case_timeline (case_id, to_status, event, side, at, prev_hash, hash)
         VALUES ($1, 'CANCELLED', 'CANCELLED', 'residence', now(), $2, $3)`,
        [id, rows[0].prev_hash, 'f'.repeat(64)],
      ),
    ).rejects.toThrow(/case_timeline_chain_key/);
  });

  it('reports a changed entry: verified false, brokenAt that entry', async () => {
    const id = await newCase();
    const before = await audit(id, AUDITOR_33);
    const target = before.body.timeline[1];
    await withTriggersDisabled(`UPDATE intake.case_timeline SET reason = $2 WHERE id = $1`, [
      target.id,
      'round 7',
    ]);
    const res = await audit(id, AUDITOR_33);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      verified: false,
      brokenAt: target.id,
      entries: 2,
      problem: expect.stringMatching(/content was changed/),
    });
    expect(res.body.timeline[1].reason).toBe('round 7');
  });

  it('reports a changed entry whose hash was recomputed at the next entry, and a removed last entry', async () => {
    const id = await newCase();
    await clerk.cancel(id, { reason: 'withdrawn' });
    const { timeline } = (await audit(id, AUDITOR_33)).body;
    // The tamperer also recomputes the changed entry's hash: the next entry no longer links.
    const { timelineContent, timelineEntryHash } =
      await import('../../apps/intake/src/case/timeline-chain');
    const forged = timelineEntryHash(
      timelineContent({
        caseId: id,
        fromStatus: timeline[1].from,
        toStatus: timeline[1].to,
        event: timeline[1].event,
        side: timeline[1].side,
        actor: 'someone-else',
        senderProvince: null,
        senderService: null,
        messageId: null,
        reason: timeline[1].reason,
        at: new Date(timeline[1].at),
      }),
      timeline[1].prevHash!,
    );
    await withTriggersDisabled(
      `UPDATE intake.case_timeline SET actor = 'someone-else', hash = $2 WHERE id = $1`,
      [timeline[1].id, forged],
    );
    const relinked = await audit(id, AUDITOR_33);
    expect(relinked.body).toMatchObject({
      verified: false,
      brokenAt: timeline[2].id,
      problem: expect.stringMatching(/does not link/),
    });

    const other = await newCase();
    await clerk.cancel(other, { reason: 'withdrawn' });
    const last = (await audit(other, AUDITOR_33)).body.timeline[2];
    await withTriggersDisabled('DELETE FROM intake.case_timeline WHERE id = $1', [last.id]);
    const cut = await audit(other, AUDITOR_33);
    expect(cut.body).toMatchObject({
      verified: false,
      entries: 2,
      problem: expect.stringMatching(/ends in UNDER_REVIEW but the case is CANCELLED/),
    });
  });

  it('the migration fills existing rows with the same chain the application writes', async () => {
    const ids = [await newCase(), await newCase()];
    await clerk.cancel(ids[0], { reason: 'withdrawn' });
    const written = await Promise.all(ids.map(async (id) => (await audit(id, AUDITOR_33)).body));
    // Back to the schema before the migration, with times in microseconds as now() writes them.
    const runner = dataSourceOf(system).createQueryRunner();
    try {
      const migration = new TimelineHashChain1795401000000(2); // batches of 2: chains cross batches
      await migration.down(runner);
      await runner.query(`UPDATE intake.case_timeline SET at = at + interval '123 microseconds'`);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    for (const [i, id] of ids.entries()) {
      const filled = (await audit(id, AUDITOR_33)).body;
      expect(filled).toMatchObject({ verified: true, entries: written[i].entries });
      expect(filled.timeline.map((e) => [e.prevHash, e.hash, e.at])).toEqual(
        written[i].timeline.map((e) => [e.prevHash, e.hash, e.at]),
      );
    }
    await expect(
      superuser.query(`UPDATE intake.case_timeline SET reason = 'x' WHERE case_id = $1`, [ids[0]]),
    ).rejects.toThrow(/append-only/);
  });
});
