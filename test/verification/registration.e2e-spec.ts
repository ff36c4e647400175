import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Catalog, Payload } from '@app/contracts';
import { addDays, makeCitizenId, parseCitizenId, todayInChina } from '@app/domain';
import {
  BullMqClient,
  Envelope,
  envelopeHash,
  Keyring,
  openEnvelope,
  SealedPayload,
  sealAndSign,
  UnsignedEnvelope,
} from '@app/messaging';
import {
  importRegistryRecords,
  RegistryRecord,
  verificationFeature,
} from '../../apps/verification/src';
import { TEST_REDIS_URL } from '../support/database';
import { recordStatements } from '../support/statements';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

type Requested = Payload<'registration.requested'>;
type Decided = Payload<'registration.decided'>;

/**
 * Newborn registration on the hukou side end to end: real PostgreSQL and Redis, requests signed by
 * the residence province on the hukou province's verification queue, decisions read from the outbox.
 */
describe('verification: registration.requested → registration.decided', () => {
  let sys: TestSystem;
  let keyring: Keyring;
  let client: BullMqClient;
  let dataSource: DataSource;
  const birthDate = addDays(todayInChina(), -10);

  const father: RegistryRecord = {
    idNumber: makeCitizenId({ addressCode: '340104', birthDate: '1990-02-03', sequence: 511 }),
    name: '周建华',
    sex: 'M',
    ethnicity: '汉族',
    birthDate: '1990-02-03',
    hukouAddressCode: '340104',
    hukouAddress: '安徽省合肥市蜀山区长江西路100号',
    status: 'ACTIVE',
    cardIssued: true,
    flags: [],
  };
  const mother: RegistryRecord = {
    ...father,
    idNumber: makeCitizenId({ addressCode: '340104', birthDate: '1992-06-07', sequence: 612 }),
    name: '吴芳',
    sex: 'F',
    birthDate: '1992-06-07',
  };
  const inactive: RegistryRecord = {
    ...father,
    idNumber: makeCitizenId({ addressCode: '340104', birthDate: '1988-01-01', sequence: 713 }),
    name: '郑强',
    birthDate: '1988-01-01',
    status: 'CANCELLED',
  };
  const documents: RegistryRecord = {
    ...father,
    idNumber: makeCitizenId({ addressCode: '340104', birthDate: '1989-01-01', sequence: 815 }),
    name: '冯伟',
    birthDate: '1989-01-01',
    flags: ['DOCUMENTS_REQUIRED'],
  };

  beforeAll(async () => {
    sys = await startTestSystem([verificationFeature]);
    ({ keyring } = Keyring.load(sys.keyringDir, { provinces: ['33', '34'], autogenerate: false }));
    client = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: sys.queuePrefix,
      retry: { attempts: 3, backoffMs: 50 },
    });
    dataSource = sys.node.app.get(DataSource);
    const report = await importRegistryRecords(dataSource, [father, mother, inactive, documents]);
    expect(report.rejected).toBe(0);
  });

  afterAll(async () => {
    await client?.close();
    await sys?.close();
  });

  let certificates = 0;
  const newCertificate = () =>
    `P${String(Date.now() % 1e5).padStart(5, '0')}${String(++certificates).padStart(4, '0')}`;

  function payload(
    overrides: Partial<Requested> = {},
    child: Partial<Requested['child']> = {},
  ): Requested {
    return {
      receiptNumber: `N${Date.now()}`,
      acceptancePoint: '330402-01',
      residenceProvince: '33',
      round: 1,
      child: {
        name: '周小宝',
        sex: 'M',
        birthDate,
        ethnicity: '汉族',
        birthPlaceCode: '330402',
        surnameReason: null,
        ...child,
      },
      birthCertificateNumber: newCertificate(),
      parent: {
        idNumber: father.idNumber,
        name: father.name,
        relation: 'FATHER',
        ethnicity: '汉族',
      },
      otherParent: {
        idNumber: mother.idNumber,
        name: mother.name,
        relation: 'MOTHER',
        ethnicity: '汉族',
      },
      marriage: { kind: 'MARRIAGE_CERTIFICATE', number: 'J340104-2015-000777' },
      hukou: { addressCode: father.hukouAddressCode, address: father.hukouAddress },
      supplements: [],
      ...overrides,
    };
  }

  /** Sealed for the hukou province, signed by the residence province (as intake's outbox does). */
  function signed(
    caseId: string,
    p: Requested,
    from = '33',
  ): Envelope<SealedPayload> & { plain: Requested } {
    const id = randomUUID();
    const unsigned: UnsignedEnvelope<Requested> = {
      id,
      type: 'registration.requested',
      schemaVersion: Catalog['registration.requested'].version,
      caseId,
      correlationId: caseId,
      causationId: null,
      sender: { service: 'intake', province: from },
      recipient: { service: 'verification', province: '34' },
      sentAt: new Date().toISOString(),
      payload: p,
      inReplyTo: null,
    };
    return { ...sealAndSign(keyring, unsigned), plain: p };
  }

  const send = (...envelopes: (Envelope & { plain?: unknown })[]) =>
    client.publish(
      envelopes.map(({ plain: _plain, ...envelope }) => ({ envelope, jobId: envelope.id })),
    );

  const decided = (caseId: string, n = 1) =>
    waitFor(
      `${n} registration.decided for ${caseId}`,
      async () =>
        (
          await dataSource.query(
            `SELECT envelope FROM verification.outbox WHERE type = 'registration.decided' AND case_id = $1 ORDER BY created_at`,
            [caseId],
          )
        ).map((r: { envelope: Envelope<SealedPayload> }) => ({
          ...r.envelope,
          payload: openEnvelope(keyring, r.envelope) as Decided,
        })),
      (d: Envelope<Decided>[]) => d.length >= n,
    );

  async function register(p: Requested) {
    const request = signed(`case-${randomUUID()}`, p);
    await send(request);
    const [answer] = await decided(request.caseId);
    return { request, answer };
  }

  /** The dead letters of a case, oldest first. */
  const deadLettersOf = (caseId: string) =>
    dataSource.query<{ reason: string; error: string; attempts: number }[]>(
      `SELECT reason, error, attempts FROM verification.dead_letters WHERE case_id = $1 ORDER BY id`,
      [caseId],
    );

  /**
   * Round 1 of a child registered by its father alone with a non-marital birth statement: the
   * hukou side asks for a supplement (marriage evidence, a clearer certificate copy).
   */
  async function awaitingSupplement(childName: string) {
    const base = payload(
      {
        parent: {
          idNumber: documents.idNumber,
          name: documents.name,
          relation: 'FATHER',
          ethnicity: '汉族',
        },
        otherParent: null,
        marriage: { kind: 'NON_MARITAL_BIRTH_STATEMENT', number: null },
      },
      { name: childName },
    );
    const caseId = `case-${randomUUID()}`;
    await send(signed(caseId, base));
    const [first] = await decided(caseId);
    expect(first.payload.outcome).toBe('SUPPLEMENT_REQUIRED');
    return { caseId, base, first };
  }

  it('registers the child with a new citizen ID number in the father’s household and answers with the page', async () => {
    const { request, answer } = await register(payload());
    const { plain: _plain, ...sent } = request;
    expect(answer.inReplyTo).toEqual({ messageId: request.id, hash: envelopeHash(sent) });
    expect(answer.recipient).toEqual({ service: 'intake', province: '33' });
    const d = answer.payload;
    expect(d.outcome).toBe('REGISTERED');
    const id = parseCitizenId(d.registration!.citizenIdNumber);
    expect({ addressCode: id.addressCode, birthDate: id.birthDate, sex: id.sex }).toEqual({
      addressCode: '340104',
      birthDate,
      sex: 'M',
    });
    expect(d.registration!.page).toMatchObject({
      name: '周小宝',
      sex: '男',
      relationToParent: '子',
      birthPlace: '浙江省嘉兴市南湖区',
      nativePlace: '安徽省合肥市蜀山区',
      address: father.hukouAddress,
      registrationReason: '出生登记',
      registeringAuthority: '合肥市公安局蜀山分局',
      citizenIdNumber: d.registration!.citizenIdNumber,
      householdNumber: d.registration!.householdNumber,
    });
    const [row] = await dataSource.query(
      `SELECT name, status, card_issued, household_number, hukou_address_code
         FROM verification.registry_persons WHERE id_number = $1`,
      [d.registration!.citizenIdNumber],
    );
    expect(row).toEqual({
      name: '周小宝',
      status: 'ACTIVE',
      card_issued: false,
      household_number: d.registration!.householdNumber,
      hukou_address_code: '340104',
    });
    const [parent] = await dataSource.query(
      `SELECT household_number FROM verification.registry_persons WHERE id_number = $1`,
      [father.idNumber],
    );
    expect(parent.household_number).toBe(d.registration!.householdNumber);
  });

  it('a registration costs few round trips; a re-send fewer', async () => {
    const [{ household_number: household }] = await dataSource.query(
      `SELECT household_number FROM verification.registry_persons WHERE id_number = $1`,
      [father.idNumber],
    );
    const statements = recordStatements();
    try {
      const { request } = await register(payload({}, { name: '周小川' }));
      const again = signed(request.caseId, request.plain);
      await send(again);
      await decided(request.caseId, 2);
      // The opening with the read of the case (BEGIN, the case's lock, the inbox, its parties,
      // withdrawal, this round's decision: one round trip), the certificate's lock, the parent (locked), the certificate, then
      // either the same child in the parent's household or a new household (its number, the
      // parent's row), the citizen ID number, the child, the certificate used, the page number,
      // the registration with its answer, COMMIT.
      expect(statements.handlingOf(request.id)).toHaveLength(household === null ? 12 : 11);
      // A re-send: the read finds the decision; the count and the answer in one statement.
      expect(statements.handlingOf(again.id)).toHaveLength(3);
    } finally {
      statements.restore();
    }
  });

  it('gives twins (same parents, same day, two certificates) distinct sequence codes of the right parity', async () => {
    const day = addDays(todayInChina(), -20);
    const twins = [
      payload({}, { name: '周大双', sex: 'M', birthDate: day }),
      payload({}, { name: '周二双', sex: 'F', birthDate: day }),
      payload({}, { name: '周三双', sex: 'M', birthDate: day }),
    ];
    const requests = twins.map((p) => signed(`case-${randomUUID()}`, p));
    await send(...requests); // consumed concurrently
    const answers = await Promise.all(requests.map(async (r) => (await decided(r.caseId))[0]));
    const numbers = answers.map((a) => a.payload.registration!.citizenIdNumber);
    expect(new Set(numbers).size).toBe(3);
    const ids = numbers.map((n) => parseCitizenId(n));
    expect(ids.map((i) => i.sex)).toEqual(['M', 'F', 'M']);
    expect(ids.map((i) => i.birthDate)).toEqual([day, day, day]);
    expect(Number(ids[1].sequence) % 2).toBe(0);
    expect([Number(ids[0].sequence), Number(ids[2].sequence)].sort()).toEqual([1, 3]);
    expect(new Set(answers.map((a) => a.payload.registration!.householdNumber)).size).toBe(1);
  });

  it('registers one child when two cases use the same certificate at once; the other is refused', async () => {
    const certificate = newCertificate();
    const requests = [
      signed(
        `case-${randomUUID()}`,
        payload({ birthCertificateNumber: certificate }, { name: '周一' }),
      ),
      signed(
        `case-${randomUUID()}`,
        payload({ birthCertificateNumber: certificate }, { name: '周一' }),
      ),
    ];
    await send(...requests);
    const outcomes = await Promise.all(
      requests.map(async (r) => (await decided(r.caseId))[0].payload),
    );
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['REFUSED', 'REGISTERED']);
    const refused = outcomes.find((o) => o.outcome === 'REFUSED')!;
    expect(refused.refusal!.code).toBe('CERTIFICATE_USED');
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM verification.registry_persons WHERE name = '周一'`,
    );
    expect(n).toBe(1);
  });

  it.each<[string, () => Requested, string]>([
    [
      'a parent not in the registry',
      () =>
        payload({
          parent: {
            idNumber: makeCitizenId({
              addressCode: '340104',
              birthDate: '1991-01-01',
              sequence: 901,
            }),
            name: '无名',
            relation: 'FATHER',
            ethnicity: '汉族',
          },
        }),
      'PARENT_NOT_IN_REGISTRY',
    ],
    [
      'a parent at another hukou address',
      () => payload({ hukou: { addressCode: '340102', address: '安徽省合肥市瑶海区某路1号' } }),
      'PARENT_HUKOU_MISMATCH',
    ],
    [
      'a parent whose name differs',
      () =>
        payload({
          parent: {
            idNumber: father.idNumber,
            name: '周建国',
            relation: 'FATHER',
            ethnicity: '汉族',
          },
        }),
      'PARENT_PARTICULARS_MISMATCH',
    ],
    [
      'a parent whose hukou is cancelled',
      () =>
        payload(
          {
            parent: {
              idNumber: inactive.idNumber,
              name: inactive.name,
              relation: 'FATHER',
              ethnicity: '汉族',
            },
          },
          { name: '郑小强' },
        ),
      'PARENT_HUKOU_INACTIVE',
    ],
    [
      'a household outside the province',
      () => payload({ hukou: { addressCode: '330402', address: '浙江省嘉兴市南湖区' } }),
      'WRONG_HUKOU_PROVINCE',
    ],
  ])('refuses %s, with a reason in words', async (_what, make, code) => {
    const { answer } = await register(make());
    expect(answer.payload).toMatchObject({
      outcome: 'REFUSED',
      registration: null,
      refusal: { code },
    });
    expect(answer.payload.refusal!.reason.length).toBeGreaterThan(20);
  });

  it('refuses a child already registered (same name, sex, birth date at this hukou)', async () => {
    const first = await register(payload({}, { name: '周重复' }));
    expect(first.answer.payload.outcome).toBe('REGISTERED');
    const second = await register(payload({}, { name: '周重复' }));
    expect(second.answer.payload.refusal?.code).toBe('ALREADY_REGISTERED');
  });

  it('asks for marriage evidence and a clearer certificate copy, registers once they are supplied', async () => {
    const { caseId, base, first } = await awaitingSupplement('冯小雨');
    expect(first.payload.supplement!.items.map((i) => i.code)).toEqual([
      'MARRIAGE_EVIDENCE',
      'BIRTH_CERTIFICATE_COPY',
    ]);
    const at = new Date().toISOString();
    const round2 = signed(caseId, {
      ...base,
      round: 2,
      supplements: first.payload.supplement!.items.map((i) => ({ ...i, submittedAt: at })),
    });
    await send(round2);
    const [, second] = await decided(caseId, 2);
    expect(second.payload).toMatchObject({ round: 2, outcome: 'REGISTERED' });
    // A repeated request for round 2 gets the recorded decision again, and no second child.
    await send(signed(caseId, { ...base, round: 2, supplements: round2.plain.supplements }));
    const [, , third] = await decided(caseId, 3);
    expect(third.payload).toEqual(second.payload);
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM verification.registry_persons WHERE name = '冯小雨'`,
    );
    expect(n).toBe(1);
  });
  it('refuses at once (PARTY_MISMATCH) a request from another province than the residence side it names, or than the one that bound the case', async () => {
    // Signed by 33, but naming 31 as the residence province.
    const named = `case-${randomUUID()}`;
    await send(signed(named, payload({ residenceProvince: '31' })));
    const [wrong] = await waitFor(
      'a dead letter',
      () => deadLettersOf(named),
      (r) => r.length === 1,
    );
    expect(wrong).toMatchObject({ reason: 'PARTY_MISMATCH', attempts: 1 });
    expect(wrong.error).toMatch(/sender 33 is not the residence province the message names \(31\)/);

    // A case bound to 33 by its first round; a second round signed and named by 31.
    const { request } = await register(payload({}, { name: '郑小川' }));
    await send(signed(request.caseId, payload({ residenceProvince: '31', round: 2 }), '31'));
    const [bound] = await waitFor(
      'a dead letter',
      () => deadLettersOf(request.caseId),
      (r) => r.length === 1,
    );
    expect(bound).toMatchObject({ reason: 'PARTY_MISMATCH', attempts: 1 });
    expect(bound.error).toMatch(
      /sender 31 is not the residence province of this case \(33, bound by its first registration round\)/,
    );
  });

  it('a withdrawal during the supplement round: the next round is not registered and the certificate stays unused; only the residence province may withdraw', async () => {
    const { caseId, base, first } = await awaitingSupplement('冯小风');

    const withdrawal = (from: string) => {
      const unsigned: UnsignedEnvelope<Payload<'registration.withdrawn'>> = {
        id: randomUUID(),
        type: 'registration.withdrawn',
        schemaVersion: Catalog['registration.withdrawn'].version,
        caseId,
        correlationId: caseId,
        causationId: null,
        sender: { service: 'intake', province: from },
        recipient: { service: 'verification', province: '34' },
        sentAt: new Date().toISOString(),
        payload: { residenceProvince: from, round: 1, withdrawnAt: new Date().toISOString() },
        inReplyTo: null,
      };
      return sealAndSign(keyring, unsigned);
    };
    const inbox = (messageId: string) =>
      waitFor(
        `message ${messageId} in verification.inbox`,
        (): Promise<unknown[]> =>
          dataSource.query(`SELECT 1 FROM verification.inbox WHERE message_id = $1`, [messageId]),
        (rows) => rows.length === 1,
      );

    // Signed by 31, which is not the residence side of this case (33 bound it by round 1).
    await send(withdrawal('31'));
    const [letter] = await waitFor(
      'a dead letter',
      () => deadLettersOf(caseId),
      (rows) => rows.length === 1,
    );
    expect(letter.reason).toBe('PARTY_MISMATCH');
    expect(letter.error).toMatch(
      /sender 31 is not the residence province of this case \(33, bound by its first registration round\)/,
    );

    const notice = withdrawal('33');
    await send(notice);
    await inbox(notice.id);
    // Round 2 with the supplements, sent before the parent withdrew, arrives late.
    const at = new Date().toISOString();
    const round2 = signed(caseId, {
      ...base,
      round: 2,
      supplements: first.payload.supplement!.items.map((i) => ({ ...i, submittedAt: at })),
    });
    await send(round2);
    await inbox(round2.id);
    expect(
      await dataSource.query(`SELECT round FROM verification.registrations WHERE case_id = $1`, [
        caseId,
      ]),
    ).toEqual([{ round: 1 }]);
    expect(
      await dataSource.query(`SELECT 1 FROM verification.birth_certificates WHERE number = $1`, [
        base.birthCertificateNumber,
      ]),
    ).toEqual([]);
    expect(
      await dataSource.query(`SELECT 1 FROM verification.registry_persons WHERE name = '冯小风'`),
    ).toEqual([]);
    expect(
      await dataSource.query(
        `SELECT count(*)::int AS n FROM verification.outbox WHERE type = 'registration.decided' AND case_id = $1`,
        [caseId],
      ),
    ).toEqual([{ n: 1 }]);
  });
});
