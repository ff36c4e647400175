import { randomUUID } from 'node:crypto';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import type { CasePageView } from '../../apps/intake/src/applications/dto/case-view.dto';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf } from '../intake/support/client';
import { anApplication, aPerson, DEFAULT_POINT } from '../intake/support/factories';
import { answers, MessageInjector } from '../intake/support/messages';
import { changedTables, snapshotTables } from './support/snapshot';

/**
 * A clerk sees and acts only on the cases of their own acceptance point. A case of another point
 * (same province or not) answers exactly like a case that does not exist: 404, never 403, so its
 * existence does not leak; and nothing is written.
 */
describe('security: a clerk reaches only the cases of their own acceptance point', () => {
  let system: TestSystem;
  let owner: ClerkClient;
  let injector: MessageInjector;
  const strangers = [
    ['another point of the same province', '330421-01'],
    ['a point of another province', '340104-01'],
  ] as const;
  let underReview: string;
  let awaitingSupplements: string;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], { RECONCILE_INTERVAL_MS: '0' });
    owner = new ClerkClient(system.url, DEFAULT_POINT);
    injector = new MessageInjector(system);
    const photo = await owner.photoId();
    const make = async () => (await owner.apply(anApplication(aPerson(), photo).build())).body.id;
    underReview = await make();
    awaitingSupplements = await make();
    await injector.toIntake(
      'review.decided',
      awaitingSupplements,
      answers.supplement(1, ['HUKOU_BOOKLET_COPY']),
      { service: 'verification', province: '34' },
      '33',
    );
    await waitFor(
      'the supplement request',
      () => owner.case(awaitingSupplements),
      (c) => c.status === 'SUPPLEMENT_REQUIRED',
    );
    // The relay marks what it published; let it finish, so the snapshots below see only the
    // requests' own writes (on a Redis Cluster publishing can still be under way here).
    await waitFor(
      'the outbox published',
      async (): Promise<{ n: number }[]> =>
        dataSourceOf(system).query(
          `SELECT count(*)::int AS n FROM intake.outbox WHERE sent_at IS NULL`,
        ),
      ([{ n }]) => n === 0,
    );
  });

  afterAll(async () => {
    await injector?.close();
    await system?.close();
  });

  const supplement = { items: [{ code: 'HUKOU_BOOKLET_COPY', note: 'copy of the booklet' }] };
  const routes: [string, (c: ClerkClient, id: string) => ReturnType<ClerkClient['get']>][] = [
    ['GET /applications/:id', (c, id) => c.application(id)],
    ['POST /applications/:id/supplements', (c, id) => c.supplement(id, supplement)],
    ['POST /applications/:id/cancel', (c, id) => c.cancel(id, { reason: 'not mine to cancel' })],
  ];

  describe.each(strangers)('a clerk of %s', (_label, point) => {
    it.each(routes)('%s answers 404 like an unknown case, writing nothing', async (_r, call) => {
      const stranger = new ClerkClient(system.url, point);
      for (const id of [underReview, awaitingSupplements]) {
        const before = await snapshotTables(dataSourceOf(system), ['intake']);
        const res = await call(stranger, id);
        const unknownId = randomUUID();
        const unknown = await call(stranger, unknownId);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: `application ${id} not found`,
        });
        expect({ ...unknown.body, message: unknown.body.message?.replace(unknownId, id) }).toEqual(
          res.body,
        );
        expect(JSON.stringify(res.body)).not.toMatch(/330402|UNDER_REVIEW|SUPPLEMENT/);
        expect(
          changedTables(before, await snapshotTables(dataSourceOf(system), ['intake'])),
        ).toEqual([]);
      }
    });

    it('lists none of the cases of the other point', async () => {
      const stranger = new ClerkClient(system.url, point);
      const all = await stranger.get<CasePageView>('/api/v1/applications?pageSize=100');
      expect(all.status).toBe(200);
      expect(all.body.items.map((i) => i.id)).not.toContain(underReview);
      expect(all.body.items.map((i) => i.id)).not.toContain(awaitingSupplements);
      const filtered = await stranger.get<CasePageView>(
        '/api/v1/applications?status=SUPPLEMENT_REQUIRED',
      );
      expect(filtered.body.total).toBe(0);
    });
  });

  describe('the clerk of the point (after the strangers tried)', () => {
    it('the owner can do what the strangers could not (the requests were valid)', async () => {
      expect((await owner.application(underReview)).status).toBe(200);
      const supplemented = await owner.supplement(awaitingSupplements, supplement);
      expect(supplemented.status).toBe(200);
      expect(supplemented.body.status).toBe('UNDER_REVIEW');
      const cancelled = await owner.cancel(underReview, { reason: 'withdrawn by the applicant' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('CANCELLED');
      const listed = await owner.get<CasePageView>('/api/v1/applications?pageSize=100');
      expect(listed.body.items.map((i) => i.id)).toEqual(
        expect.arrayContaining([underReview, awaitingSupplements]),
      );
    });
  });
});
