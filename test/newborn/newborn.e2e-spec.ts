import { randomUUID } from 'node:crypto';
import { addDays, makeCitizenId, parseCitizenId, todayInChina } from '@app/domain';
import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { productionFeature } from '../../apps/production/src/production.feature';
import { importRegistryRecords, verificationFeature } from '../../apps/verification/src';
import { authHeaders } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf, intakeCounts, Loose } from '../intake/support/client';
import { anApplication, aGuardian } from '../intake/support/factories';

/**
 * Newborn hukou registration (新生儿落户) end to end on the same engine as ID cards: the clerk API,
 * the case's front door and the newborn machine, the hukou side's registration over the real
 * transport, the delivery service and its routes; then the registered child's first ID card.
 */
describe('newborn registration: intake → hukou registration → delivery of the page', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  const POINT = '330402-01'; // 嘉兴 南湖 (长三角 pilot unit); hukou 合肥 蜀山 340104 (pilot unit)
  const birthDate = addDays(todayInChina(), -12);
  let people = 0;

  beforeAll(async () => {
    system = await startTestSystem(
      [intakeFeature, verificationFeature, productionFeature, deliveryFeature],
      { RECONCILE_INTERVAL_MS: '0' },
    );
    clerk = new ClerkClient(system.url, POINT);
  });

  afterAll(async () => {
    await system?.close();
  });

  /** A father and a mother registered in 合肥 蜀山; flags for the father when given. */
  async function aFamily(fatherFlags: string[] = []) {
    people += 1;
    const seq = 100 + 2 * ((people * 7 + (process.pid % 50)) % 400);
    const address = `安徽省合肥市蜀山区望江西路${people}号`;
    const father = {
      idNumber: makeCitizenId({
        addressCode: '340104',
        birthDate: '1991-04-05',
        sequence: seq + 1,
      }),
      name: `许${String.fromCharCode(0x4e00 + people)}`,
      sex: 'M' as const,
      ethnicity: '汉族',
      birthDate: '1991-04-05',
      hukouAddressCode: '340104',
      hukouAddress: address,
      status: 'ACTIVE' as const,
      cardIssued: true,
      flags: fatherFlags,
    };
    const mother = {
      ...father,
      idNumber: makeCitizenId({ addressCode: '340104', birthDate: '1993-08-09', sequence: seq }),
      name: `何${String.fromCharCode(0x4e00 + people)}`,
      sex: 'F' as const,
      ethnicity: '回族',
      birthDate: '1993-08-09',
      flags: [],
    };
    const report = await importRegistryRecords(dataSourceOf(system), [father, mother]);
    expect(report.rejected).toBe(0);
    return { father, mother };
  }

  let certificates = 0;
  const aCertificate = () =>
    `Q${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 1e4).padStart(4, '0')}${String(++certificates).padStart(2, '0')}`;

  function aRegistration(
    family: Awaited<ReturnType<typeof aFamily>>,
    child: Loose = {},
    overrides: Loose = {},
  ): Loose {
    return {
      acceptancePoint: POINT,
      child: {
        name: `${family.father.name.slice(0, 1)}小宝`,
        sex: 'M',
        birthDate,
        ethnicity: '回族',
        birthPlaceCode: '330402',
        ...child,
      },
      birthCertificateNumber: aCertificate(),
      parent: {
        relation: 'FATHER',
        name: family.father.name,
        ethnicity: family.father.ethnicity,
        idNumber: family.father.idNumber,
      },
      otherParent: {
        relation: 'MOTHER',
        name: family.mother.name,
        ethnicity: family.mother.ethnicity,
        idNumber: family.mother.idNumber,
      },
      marriage: { kind: 'MARRIAGE_CERTIFICATE', number: 'J340104-2019-000321' },
      hukou: { addressCode: '340104', address: family.father.hukouAddress },
      delivery: { method: 'WINDOW' },
      ...overrides,
    };
  }

  const create = (body: Loose, key = randomUUID()) =>
    clerk.post<Loose>('/api/v1/newborn-registrations', body, { 'idempotency-key': key });

  const read = async (id: string) => {
    const res = await clerk.get<Loose>(`/api/v1/newborn-registrations/${id}`);
    if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Loose & {
      status: string;
      registration: { citizenIdNumber: string; page: Loose } | null;
      refusal: { code: string; reason: string } | null;
      supplementRequested: { code: string }[];
      timeline: { event: string; side: string }[];
      allowedActions: string[];
    };
  };

  const reaches = (id: string, status: string) =>
    waitFor(
      `newborn case ${id} in ${status}`,
      () => read(id),
      (c) => c.status === status,
    );

  const settles = (id: string) =>
    waitFor(
      `newborn case ${id} decided`,
      () => read(id),
      (c) => c.status !== 'UNDER_REVIEW',
    );

  const delivery = (path: string, role: 'clerk' | 'delivery', body?: unknown) =>
    fetch(`${system.url}/api/v1/deliveries/${path}`, {
      method: 'POST',
      headers: {
        ...authHeaders(role === 'clerk' ? { role, point: POINT } : { role, province: '33' }),
        'content-type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('registered and collected at the window: the child gets a citizen ID number and the page', async () => {
    const family = await aFamily();
    const res = await create(aRegistration(family));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'newborn', status: 'UNDER_REVIEW' });
    const id = res.body.id as string;

    const registered = await waitFor(
      `case ${id} dispatched`,
      () => read(id),
      (c) => c.status === 'DISPATCHED',
    );
    const number = registered.registration!.citizenIdNumber;
    const parsed = parseCitizenId(number);
    expect(parsed).toMatchObject({ addressCode: '340104', birthDate, sex: 'M' });
    expect(registered.registration!.page).toMatchObject({
      name: registered.child && (registered.child as Loose).name,
      citizenIdNumber: number,
      registrationReason: '出生登记',
      registeringAuthority: '合肥市公安局蜀山分局',
    });

    expect((await delivery(`${id}/arrived`, 'clerk')).status).toBe(200);
    await reaches(id, 'READY_FOR_PICKUP');
    const collected = await delivery(`${id}/collected`, 'clerk', {
      receiptNumber: res.body.receiptNumber,
      collector: { type: 'APPLICANT', name: family.father.name, idNumber: family.father.idNumber },
    });
    expect(collected.status).toBeLessThan(300);
    const done = await reaches(id, 'DELIVERED');
    expect(done.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REGISTRATION_REQUESTED',
      'REGISTERED',
      'DISPATCHED',
      'ARRIVED_AT_POINT',
      'COLLECTED',
    ]);
    expect(done.timeline.find((t) => t.event === 'REGISTERED')?.side).toBe('hukou');
  });

  it('registered and delivered by post (the courier confirms with the pickup code)', async () => {
    const family = await aFamily();
    const res = await create(
      aRegistration(
        family,
        { name: `${family.mother.name.slice(0, 1)}小雨`, sex: 'F' },
        {
          delivery: {
            method: 'POST',
            recipient: family.mother.name,
            address: '浙江省嘉兴市南湖区中山路1号',
            phone: '13800138000',
          },
        },
      ),
    );
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const dispatched = await reaches(id, 'DISPATCHED');
    expect(parseCitizenId(dispatched.registration!.citizenIdNumber).sex).toBe('F');
    const [row] = await dataSourceOf(system).query(
      `SELECT body FROM delivery.notifications WHERE case_id = $1 AND kind = 'PICKUP_CODE'`,
      [id],
    );
    const pickupCode = /取件码 (\d{6})/.exec(String(row?.body ?? ''))?.[1];
    expect(pickupCode).toBeDefined();
    const courier = await delivery(`${id}/courier`, 'delivery', { event: 'DELIVERED', pickupCode });
    expect(courier.status).toBeLessThan(300);
    const done = await reaches(id, 'DELIVERED');
    expect(done.timeline.map((t) => t.event).slice(-2)).toEqual([
      'DISPATCHED',
      'DELIVERED_BY_POST',
    ]);
  });

  it.each<[string, (f: Awaited<ReturnType<typeof aFamily>>) => Loose, string]>([
    [
      'a parent not in the registry',
      (f) =>
        aRegistration(
          f,
          {},
          {
            parent: {
              relation: 'FATHER',
              name: f.father.name,
              ethnicity: '汉族',
              idNumber: makeCitizenId({
                addressCode: '340104',
                birthDate: '1990-01-01',
                sequence: 977,
              }),
            },
          },
        ),
      'PARENT_NOT_IN_REGISTRY',
    ],
    [
      'a parent at another hukou address',
      (f) =>
        aRegistration(
          f,
          {},
          { hukou: { addressCode: '340103', address: '安徽省合肥市庐阳区1号' } },
        ),
      'PARENT_HUKOU_MISMATCH',
    ],
    [
      'a parent whose name differs from the registry',
      (f) =>
        aRegistration(
          f,
          { name: `${f.father.name.slice(0, 1)}二宝` },
          {
            parent: {
              relation: 'FATHER',
              name: `${f.father.name}甲`,
              ethnicity: '汉族',
              idNumber: f.father.idNumber,
            },
          },
        ),
      'PARENT_PARTICULARS_MISMATCH',
    ],
  ])('refused: %s (reason in words)', async (_what, body, code) => {
    const family = await aFamily();
    const res = await create(body(family));
    expect(res.status).toBe(201);
    const c = await settles(res.body.id as string);
    expect(c.status).toBe('REFUSED');
    expect(c.refusal?.code).toBe(code);
    expect(c.refusal!.reason.length).toBeGreaterThan(20);
    expect(c.registration).toBeNull();
    expect(c.allowedActions).toEqual([]);
  });

  it('refused: a parent whose hukou is cancelled, and a certificate already used', async () => {
    const family = await aFamily();
    await importRegistryRecords(dataSourceOf(system), [{ ...family.mother, status: 'CANCELLED' }]);
    const inactive = await create(
      aRegistration(
        family,
        { name: `${family.mother.name.slice(0, 1)}三宝` },
        {
          parent: {
            relation: 'MOTHER',
            name: family.mother.name,
            ethnicity: '回族',
            idNumber: family.mother.idNumber,
          },
          otherParent: {
            relation: 'FATHER',
            name: family.father.name,
            ethnicity: '汉族',
            idNumber: family.father.idNumber,
          },
        },
      ),
    );
    expect((await settles(inactive.body.id as string)).refusal?.code).toBe('PARENT_HUKOU_INACTIVE');

    const first = aRegistration(family, { name: `${family.father.name.slice(0, 1)}四宝` });
    const registered = await create(first);
    await reaches(registered.body.id as string, 'DISPATCHED');
    const again = await create({
      ...aRegistration(family, { name: `${family.father.name.slice(0, 1)}五宝` }),
      birthCertificateNumber: first.birthCertificateNumber,
    });
    expect((await settles(again.body.id as string)).refusal?.code).toBe('CERTIFICATE_USED');
  });

  it('the supplement loop: marriage evidence and a clearer certificate copy, then registered', async () => {
    const family = await aFamily(['DOCUMENTS_REQUIRED']);
    const res = await create(aRegistration(family));
    const id = res.body.id as string;
    const waiting = await settles(id);
    expect(waiting.status).toBe('SUPPLEMENT_REQUIRED');
    expect(waiting.supplementRequested.map((i) => i.code)).toEqual([
      'MARRIAGE_EVIDENCE',
      'BIRTH_CERTIFICATE_COPY',
    ]);
    expect(waiting.allowedActions.sort()).toEqual(['CANCELLED', 'SUPPLEMENT_SUBMITTED']);
    const missing = await clerk.post(`/api/v1/newborn-registrations/${id}/supplements`, {
      items: [{ code: 'MARRIAGE_EVIDENCE' }],
    });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      details: [{ field: 'items', rule: 'supplement.missing' }],
    });
    const ok = await clerk.post(`/api/v1/newborn-registrations/${id}/supplements`, {
      items: [
        { code: 'MARRIAGE_EVIDENCE', note: '结婚证复印件' },
        { code: 'BIRTH_CERTIFICATE_COPY' },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'UNDER_REVIEW', reviewRound: 2 });
    const done = await reaches(id, 'DISPATCHED');
    expect(done.timeline.map((t) => t.event)).toEqual([
      'INTAKE',
      'REGISTRATION_REQUESTED',
      'SUPPLEMENT_REQUESTED',
      'SUPPLEMENT_SUBMITTED',
      'REGISTERED',
      'DISPATCHED',
    ]);
  });

  it('cancel: withdrawn before registration; refused (409) once registered', async () => {
    const family = await aFamily(['DOCUMENTS_REQUIRED']);
    const res = await create(aRegistration(family));
    const id = res.body.id as string;
    await reaches(id, 'SUPPLEMENT_REQUIRED');
    const cancelled = await clerk.post(`/api/v1/newborn-registrations/${id}/cancel`, {
      reason: '家长改回户籍地办理',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'CANCELLED',
      cancelReason: '家长改回户籍地办理',
    });

    const other = await aFamily();
    const registered = await create(aRegistration(other));
    const rid = registered.body.id as string;
    await reaches(rid, 'DISPATCHED');
    const late = await clerk.post(`/api/v1/newborn-registrations/${rid}/cancel`, {
      reason: '太晚了',
    });
    expect(late.status).toBe(409);
    expect(String(late.body.message)).toContain('before the child is registered');
  });

  it('two concurrent registrations of the same certificate give one child', async () => {
    const family = await aFamily();
    const body = aRegistration(family, { name: `${family.father.name.slice(0, 1)}同号` });
    const [a, b] = await Promise.all([create(body), create(body)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const outcomes = await Promise.all([
      settles(a.body.id as string),
      settles(b.body.id as string),
    ]);
    const statuses = outcomes
      .map((c) => (c.status === 'REFUSED' ? 'REFUSED' : 'REGISTERED'))
      .sort();
    expect(statuses).toEqual(['REFUSED', 'REGISTERED']);
    expect(outcomes.find((c) => c.status === 'REFUSED')!.refusal!.code).toMatch(
      /CERTIFICATE_USED|ALREADY_REGISTERED/,
    );
    const [{ n }] = await dataSourceOf(system).query(
      `SELECT count(*)::int AS n FROM verification.registry_persons WHERE name = $1`,
      [(body.child as Loose).name],
    );
    expect(n).toBe(1);
  });

  it('a retry with the same Idempotency-Key gets the first result; another body with the key → 422; twins at once are two cases', async () => {
    const family = await aFamily();
    const body = aRegistration(family, { name: `${family.father.name.slice(0, 1)}重试` });
    const key = randomUUID();
    // The same request twice at once: one case, both answered with it.
    const [first, racing] = await Promise.all([create(body, key), create(body, key)]);
    expect([first.status, racing.status]).toEqual([201, 201]);
    expect(racing.body.id).toBe(first.body.id);
    // The first case goes on being registered meanwhile: count what an intake would add.
    const taken = async () => {
      const { cases, keys, counters } = await intakeCounts(system);
      return { cases, keys, counters };
    };
    const before = await taken();
    const again = await create(body, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await create({ ...body, birthCertificateNumber: aCertificate() }, key);
    expect(other.status).toBe(422);
    expect(other.body.details).toEqual([
      expect.objectContaining({ field: 'Idempotency-Key', rule: 'idempotency.bodyMismatch' }),
    ]);
    expect(String(other.body.message)).toContain('a new registration');
    expect(await taken()).toEqual(before);
    // The receipt numbers of the point have no gaps and no repeats (one per case taken).
    const [x, y] = await Promise.all([
      create(aRegistration(family, { name: `${family.father.name.slice(0, 1)}甲` })),
      create(aRegistration(family, { name: `${family.father.name.slice(0, 1)}乙` })),
    ]);
    expect([x.status, y.status]).toEqual([201, 201]);
    const seq = (r: Loose) => Number(String(r.receiptNumber).split('-').pop());
    expect(Math.abs(seq(x.body) - seq(y.body))).toBe(1);
  });

  it('twins (same parents, same day, two certificates) get distinct sequence codes of the right parity', async () => {
    const family = await aFamily();
    const s = family.father.name.slice(0, 1);
    const [boy, girl] = await Promise.all([
      create(aRegistration(family, { name: `${s}大双`, sex: 'M' })),
      create(aRegistration(family, { name: `${s}二双`, sex: 'F' })),
    ]);
    const [b, g] = await Promise.all([
      reaches(boy.body.id as string, 'DISPATCHED'),
      reaches(girl.body.id as string, 'DISPATCHED'),
    ]);
    const ids = [b, g].map((c) => parseCitizenId(c.registration!.citizenIdNumber));
    expect(ids[0].number).not.toBe(ids[1].number);
    expect(Number(ids[0].sequence) % 2).toBe(1);
    expect(Number(ids[1].sequence) % 2).toBe(0);
    expect(ids.map((i) => i.birthDate)).toEqual([birthDate, birthDate]);
  });

  it('a registered child then applies for a first ID card and reaches DELIVERED', async () => {
    const family = await aFamily();
    const res = await create(
      aRegistration(family, { name: `${family.father.name.slice(0, 1)}身份` }),
    );
    const registered = await reaches(res.body.id as string, 'DISPATCHED');
    const number = registered.registration!.citizenIdNumber;
    const child = {
      idNumber: number,
      name: (registered.child as Loose).name as string,
      sex: 'M' as const,
      ethnicity: '回',
      birthDate,
      hukouAddressCode: '340104',
      hukouAddress: family.father.hukouAddress,
    };
    const guardian = {
      ...aGuardian(),
      name: family.father.name,
      idNumber: family.father.idNumber,
      relation: '父亲',
    };
    const body = anApplication(child, await clerk.photoId()).build();
    const app = await clerk.apply({ ...body, guardian });
    expect(app.status).toBe(201);
    const appId = app.body.id as string;
    const approved = await waitFor(
      `ID card ${appId} produced and dispatched`,
      () => clerk.case(appId),
      (c) => c.status === 'DISPATCHED' || c.status === 'REFUSED',
    );
    expect(approved.status).toBe('DISPATCHED');
    expect((await delivery(`${appId}/arrived`, 'clerk')).status).toBe(200);
    await waitFor(
      'ready',
      () => clerk.case(appId),
      (c) => c.status === 'READY_FOR_PICKUP',
    );
    const handed = await delivery(`${appId}/collected`, 'clerk', {
      receiptNumber: app.body.receiptNumber,
      collector: { type: 'APPLICANT', name: child.name, idNumber: child.idNumber },
    });
    expect(handed.status).toBeLessThan(300);
    await waitFor(
      'delivered',
      () => clerk.case(appId),
      (c) => c.status === 'DELIVERED',
    );
  });

  it("lists the point's registrations newest first, page by page with nextCursor", async () => {
    const family = await aFamily();
    for (let i = 0; i < 2; i++)
      expect(
        (await create(aRegistration(family, { name: `${family.father.name.slice(0, 1)}列${i}` })))
          .status,
      ).toBe(201);
    const list = (q: string) =>
      clerk.get<{
        items: { id: string; createdAt: string }[];
        nextCursor: string | null;
        page: number | null;
        total: number;
      }>(`/api/v1/newborn-registrations?pageSize=1${q}`);
    const first = await list('');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    expect(first.body.page).toBe(1);
    expect(first.body.total).toBeGreaterThanOrEqual(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const seen = [first.body.items[0].id];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await list(`&cursor=${cursor}`);
      expect(next.status).toBe(200);
      expect(next.body.page).toBeNull();
      seen.push(...next.body.items.map((c) => c.id));
      cursor = next.body.nextCursor;
    }
    expect(seen).toHaveLength(first.body.total);
    expect(new Set(seen).size).toBe(seen.length);
    const offset = await list('&page=2');
    expect(offset.body.items[0].id).toBe(seen[1]);
    const both = await list(`&page=1&cursor=${first.body.nextCursor}`);
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({ details: [{ field: 'page', rule: 'page.withCursor' }] });
    expect((await list('&cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });
});

describe('newborn registration: bad input gets a 4xx naming the field and the rule, nothing written', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  beforeAll(async () => {
    system = await startTestSystem([intakeFeature, verificationFeature, deliveryFeature], {
      RECONCILE_INTERVAL_MS: '0',
    });
    clerk = new ClerkClient(system.url, '330402-01');
  });
  afterAll(async () => {
    await system?.close();
  });

  const father = makeCitizenId({ addressCode: '340104', birthDate: '1991-04-05', sequence: 311 });
  const mother = makeCitizenId({ addressCode: '340104', birthDate: '1993-08-09', sequence: 312 });
  const good = (): Loose => ({
    acceptancePoint: '330402-01',
    child: {
      name: '许小宝',
      sex: 'M',
      birthDate: addDays(todayInChina(), -5),
      ethnicity: '汉族',
      birthPlaceCode: '330402',
    },
    birthCertificateNumber: 'P330100001',
    parent: { relation: 'FATHER', name: '许军', ethnicity: '汉族', idNumber: father },
    otherParent: { relation: 'MOTHER', name: '何丽', ethnicity: '回族', idNumber: mother },
    marriage: { kind: 'MARRIAGE_CERTIFICATE', number: 'J340104-2019-000321' },
    hukou: { addressCode: '340104', address: '安徽省合肥市蜀山区望江西路1号' },
    delivery: { method: 'WINDOW' },
  });
  const patch = (f: (b: Loose & { child: Loose; parent: Loose }) => void) => {
    const b = good() as Loose & { child: Loose; parent: Loose };
    f(b);
    return b;
  };

  it.each<[string, Loose, number, string, string]>([
    [
      'wrong surname without reason',
      patch((b) => (b.child.name = '张小宝')),
      400,
      'child.name',
      'newborn.surname',
    ],
    [
      'an unknown surname reason',
      patch((b) => {
        b.child.name = '张小宝';
        b.child.surnameReason = 'FANCY';
      }),
      400,
      'child.surnameReason',
      'newborn.surnameReason.unknown',
    ],
    [
      'ethnicity of neither parent',
      patch((b) => (b.child.ethnicity = '藏族')),
      400,
      'child.ethnicity',
      'newborn.ethnicity',
    ],
    [
      'future birth date',
      patch((b) => (b.child.birthDate = addDays(todayInChina(), 2))),
      400,
      'child.birthDate',
      'newborn.birthDate.future',
    ],
    [
      'past the age limit',
      patch((b) => (b.child.birthDate = addDays(todayInChina(), -400))),
      400,
      'child.birthDate',
      'newborn.birthDate.ageLimit',
    ],
    [
      'unknown parent (not a valid citizen ID number)',
      patch((b) => (b.parent.idNumber = father.slice(0, 17) + (father[17] === '1' ? '2' : '1'))),
      400,
      'parent.idNumber',
      'citizenId.checkDigit',
    ],
    [
      'a father whose number says female',
      patch((b) => (b.parent.idNumber = mother)),
      400,
      'parent.relation',
      'newborn.parent.sex',
    ],
    [
      'malformed certificate number',
      patch((b) => (b.birthCertificateNumber = '33010000X1')),
      400,
      'birthCertificateNumber',
      'newborn.birthCertificate.format',
    ],
    [
      'marriage certificate without number',
      patch((b) => (b.marriage = { kind: 'MARRIAGE_CERTIFICATE' })),
      400,
      'marriage.number',
      'newborn.marriage.number',
    ],
    [
      'route closed for newborn registration',
      patch((b) => (b.hukou = { addressCode: '340202', address: '安徽省芜湖市镜湖区1号' })),
      422,
      'hukou.addressCode',
      'eligibility.noRule',
    ],
  ])(
    '%s → 4xx naming the field and the rule, nothing written',
    async (_what, body, status, field, rule) => {
      const before = await intakeCounts(system);
      const res = await clerk.post<Loose>('/api/v1/newborn-registrations', body, {
        'idempotency-key': randomUUID(),
      });
      expect(res.status).toBe(status);
      expect(res.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, rule })]),
      );
      expect(JSON.stringify(res.body)).not.toContain(father);
      expect(await intakeCounts(system)).toEqual(before);
    },
  );

  it('answers eligibility per service', async () => {
    const ask = (q: string) =>
      clerk.get<Loose>(`/api/v1/eligibility?residence=330402&hukou=340202&date=2025-01-01${q}`);
    expect((await ask('')).body).toMatchObject({ eligible: true, service: 'idcard' });
    expect((await ask('&service=newborn')).body).toMatchObject({
      eligible: false,
      service: 'newborn',
    });
    expect((await ask('&service=passport')).status).toBe(400);
  });
});
