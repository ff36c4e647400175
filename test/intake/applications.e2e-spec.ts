import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addYearsClamped, DEFAULT_PILOT_SCHEDULE, makeCitizenId, todayInChina } from '@app/domain';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { keyringOf, openedRows } from '../support/sealed';
import { recordStatements } from '../support/statements';
import { startTestSystem, TestSystem } from '../support/system';
import type { CasePageView } from '../../apps/intake/src/applications/dto/case-view.dto';
import { ClerkClient, dataSourceOf, intakeCounts, OutboxRow } from './support/client';
import { aGuardian, anApplication, aPerson, DEFAULT_POINT } from './support/factories';

/**
 * The clerk API of intake over HTTP, with intake alone (nobody answers the review requests):
 * validation and refusals that write nothing, idempotency, reading and listing, withdrawal.
 */
describe('intake: applications API', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  const scheduleDir = mkdtempSync(join(tmpdir(), 'schedule-'));
  const schedulePath = join(scheduleDir, 'pilot-schedule.json');

  beforeAll(async () => {
    // The bundled schedule plus an exclusion closing 浙江 → 江苏 routes from today on.
    const bundled = JSON.parse(JSON.stringify(DEFAULT_PILOT_SCHEDULE));
    bundled.rules.push({
      id: 'test-closed-33-32',
      kind: 'exclusion',
      pair: ['33', '32'],
      direction: 'one-way',
      effectiveFrom: addYearsClamped(todayInChina(), -1),
      description: 'route closed for the test',
    });
    writeFileSync(schedulePath, JSON.stringify(bundled));
    system = await startTestSystem([intakeFeature], {
      PILOT_SCHEDULE_FILE: schedulePath,
      RECONCILE_INTERVAL_MS: '0',
    });
    clerk = new ClerkClient(system.url);
  });

  afterAll(async () => {
    await system?.close();
  });

  const newApplication = async () => anApplication(aPerson(), await clerk.photoId());

  describe('POST /api/v1/applications', () => {
    it('refuses a second open application for the same person (409 naming applicant.idNumber), writing nothing; after withdrawal it is accepted', async () => {
      const app = await newApplication();
      const first = await clerk.apply(app.build());
      expect(first.status).toBe(201);
      const before = await intakeCounts(system);
      // A retry under a new Idempotency-Key, or the same person at another point of the province.
      const again = await clerk.apply(app.build());
      expect(again.status).toBe(409);
      // The same point's clerk is told which case is open (they can read it anyway).
      expect(again.body.message).toContain(`at this acceptance point (case ${first.body.id}, `);
      expect(again.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        message: expect.stringMatching(
          /^applicant\.idNumber: this person already has an open first application/,
        ),
        details: [{ field: 'applicant.idNumber', rule: 'application.alreadyOpen' }],
      });
      const elsewhere = new ClerkClient(system.url, '330421-01');
      const there = await elsewhere.apply(
        anApplication(app.person, await elsewhere.photoId())
          .at('330421-01')
          .build(),
      );
      expect(there.status).toBe(409);
      // Another point's clerk learns that one is open, not where, which case or in what state.
      const told = JSON.stringify(there.body);
      expect(there.body).toMatchObject({ details: [{ rule: 'application.alreadyOpen' }] });
      for (const secret of [
        first.body.id,
        '330402',
        first.body.status,
        'UNDER_REVIEW',
        'ACCEPTED',
      ]) {
        expect(told).not.toContain(secret);
      }
      expect(await intakeCounts(system)).toEqual(before);
      expect((await clerk.cancel(first.body.id, { reason: 'applicant moved' })).status).toBe(200);
      expect((await clerk.apply(app.build())).status).toBe(201);
    });

    it('of four concurrent applications for one person under different keys, one is accepted and three get 409', async () => {
      const app = await newApplication();
      const before = await intakeCounts(system);
      const results = await Promise.all(Array.from({ length: 4 }, () => clerk.apply(app.build())));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
      expect((await intakeCounts(system)).cases).toBe(before.cases + 1);
    });

    it('accepts an eligible application: 201, receipt number, UNDER_REVIEW, review request in the outbox', async () => {
      const app = await newApplication();
      const res = await clerk.apply(app.build());
      expect(res.status).toBe(201);
      const body = res.body;
      expect(body.status).toBe('UNDER_REVIEW');
      expect(body.receiptNumber).toMatch(/^R330402-01-\d{6}-\d{4}$/);
      expect(body.feeYuan).toBe(0); // 长三角 first applications are free
      expect(body.applicant.idNumberMasked).toBe(
        `${app.person.idNumber.slice(0, 6)}********${app.person.idNumber.slice(14)}`,
      );
      expect(JSON.stringify(body)).not.toContain(app.person.idNumber);
      expect(body.timeline!.map((t) => [t.from, t.to, t.event])).toEqual([
        [null, 'ACCEPTED', 'INTAKE'],
        ['ACCEPTED', 'UNDER_REVIEW', 'REVIEW_REQUESTED'],
      ]);
      expect(body.pendingCommand).toBe('review.requested');
      const outbox: OutboxRow[] = openedRows(
        keyringOf(system),
        await dataSourceOf(system).query(
          `SELECT type, queue, delay_ms, envelope FROM intake.outbox WHERE case_id = $1 ORDER BY created_at`,
          [body.id],
        ),
      );
      const request = outbox.find((r) => r.type === 'review.requested')!;
      expect(request.queue).toBe('{verification.34}');
      expect(request.envelope.payload).toMatchObject({
        receiptNumber: body.receiptNumber,
        round: 1,
        residenceProvince: '33',
      });
      const timers = outbox.filter((r) => r.type === 'case.timer');
      expect(timers.map((t) => t.envelope.payload.kind).sort()).toEqual([
        'REVIEW_DEADLINE',
        'STATUTORY_DEADLINE',
      ]);
      expect(timers.every((t) => t.queue === '{intake.33}' && t.delay_ms > 0)).toBe(true);
    });

    it('takes an application in two round trips between BEGIN and COMMIT: the claim with BEGIN, the case with COMMIT', async () => {
      const app = await newApplication();
      const key = randomUUID();
      const statements = recordStatements();
      try {
        const res = await clerk.apply(app.build(), key);
        expect(res.status).toBe(201);
        // BEGIN with the statement that claims the key, takes the receipt number and looks for an
        // open case of the person; then the case, its timeline, its messages, the request and the
        // key's stored result in one statement, sent with the COMMIT. Values are bound, not inlined.
        const trips = statements.transactionOf(/idempotency_keys/, key);
        expect(trips).toEqual([
          expect.stringMatching(
            /^START TRANSACTION; WITH claim AS \( INSERT INTO intake\.idempotency_keys/,
          ),
          expect.stringMatching(/^WITH w0 AS \(INSERT INTO intake\.case_timeline.*; COMMIT$/),
        ]);
        expect(trips.join(' ')).not.toContain(app.person.idNumber);
      } finally {
        statements.restore();
      }
    });

    it('gives receipt numbers in sequence at one point and day', async () => {
      const a = await clerk.apply((await newApplication()).build());
      const b = await clerk.apply((await newApplication()).build());
      const seq = (r: { body: { receiptNumber: string } }) =>
        Number(r.body.receiptNumber.split('-').pop());
      expect(seq(b)).toBe(seq(a) + 1);
    });

    const refusedWithNothingWritten = async (
      body: unknown,
      status: number,
      field: string,
      rule?: string | RegExp,
      message?: RegExp,
    ) => {
      const before = await intakeCounts(system);
      const res = await clerk.apply(body);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status });
      const details = res.body.details as { field: string; rule: string }[];
      const hit = details.find((d) => d.field === field);
      expect(hit).toBeDefined();
      if (rule) expect(hit!.rule).toMatch(rule);
      if (message) expect(res.body.message).toMatch(message);
      expect(await intakeCounts(system)).toEqual(before);
      return res;
    };

    it('refuses a wrong check digit (400 naming applicant.idNumber), writing nothing', async () => {
      const app = await newApplication();
      const id = app.person.idNumber;
      const wrong = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
      await refusedWithNothingWritten(
        app.with((b) => (b.applicant.idNumber = wrong)).build(),
        400,
        'applicant.idNumber',
        'citizenId.checkDigit',
        /check digit/,
      );
    });

    it('refuses a birth date that disagrees with the ID number (400 naming applicant.birthDate)', async () => {
      const app = await newApplication();
      await refusedWithNothingWritten(
        app.with((b) => (b.applicant.birthDate = '1990-01-02')).build(),
        400,
        'applicant.birthDate',
        'applicant.birthDateMatchesIdNumber',
      );
    });

    it('refuses a sex that disagrees with the ID number (400 naming applicant.sex)', async () => {
      const app = await newApplication();
      await refusedWithNothingWritten(
        app.with((b) => (b.applicant.sex = b.applicant.sex === 'M' ? 'F' : 'M')).build(),
        400,
        'applicant.sex',
        'applicant.sexMatchesIdNumber',
      );
    });

    it('refuses an applicant under 16 without a guardian (400 guardian rule), accepts one with', async () => {
      const minor = aPerson({ age: 15 });
      const photoId = await clerk.photoId();
      await refusedWithNothingWritten(
        anApplication(minor, photoId).build(),
        400,
        'guardian',
        'guardian.requiredUnder16',
        /under 16/,
      );
      const res = await clerk.apply(anApplication(minor, photoId).withGuardian().build());
      expect(res.status).toBe(201);
      expect(res.body.guardian?.idNumberMasked).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    });

    it('refuses a same-province application: 422 "not cross-province", writing nothing', async () => {
      const local = aPerson({
        hukouAddressCode: '330421',
        hukouAddress: '浙江省嘉善县罗星街道1号',
      });
      await refusedWithNothingWritten(
        anApplication(local, await clerk.photoId()).build(),
        422,
        'hukou.addressCode',
        'eligibility.notCrossProvince',
        /not cross-province/,
      );
    });

    it('refuses a route closed today by the schedule, quoting the reason and the rule', async () => {
      const jiangsu = aPerson({
        hukouAddressCode: '320102',
        hukouAddress: '江苏省南京市玄武区1号',
      });
      const res = await refusedWithNothingWritten(
        anApplication(jiangsu, await clerk.photoId()).build(),
        422,
        'hukou.addressCode',
        'test-closed-33-32',
        /closed .* by exclusion rule test-closed-33-32/,
      );
      expect(res.body.details![0].decision).toMatchObject({ eligible: false });
    });

    it('refuses a hukou code that is not a county (400) and an unknown one (400)', async () => {
      const app = await newApplication();
      await refusedWithNothingWritten(
        app.with((b) => (b.hukou.addressCode = '340100')).build(),
        400,
        'hukou.addressCode',
        'division.county',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.hukou.addressCode = '349999')).build(),
        400,
        'hukou.addressCode',
        'division.unknown',
      );
    });

    it('refuses a photo from another region, an unknown photo and a photo 3 years old (422 naming photoId)', async () => {
      const shanghai = new ClerkClient(system.url, '310101-01');
      const foreign = await shanghai.photoId();
      const app = await newApplication();
      await refusedWithNothingWritten(
        app.with((b) => (b.photoId = foreign)).build(),
        422,
        'photoId',
        'photo.region',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.photoId = randomUUID())).build(),
        422,
        'photoId',
        'photo.unknown',
      );
      const old = new Date();
      old.setUTCFullYear(old.getUTCFullYear() - 3);
      old.setUTCMinutes(old.getUTCMinutes() - 1);
      const oldPhoto = await clerk.photoId(old.toISOString());
      await refusedWithNothingWritten(
        app.with((b) => (b.photoId = oldPhoto)).build(),
        422,
        'photoId',
        'photo.age',
        /under 3 years/,
      );
    });

    it('validates shapes: unknown fields, enums, bounded strings, fingerprints, postal data', async () => {
      const app = await newApplication();
      await refusedWithNothingWritten(
        { ...app.build(), extra: 1 },
        400,
        'extra',
        'whitelistValidation',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.delivery = { method: 'DRONE' })).build(),
        400,
        'delivery.method',
        'isIn',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.delivery = { method: 'POST' })).build(),
        400,
        'delivery.recipient',
        'delivery.postalDataRequired',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.delivery = { method: 'WINDOW', phone: '13800138000' })).build(),
        400,
        'delivery.phone',
        'delivery.windowHasNoPostalData',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.applicant.name = 'x'.repeat(65))).build(),
        400,
        'applicant.name',
        'isLength',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.fingerprints = { templates: ['QUJD'] })).build(),
        400,
        'fingerprints.templates',
        'arrayMinSize',
      );
      await refusedWithNothingWritten(
        app.with((b) => (b.fingerprints = {})).build(),
        400,
        'fingerprints',
        'fingerprints.oneOf',
      );
    });

    it('is for the clerk of the point only: another point 403, another role 403, no identity 401', async () => {
      const body = (await newApplication()).build();
      const other = new ClerkClient(system.url, '330421-01');
      const res = await other.apply(body);
      expect(res.status).toBe(403);
      expect(res.body.details![0]).toMatchObject({
        field: 'acceptancePoint',
        rule: 'acceptancePoint.ownPoint',
      });
      const ops = new ClerkClient(system.url, DEFAULT_POINT, 'ops');
      expect((await ops.apply(body)).status).toBe(403);
      const anonymous = await fetch(`${system.url}/api/v1/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify(body),
      });
      expect(anonymous.status).toBe(401);
    });

    it('refuses an acceptance point that is not in the deployment list (422)', async () => {
      // The default list has one point per county, numbered 01: 330402-02 is not in it.
      const clerk2 = new ClerkClient(system.url, '330402-02');
      const app = anApplication(aPerson(), await clerk.photoId()).at('330402-02');
      const res = await clerk2.apply(app.build());
      expect(res.status).toBe(422);
      expect(res.body.details![0]).toMatchObject({ rule: 'acceptancePoint.unknown' });
    });
  });

  describe('Idempotency-Key', () => {
    it('is required (400) and bounded to 8-128 characters', async () => {
      const body = (await newApplication()).build();
      const none = await clerk.post('/api/v1/applications', body);
      expect(none.status).toBe(400);
      expect(none.body.details![0].field).toBe('Idempotency-Key');
      expect((await clerk.apply(body, 'short')).status).toBe(400);
      expect((await clerk.apply(body, 'k'.repeat(129))).status).toBe(400);
    });

    it('a retried POST returns the first result (status and body); another body with the key → 422', async () => {
      const app = await newApplication();
      const key = randomUUID();
      const first = await clerk.apply(app.build(), key);
      expect(first.status).toBe(201);
      const before = await intakeCounts(system);
      const again = await clerk.apply(app.build(), key);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      // Same document, keys in another order: the same request.
      const reordered = Object.fromEntries(Object.entries(app.build()).reverse());
      expect((await clerk.apply(reordered, key)).body).toEqual(first.body);
      const other = await clerk.apply(app.with((b) => (b.applicant.name = '另一个')).build(), key);
      expect(other.status).toBe(422);
      expect(other.body.details![0]).toMatchObject({
        field: 'Idempotency-Key',
        rule: 'idempotency.bodyMismatch',
      });
      expect(await intakeCounts(system)).toEqual(before);
    });

    it('is scoped by acceptance point: the same key at another point is another request', async () => {
      const key = randomUUID();
      const a = await clerk.apply((await newApplication()).build(), key);
      const other = new ClerkClient(system.url, '330421-01');
      const photo = await other.photoId();
      const b = await other.apply(anApplication(aPerson(), photo).at('330421-01').build(), key);
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
    });

    it('two concurrent POSTs with one key create one case and return the same body', async () => {
      const app = await newApplication();
      const key = randomUUID();
      const before = await intakeCounts(system);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => clerk.apply(app.build(), key)),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      for (const r of results) expect(r.body).toEqual(results[0].body);
      const after = await intakeCounts(system);
      expect(after.cases).toBe(before.cases + 1);
      expect(after.keys).toBe(before.keys + 1);
    });
  });

  describe('GET /api/v1/applications', () => {
    it('reads a case of the point; 404 for an unknown id and for a case of another point', async () => {
      const created = await clerk.apply((await newApplication()).build());
      const id = created.body.id;
      const res = await clerk.application(id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id,
        status: 'UNDER_REVIEW',
        overdue: { review: false, promise: false, statutory: false },
        reviewRound: 1,
        clerkActions: ['CANCELLED'],
      });
      expect(res.body.timeline).toHaveLength(2);
      expect((await clerk.application(randomUUID())).status).toBe(404);
      const other = new ClerkClient(system.url, '330421-01');
      const hidden = await other.application(id);
      expect(hidden.status).toBe(404);
      expect(JSON.stringify(hidden.body)).not.toContain('330402');
      expect((await clerk.application('not-a-uuid')).status).toBe(400);
    });

    it('lists the cases of the point, paginated and filtered by a validated status', async () => {
      const point = '330424-01'; // 海盐县
      const local = new ClerkClient(system.url, point);
      const photo = await local.photoId();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await local.apply(anApplication(aPerson(), photo).at(point).build());
        ids.push(r.body.id);
      }
      await local.post(`/api/v1/applications/${ids[0]}/cancel`, { reason: 'moved away' });
      const page1 = await local.get<CasePageView>('/api/v1/applications?page=1&pageSize=2');
      expect(page1.body).toMatchObject({ page: 1, pageSize: 2, total: 3 });
      expect(page1.body.items).toHaveLength(2);
      const page2 = await local.get<CasePageView>('/api/v1/applications?page=2&pageSize=2');
      expect(page2.body.items).toHaveLength(1);
      const all = [...page1.body.items, ...page2.body.items].map((i) => i.id);
      expect(all.sort()).toEqual([...ids].sort());
      const cancelled = await local.get<CasePageView>('/api/v1/applications?status=CANCELLED');
      expect(cancelled.body.items.map((i) => i.id)).toEqual([ids[0]]);
      const bad = await local.get('/api/v1/applications?status=LOST');
      expect(bad.status).toBe(400);
      expect(bad.body.details![0].field).toBe('status');
      expect((await local.get('/api/v1/applications?pageSize=1000')).status).toBe(400);
      // Keyset pages: follow nextCursor to the end, newest first, each case once.
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: CasePageView } = await local.get<CasePageView>(
          `/api/v1/applications?pageSize=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.page).toBe(cursor ? null : 1);
        seen.push(...res.body.items.map((i) => i.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual([...ids].reverse());
      const statusPage = await local.get<CasePageView>(
        '/api/v1/applications?status=UNDER_REVIEW&pageSize=1',
      );
      const next = await local.get<CasePageView>(
        `/api/v1/applications?status=UNDER_REVIEW&pageSize=1&cursor=${statusPage.body.nextCursor}`,
      );
      expect(next.body.items.map((i) => i.id)).toEqual([ids[1]]);
      expect(next.body.nextCursor).toBeNull();
      const forged = await local.get('/api/v1/applications?cursor=bm90LWEtY3Vyc29y');
      expect(forged.status).toBe(400);
      expect(forged.body.details![0]).toMatchObject({ field: 'cursor', rule: 'cursor.valid' });
      const both = await local.get(
        `/api/v1/applications?page=2&cursor=${statusPage.body.nextCursor}`,
      );
      expect(both.status).toBe(400);
      expect(both.body.details![0].field).toBe('page');
    });
  });

  describe('POST /api/v1/applications/:id/cancel and /supplements', () => {
    it('withdraws a case under review; a second withdrawal is 409 with the workflow message', async () => {
      const created = await clerk.apply((await newApplication()).build());
      const id = created.body.id;
      const res = await clerk.post(`/api/v1/applications/${id}/cancel`, {
        reason: 'applicant moved',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'applicant moved' });
      const again = await clerk.post(`/api/v1/applications/${id}/cancel`, { reason: 'again' });
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/CANCELLED is a terminal state/);
      expect((await clerk.post(`/api/v1/applications/${id}/cancel`, {})).status).toBe(400);
    });

    it('refuses supplements when none were requested (409 with the workflow message)', async () => {
      const created = await clerk.apply((await newApplication()).build());
      const res = await clerk.post(`/api/v1/applications/${created.body.id}/supplements`, {
        items: [{ code: 'PHOTO_OUTDATED' }],
      });
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(
        /cannot SUPPLEMENT_SUBMITTED from UNDER_REVIEW: material can be supplemented only/,
      );
    });
  });

  describe('GET /api/v1/eligibility', () => {
    it('answers with the decision and the rule that decided', async () => {
      const res = await clerk.get(
        '/api/v1/eligibility?residence=330402&hukou=340302&date=2021-11-15',
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ eligible: false, date: '2021-11-15' });
      const open = await clerk.get(
        '/api/v1/eligibility?residence=330402&hukou=340302&date=2021-12-01',
      );
      expect(open.body).toMatchObject({ eligible: true, rule: { id: 'yrd-region-wide' } });
      const today = await clerk.get('/api/v1/eligibility?residence=330402&hukou=340104');
      expect(today.body).toMatchObject({ eligible: true, date: todayInChina() });
    });

    it('400 naming a bad parameter', async () => {
      for (const [query, field] of [
        ['residence=33&hukou=340104', 'residence'],
        ['residence=330402&hukou=999999', 'hukou'],
        ['residence=330402&hukou=340104&date=2021-02-30', 'date'],
        ['hukou=340104', 'residence'],
      ]) {
        const res = await clerk.get(`/api/v1/eligibility?${query}`);
        expect(res.status).toBe(400);
        expect(res.body.details![0].field).toBe(field);
      }
      expect(
        (await clerk.get('/api/v1/eligibility?residence=330402&hukou=340104&x=1')).status,
      ).toBe(400);
    });
  });

  it('serves the contract in the OpenAPI document', async () => {
    const res = await fetch(`${system.url}/api/docs-json`);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/applications',
        '/api/v1/applications/{id}',
        '/api/v1/applications/{id}/supplements',
        '/api/v1/applications/{id}/cancel',
        '/api/v1/eligibility',
        '/api/v1/photos',
      ]),
    );
  });

  it('keeps a guardian check on the guardian: an under-18 guardian is refused', async () => {
    const minor = aPerson({ age: 10 });
    const teen = aPerson({ age: 17 });
    const res = await clerk.apply(
      anApplication(minor, await clerk.photoId())
        .withGuardian({ name: teen.name, idNumber: teen.idNumber, relation: '哥哥' })
        .build(),
    );
    expect(res.status).toBe(400);
    expect(res.body.details![0]).toMatchObject({
      field: 'guardian.idNumber',
      rule: 'guardian.adult',
    });
    expect(aGuardian().idNumber).toHaveLength(18);
    expect(
      makeCitizenId({ addressCode: '340104', birthDate: '2000-01-01', sequence: 1 }),
    ).toHaveLength(18);
  });
});
