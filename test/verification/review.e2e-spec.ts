import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Catalog, Payload } from '@app/contracts';
import { makeCitizenId, todayInChina, validityFor } from '@app/domain';
import {
  BullMqClient,
  Envelope,
  envelopeHash,
  Keyring,
  openEnvelope,
  queueName,
  SealedPayload,
  sealAndSign,
  signingBytes,
  UnsignedEnvelope,
} from '@app/messaging';
import {
  generateRegistry,
  importRegistryRecords,
  RegistryRecord,
  verificationFeature,
} from '../../apps/verification/src';
import { TEST_REDIS_URL } from '../support/database';
import { recordStatements } from '../support/statements';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

type Requested = Payload<'review.requested'>;
type Decided = Payload<'review.decided'>;
type Withdrawn = Payload<'review.withdrawn'>;

/**
 * The verification node end to end: real PostgreSQL and Redis, review requests sealed for the hukou
 * province, signed by the residence province and published on the hukou province's review queue,
 * decisions read from the verification outbox (sealed for the residence province, published by its
 * relay) and opened with the residence province's key.
 */
describe('verification: review.requested → review.decided', () => {
  let sys: TestSystem;
  let keyring: Keyring;
  let client: BullMqClient;
  let dataSource: DataSource;

  const adult: RegistryRecord = {
    idNumber: makeCitizenId({ addressCode: '330402', birthDate: '2001-05-20', sequence: 321 }),
    name: '沈嘉禾',
    sex: 'M',
    ethnicity: '汉族',
    birthDate: '2001-05-20',
    hukouAddressCode: '330402',
    hukouAddress: '浙江省嘉兴市南湖区建设路88号',
    status: 'ACTIVE',
    cardIssued: false,
    flags: [],
  };
  const child: RegistryRecord = {
    ...adult,
    idNumber: makeCitizenId({ addressCode: '330421', birthDate: '2014-09-01', sequence: 42 }),
    name: '沈小禾',
    sex: 'F',
    birthDate: '2014-09-01',
    hukouAddressCode: '330421',
    hukouAddress: '浙江省嘉兴市嘉善县罗星街道振兴路1号',
  };

  beforeAll(async () => {
    sys = await startTestSystem([verificationFeature]);
    ({ keyring } = Keyring.load(sys.keyringDir, { provinces: ['31', '33'], autogenerate: false }));
    client = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: sys.queuePrefix,
      // One attempt: a request the handler rejects is dead-lettered at once.
      retry: { attempts: 1, backoffMs: 10 },
    });
    dataSource = sys.node.app.get(DataSource);
    const report = await importRegistryRecords(dataSource, [
      adult,
      child,
      ...generateRegistry({ seed: 'e2e', provinces: ['33'], perProvince: 20 }),
    ]);
    expect(report.rejected).toBe(0);
  });

  afterAll(async () => {
    await client?.close();
    await sys?.close();
  });

  // Each test is its own story of the same people: their earlier applications are finished.
  afterEach(async () => {
    await dataSource.query(`DELETE FROM verification.open_applications`);
  });

  function payloadFor(person: RegistryRecord, overrides: Partial<Requested> = {}): Requested {
    return {
      receiptNumber: `R${Date.now()}`,
      acceptancePoint: '310101-01',
      residenceProvince: '31',
      round: 1,
      applicant: {
        idNumber: person.idNumber,
        name: person.name,
        sex: person.sex,
        ethnicity: person.ethnicity,
        birthDate: person.birthDate,
      },
      hukou: { addressCode: person.hukouAddressCode, address: person.hukouAddress },
      photo: {
        photoId: randomUUID(),
        sha256: 'b'.repeat(64),
        capturedAt: new Date(Date.now() - 30 * 86_400_000).toISOString(),
      },
      fingerprints: { captured: true, missingReason: null },
      guardian: null,
      supplements: [],
      ...overrides,
    };
  }

  function signedRequest(
    caseId: string,
    payload: Requested,
    route: { from?: string; to?: string } = {},
  ): Envelope<SealedPayload> {
    const id = randomUUID();
    const from = route.from ?? '31';
    const unsigned: UnsignedEnvelope<Requested> = {
      id,
      type: 'review.requested',
      schemaVersion: Catalog['review.requested'].version,
      caseId,
      correlationId: id,
      causationId: null,
      sender: { service: 'intake', province: from },
      recipient: { service: 'verification', province: route.to ?? '33' },
      sentAt: new Date().toISOString(),
      payload,
      inReplyTo: null,
    };
    return sealAndSign(keyring, unsigned);
  }

  const send = (envelope: Envelope, jobId = envelope.id) => client.publish([{ envelope, jobId }]);

  /** A `review.withdrawn` notice, signed by `from` (the residence province unless a test forges it). */
  function signedWithdrawal(
    caseId: string,
    payload: Partial<Withdrawn> = {},
    route: { from?: string; to?: string } = {},
  ): Envelope<SealedPayload> {
    const id = randomUUID();
    const unsigned: UnsignedEnvelope<Withdrawn> = {
      id,
      type: 'review.withdrawn',
      schemaVersion: Catalog['review.withdrawn'].version,
      caseId,
      correlationId: caseId,
      causationId: null,
      sender: { service: 'intake', province: route.from ?? '31' },
      recipient: { service: 'verification', province: route.to ?? '33' },
      sentAt: new Date().toISOString(),
      payload: {
        residenceProvince: route.from ?? '31',
        round: 1,
        withdrawnAt: new Date().toISOString(),
        ...payload,
      },
      inReplyTo: null,
    };
    return sealAndSign(keyring, unsigned);
  }

  /** Waits until the hukou side's inbox took the message (handled, or dropped as a repeat). */
  const handled = (messageId: string) =>
    waitFor(
      `message ${messageId} in verification.inbox`,
      (): Promise<unknown[]> =>
        dataSource.query(`SELECT 1 FROM verification.inbox WHERE message_id = $1`, [messageId]),
      (rows) => rows.length === 1,
    );

  const claimOf = async (person: RegistryRecord): Promise<string | null> =>
    (
      (await dataSource.query(
        `SELECT case_id FROM verification.open_applications WHERE id_number = $1`,
        [person.idNumber],
      )) as { case_id: string }[]
    )[0]?.case_id ?? null;

  const deadLetters = (caseId: string): Promise<{ reason: string; error: string }[]> =>
    dataSource.query(`SELECT reason, error FROM verification.dead_letters WHERE case_id = $1`, [
      caseId,
    ]);

  /** Decisions as the residence province reads them (payload opened), beside the sealed form sent. */
  const decisions = async (
    caseId: string,
  ): Promise<(Envelope<Decided> & { sealed: Envelope<SealedPayload> })[]> =>
    (
      await dataSource.query(
        `SELECT envelope FROM verification.outbox WHERE type = 'review.decided' AND case_id = $1 ORDER BY created_at`,
        [caseId],
      )
    ).map((r: { envelope: Envelope<SealedPayload> }) => ({
      ...r.envelope,
      payload: openEnvelope(keyring, r.envelope) as Decided,
      sealed: r.envelope,
    }));

  const waitForDecisions = (caseId: string, n: number) =>
    waitFor(
      `${n} review.decided for ${caseId}`,
      () => decisions(caseId),
      (d) => d.length >= n,
    );

  const reviews = (caseId: string) =>
    dataSource.query(
      `SELECT round, outcome, refusal_code, supplement_codes, request_message_id, request_hash,
              resend_count, last_request_message_id
         FROM verification.reviews WHERE case_id = $1 ORDER BY round`,
      [caseId],
    );

  it('approves, records the review with the request hash, and answers the requester', async () => {
    const caseId = `case-${randomUUID()}`;
    const request = signedRequest(caseId, payloadFor(adult));
    await send(request);
    const [decided] = await waitForDecisions(caseId, 1);

    expect(decided.payload.outcome).toBe('APPROVED');
    expect(decided.payload.issue).toMatchObject({
      issuingAuthority: '嘉兴市公安局南湖分局',
      issuingAuthorityCode: '330402',
      address: adult.hukouAddress,
      issueDate: todayInChina(),
      validityYears: validityFor(adult.birthDate, todayInChina()).years,
    });
    expect(decided.inReplyTo).toEqual({ messageId: request.id, hash: envelopeHash(request) });
    expect(decided.correlationId).toBe(request.correlationId);
    expect(decided.causationId).toBe(request.id);
    expect(decided.sender).toEqual({ service: 'verification', province: '33' });
    expect(decided.recipient).toEqual({ service: 'intake', province: '31' });
    expect(keyring.verify('33', signingBytes(decided.sealed), decided.signature)).toBe(true);
    expect(decided.sealed.payload.kid).toBe(keyring.encryptionKey('31').kid);

    expect(await reviews(caseId)).toEqual([
      {
        round: 1,
        outcome: 'APPROVED',
        refusal_code: null,
        supplement_codes: [],
        request_message_id: request.id,
        request_hash: envelopeHash(request),
        resend_count: 0,
        last_request_message_id: null,
      },
    ]);
    // The relay publishes the decision to the residence province's intake queue.
    await waitFor(
      'the decision published',
      async () =>
        (
          await dataSource.query(`SELECT sent_at FROM verification.outbox WHERE id = $1`, [
            decided.id,
          ])
        )[0].sent_at,
    );
    const job = await client.queueFor(queueName(decided.recipient)).getJob(decided.id);
    expect(job?.data).toEqual(decided.sealed);
    // Nothing is marked as issued at approval.
    const [person] = await dataSource.query(
      `SELECT card_issued FROM verification.registry_persons WHERE id_number = $1`,
      [adult.idNumber],
    );
    expect(person.card_issued).toBe(false);
  });

  it('a repeated request for the same round is not reviewed again: the same decision is re-sent', async () => {
    const caseId = `case-${randomUUID()}`;
    const firstPayload = payloadFor(adult);
    const first = signedRequest(caseId, firstPayload);
    await send(first);
    await waitForDecisions(caseId, 1);

    // The residence side re-sends after its deadline: a new message for the same case and round.
    // Meanwhile the registry changed; a second review would now refuse, a re-send does not.
    await dataSource.query(
      `UPDATE verification.registry_persons SET flags = '{FRAUD_WATCH}' WHERE id_number = $1`,
      [adult.idNumber],
    );
    try {
      const again = signedRequest(caseId, firstPayload);
      await send(again);
      const [one, two] = await waitForDecisions(caseId, 2);
      expect(two.payload).toEqual(one.payload);
      expect(two.payload.outcome).toBe('APPROVED');
      expect(two.id).not.toBe(one.id);
      expect(two.inReplyTo).toEqual({ messageId: again.id, hash: envelopeHash(again) });
      const [review] = await reviews(caseId);
      expect(review).toMatchObject({
        request_message_id: first.id,
        request_hash: envelopeHash(first),
        resend_count: 1,
        last_request_message_id: again.id,
      });

      // The very same message delivered again (another job id) is dropped by the inbox.
      await send(again, `${again.id}-redelivery`);
      const queue = client.queueFor(queueName(again.recipient));
      await waitFor('the redelivery processed', async () =>
        (await queue.getJob(`${again.id}-redelivery`))?.isCompleted(),
      );
      expect(await decisions(caseId)).toHaveLength(2);
      expect((await reviews(caseId))[0].resend_count).toBe(1);
    } finally {
      await dataSource.query(
        `UPDATE verification.registry_persons SET flags = '{}' WHERE id_number = $1`,
        [adult.idNumber],
      );
    }
  });

  it('two requests for the same round at once: one review, the same decision twice', async () => {
    const caseId = `case-${randomUUID()}`;
    const payload = payloadFor(adult);
    const requests = Array.from({ length: 4 }, () => signedRequest(caseId, payload));
    await client.publish(requests.map((envelope) => ({ envelope, jobId: envelope.id })));
    const sent = await waitForDecisions(caseId, 4);
    expect(new Set(sent.map((d) => JSON.stringify(d.payload))).size).toBe(1);
    expect(new Set(sent.map((d) => d.inReplyTo!.messageId))).toEqual(
      new Set(requests.map((r) => r.id)),
    );
    const rows = await reviews(caseId);
    expect(rows).toHaveLength(1);
    expect(rows[0].resend_count).toBe(3);
  });

  it('a request costs few round trips: review, refusal that frees the person, re-send', async () => {
    const statements = recordStatements();
    try {
      const approved = signedRequest(`case-${randomUUID()}`, payloadFor(adult));
      await send(approved);
      await waitForDecisions(approved.caseId, 1);
      const again = signedRequest(approved.caseId, payloadFor(adult));
      await send(again);
      await waitForDecisions(approved.caseId, 2);
      await dataSource.query(`DELETE FROM verification.open_applications`);
      const stranger = {
        ...adult,
        idNumber: makeCitizenId({ addressCode: '330402', birthDate: '2001-05-20', sequence: 998 }),
      };
      const refused = signedRequest(`case-${randomUUID()}`, payloadFor(stranger));
      await send(refused);
      expect((await waitForDecisions(refused.caseId, 1))[0].payload.outcome).toBe('REFUSED');

      // The opening with the read of the case (BEGIN, the case's lock, the inbox, its parties,
      // withdrawal, this round's decision, the applicant: one round trip), the claim on the
      // person, then the review with its answer (and the release of the claim when refused) in
      // one statement, COMMIT.
      expect(statements.handlingOf(approved.id)).toHaveLength(4);
      expect(statements.handlingOf(refused.id)).toHaveLength(4);
      // A re-send: the read finds the decision; the count and the answer in one statement.
      expect(statements.handlingOf(again.id)).toHaveLength(3);
      expect(statements.handlingOf(approved.id).slice(0, 2)).toEqual([
        expect.stringMatching(
          /^START TRANSACTION; SELECT pg_advisory_xact_lock\(hashtextextended\(\$1, 0\)\); INSERT INTO "verification"\.inbox .*; SELECT .*verification\.reviews.*verification\.registry_persons/s,
        ),
        expect.stringMatching(/^WITH claimed AS/),
      ]);
    } finally {
      statements.restore();
    }
  });

  it('asks for supplements, then approves the next round that brings them', async () => {
    const caseId = `case-${randomUUID()}`;
    const oldPhoto = {
      photoId: randomUUID(),
      sha256: 'c'.repeat(64),
      capturedAt: '2020-01-01T10:00:00+08:00',
    };
    await send(
      signedRequest(
        caseId,
        payloadFor(child, {
          photo: oldPhoto,
          fingerprints: { captured: false, missingReason: null },
        }),
      ),
    );
    const [first] = await waitForDecisions(caseId, 1);
    expect(first.payload.outcome).toBe('SUPPLEMENT_REQUIRED');
    expect(first.payload.supplement!.items.map((i) => i.code)).toEqual([
      'PHOTO_OUTDATED',
      'GUARDIAN_REQUIRED',
      'FINGERPRINT_EXEMPTION_PROOF',
    ]);

    const submittedAt = new Date().toISOString();
    await send(
      signedRequest(
        caseId,
        payloadFor(child, {
          round: 2,
          fingerprints: { captured: false, missingReason: null },
          guardian: {
            name: '沈大禾',
            idNumber: makeCitizenId({
              addressCode: '330421',
              birthDate: '1985-02-02',
              sequence: 7,
            }),
            relation: '父亲',
          },
          supplements: [
            { code: 'PHOTO_OUTDATED', description: 'new photo taken', submittedAt },
            { code: 'GUARDIAN_REQUIRED', description: 'guardian recorded', submittedAt },
            {
              code: 'FINGERPRINT_EXEMPTION_PROOF',
              description: 'hospital certificate',
              submittedAt,
            },
          ],
        }),
      ),
    );
    const [, second] = await waitForDecisions(caseId, 2);
    expect(second.payload).toMatchObject({ round: 2, outcome: 'APPROVED' });
    expect(second.payload.issue).toMatchObject({
      issuingAuthority: '嘉善县公安局',
      issuingAuthorityCode: '330421',
      validityYears: 5,
    });
    expect((await reviews(caseId)).map((r: { outcome: string }) => r.outcome)).toEqual([
      'SUPPLEMENT_REQUIRED',
      'APPROVED',
    ]);
  });

  it('one open application per person: a second case is refused without saying where; a refusal frees the person', async () => {
    const first = `case-${randomUUID()}`;
    await send(signedRequest(first, payloadFor(adult)));
    expect((await waitForDecisions(first, 1))[0].payload.outcome).toBe('APPROVED');

    // The same person at another province's point, while the first case is open.
    const second = `case-${randomUUID()}`;
    await send(
      signedRequest(
        second,
        payloadFor(adult, { residenceProvince: '33', acceptancePoint: '330402-01' }),
        { from: '33' },
      ),
    );
    const [refused] = await waitForDecisions(second, 1);
    expect(refused.payload.outcome).toBe('REFUSED');
    expect(refused.payload.refusal!.code).toBe('APPLICATION_ALREADY_OPEN');
    expect(refused.payload.refusal!.reason).toMatch(/already open elsewhere/);
    expect(JSON.stringify(refused.payload)).not.toMatch(new RegExp(`${first}|310101|上海`));
    // The first case keeps its claim (its next round is reviewed as usual).
    const [claim] = await dataSource.query(
      `SELECT case_id FROM verification.open_applications WHERE id_number = $1`,
      [adult.idNumber],
    );
    expect(claim.case_id).toBe(first);

    // A case refused for its own reasons frees the person: a later application is reviewed.
    await dataSource.query(`DELETE FROM verification.open_applications`);
    const flagged = `case-${randomUUID()}`;
    await dataSource.query(
      `UPDATE verification.registry_persons SET flags = '{FRAUD_WATCH}' WHERE id_number = $1`,
      [adult.idNumber],
    );
    try {
      await send(signedRequest(flagged, payloadFor(adult)));
      expect((await waitForDecisions(flagged, 1))[0].payload.refusal!.code).toBe('FLAGGED');
    } finally {
      await dataSource.query(
        `UPDATE verification.registry_persons SET flags = '{}' WHERE id_number = $1`,
        [adult.idNumber],
      );
    }
    const third = `case-${randomUUID()}`;
    await send(signedRequest(third, payloadFor(adult)));
    expect((await waitForDecisions(third, 1))[0].payload.outcome).toBe('APPROVED');
  });

  it('refuses with a reason code: not in the registry, and the wrong hukou province', async () => {
    const unknown = `case-${randomUUID()}`;
    const stranger = {
      ...adult,
      idNumber: makeCitizenId({ addressCode: '330402', birthDate: '2001-05-20', sequence: 999 }),
    };
    await send(signedRequest(unknown, payloadFor(stranger)));
    const [notFound] = await waitForDecisions(unknown, 1);
    expect(notFound.payload.outcome).toBe('REFUSED');
    expect(notFound.payload.refusal!.code).toBe('NOT_IN_REGISTRY');
    expect(notFound.payload.refusal!.reason).toMatch(/户籍地/);

    // Hukou address in 33 but sent to the review queue of 34: 34 refuses, and says so as 34.
    const misrouted = `case-${randomUUID()}`;
    await send(signedRequest(misrouted, payloadFor(adult), { to: '34' }));
    const [wrong] = await waitForDecisions(misrouted, 1);
    expect(wrong.payload.refusal!.code).toBe('WRONG_HUKOU_PROVINCE');
    expect(wrong.sender).toEqual({ service: 'verification', province: '34' });
    expect((await reviews(misrouted))[0].refusal_code).toBe('WRONG_HUKOU_PROVINCE');
  });

  it('a request whose signed sender is not the residence province of the case is dead-lettered', async () => {
    const caseId = `case-${randomUUID()}`;
    // Signed by 32 (verifies), but the payload says the case is at an acceptance point of 31.
    await send(signedRequest(caseId, payloadFor(adult), { from: '32' }));
    const [letter] = await waitFor(
      'a dead letter',
      (): Promise<{ reason: string; error: string }[]> =>
        dataSource.query(`SELECT reason, error FROM verification.dead_letters WHERE case_id = $1`, [
          caseId,
        ]),
      (rows) => rows.length === 1,
    );
    expect(letter.reason).toBe('PARTY_MISMATCH');
    expect(letter.error).toMatch(
      /sender 32 is not the residence province the request names \(31\)/,
    );
    expect(await reviews(caseId)).toEqual([]);
    expect(await decisions(caseId)).toEqual([]);
  });
  it('a withdrawal releases the claim: the person may apply again; a repeated notice and a late request change nothing', async () => {
    const first = `case-${randomUUID()}`;
    await send(signedRequest(first, payloadFor(adult)));
    expect((await waitForDecisions(first, 1))[0].payload.outcome).toBe('APPROVED');
    expect(await claimOf(adult)).toBe(first);

    const notice = signedWithdrawal(first);
    await send(notice);
    await handled(notice.id);
    expect(await claimOf(adult)).toBeNull();
    const withdrawals = () =>
      dataSource.query(
        `SELECT residence_province, hukou_province, round, message_id FROM verification.withdrawals WHERE case_id = $1`,
        [first],
      );
    expect(await withdrawals()).toEqual([
      { residence_province: '31', hukou_province: '33', round: 1, message_id: notice.id },
    ]);

    // The person applies again (here at another province's point): reviewed, approved, claimed.
    const second = `case-${randomUUID()}`;
    await send(
      signedRequest(
        second,
        payloadFor(adult, { residenceProvince: '32', acceptancePoint: '320102-01' }),
        { from: '32' },
      ),
    );
    expect((await waitForDecisions(second, 1))[0].payload.outcome).toBe('APPROVED');
    expect(await claimOf(adult)).toBe(second);

    // A second notice for the first case (a re-send), and a late request of it: no review, no
    // answer, and the new case keeps the person.
    const again = signedWithdrawal(first);
    await send(again);
    await handled(again.id);
    const late = signedRequest(first, payloadFor(adult, { round: 2 }));
    await send(late);
    await handled(late.id);
    expect(await withdrawals()).toEqual([
      { residence_province: '31', hukou_province: '33', round: 1, message_id: notice.id },
    ]);
    expect((await reviews(first)).map((r: { round: number }) => r.round)).toEqual([1]);
    expect(await decisions(first)).toHaveLength(1);
    expect(await claimOf(adult)).toBe(second);
    expect(await deadLetters(first)).toEqual([]);
  });

  it('a withdrawal that arrives before its request: the request is not reviewed and claims no one', async () => {
    const caseId = `case-${randomUUID()}`;
    const notice = signedWithdrawal(caseId);
    await send(notice);
    await handled(notice.id);
    const request = signedRequest(caseId, payloadFor(adult));
    await send(request);
    await handled(request.id);
    expect(await reviews(caseId)).toEqual([]);
    expect(await decisions(caseId)).toEqual([]);
    expect(await claimOf(adult)).toBeNull();
    expect(await deadLetters(caseId)).toEqual([]);
  });

  it('a withdrawal from a province that is not the residence side of the case is dead-lettered and releases nothing', async () => {
    const caseId = `case-${randomUUID()}`;
    await send(signedRequest(caseId, payloadFor(adult)));
    expect((await waitForDecisions(caseId, 1))[0].payload.outcome).toBe('APPROVED');

    // Signed by 32 and naming 32: a valid signature, but the case was bound to 31 by its review.
    await send(signedWithdrawal(caseId, {}, { from: '32' }));
    // Signed by 32, naming 31 as the residence province.
    await send(signedWithdrawal(caseId, { residenceProvince: '31' }, { from: '32' }));
    const letters = await waitFor(
      'two dead letters',
      () => deadLetters(caseId),
      (rows) => rows.length === 2,
    );
    expect(letters.map((l) => l.reason)).toEqual(['PARTY_MISMATCH', 'PARTY_MISMATCH']);
    expect(letters.map((l) => l.error).sort()).toEqual(
      [
        expect.stringMatching(
          /sender 32 is not the residence province of this case \(31, bound by its first review\)/,
        ),
        expect.stringMatching(/sender 32 is not the residence province the message names \(31\)/),
      ].sort(),
    );
    expect(await claimOf(adult)).toBe(caseId);
    expect(
      await dataSource.query(`SELECT 1 FROM verification.withdrawals WHERE case_id = $1`, [caseId]),
    ).toEqual([]);
  });
});
