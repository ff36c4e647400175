import { randomUUID } from 'node:crypto';
import { Payload } from '@app/contracts';
import { Address } from '@app/messaging';
import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { productionFeature } from '../../apps/production/src/production.feature';
import { importRegistryRecords, verificationFeature } from '../../apps/verification/src';
import { ClerkClient, dataSourceOf } from '../intake/support/client';
import { anApplication, aPerson, Person, registryRecordOf } from '../intake/support/factories';
import { answers, MessageInjector } from '../intake/support/messages';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';

/**
 * Provinces trust no one. A case of Zhejiang (33, residence) and Anhui (34, hukou) on a node
 * running every service; a third province (Jiangsu, 32) signs honestly with its own key and names
 * itself as sender, and sends every message type of the catalog about that case into the real
 * queues; a wrong hukou province decides; a reply names a request never sent; a replayed copy
 * comes twice. Each is dead-lettered with a party reason (or STALE) and changes no case, review,
 * card or delivery; the legitimate case then completes.
 */
describe('messages bound to the parties of their case', () => {
  let system: TestSystem;
  let clerk: ClerkClient;
  let inject: MessageInjector;

  const THIRD = '32';
  const at = (service: string, province: string): Address => ({ service, province });

  beforeAll(async () => {
    system = await startTestSystem(
      [intakeFeature, verificationFeature, productionFeature, deliveryFeature],
      { RECONCILE_INTERVAL_MS: '0', MESSAGE_MAX_AGE_MS: '60000' },
    );
    clerk = new ClerkClient(system.url);
    inject = new MessageInjector(system);
  });

  afterAll(async () => {
    await inject?.close();
    await system?.close();
  });

  const db = () => dataSourceOf(system);

  /** Everything the four services hold about the case (what a forged message must not change). */
  const stateOf = async (caseId: string) => {
    const [row] = await db().query(
      `SELECT (SELECT to_jsonb(c) - 'updated_at' FROM intake.cases c WHERE id::text = $1) AS "case",
              (SELECT count(*)::int FROM intake.case_timeline WHERE case_id::text = $1) AS timeline,
              (SELECT count(*)::int FROM intake.outbox WHERE case_id::text = $1) AS intake_outbox,
              (SELECT coalesce(jsonb_agg(to_jsonb(r) - 'last_resent_at' ORDER BY round), '[]')
                 FROM verification.reviews r WHERE case_id::text = $1) AS reviews,
              (SELECT count(*)::int FROM verification.outbox WHERE case_id::text = $1) AS decisions,
              (SELECT coalesce(jsonb_agg(to_jsonb(k) - 'updated_at'), '[]')
                 FROM production.cards k WHERE case_id::text = $1) AS cards,
              (SELECT count(*)::int FROM production.cancellations WHERE case_id::text = $1) AS cancellations,
              (SELECT coalesce(jsonb_agg(to_jsonb(d) - 'updated_at'), '[]')
                 FROM delivery.deliveries d WHERE case_id::text = $1) AS deliveries`,
      [caseId],
    );
    return row;
  };

  const deadLetters = async (caseId: string) =>
    (await db().query(
      `SELECT 'intake' AS service, reason, error, type FROM intake.dead_letters WHERE case_id::text = $1
       UNION ALL SELECT 'verification', reason, error, type FROM verification.dead_letters WHERE case_id::text = $1
       UNION ALL SELECT 'production', reason, error, type FROM production.dead_letters WHERE case_id::text = $1
       UNION ALL SELECT 'delivery', reason, error, type FROM delivery.dead_letters WHERE case_id::text = $1`,
      [caseId],
    )) as { service: string; reason: string; error: string; type: string }[];

  const waitForLetters = (caseId: string, n: number) =>
    waitFor(
      `${n} dead letters`,
      () => deadLetters(caseId),
      (rows) => rows.length >= n,
    );

  const now = () => new Date().toISOString();

  function reviewRequest(p: Person, round: number, residence: string): Payload<'review.requested'> {
    return {
      receiptNumber: `${residence}0102-01-20260101-0001`,
      acceptancePoint: `${residence}0102-01`,
      residenceProvince: residence,
      round,
      applicant: {
        idNumber: p.idNumber,
        name: p.name,
        sex: p.sex,
        ethnicity: p.ethnicity,
        birthDate: p.birthDate,
      },
      hukou: { addressCode: p.hukouAddressCode, address: p.hukouAddress },
      photo: { photoId: randomUUID(), sha256: 'a'.repeat(64), capturedAt: now() },
      fingerprints: { captured: true, missingReason: null },
      guardian: null,
      supplements: [],
    };
  }

  /** Every message type of the catalog, as the third province would send it about the case. */
  async function forgeEveryType(caseId: string, p: Person, round: number): Promise<number> {
    const approved = answers.approved(round);
    const sends: Promise<unknown>[] = [
      // The round hijack: a review request for the next round, signed by 32 as itself.
      inject.send(
        'review.requested',
        caseId,
        reviewRequest(p, round + 1, THIRD),
        at('intake', THIRD),
        at('verification', '34'),
      ),
      inject.send(
        'review.decided',
        caseId,
        approved,
        at('verification', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'production.ordered',
        caseId,
        {
          receiptNumber: 'X',
          acceptancePoint: '330402-01',
          applicant: reviewRequest(p, 1, '33').applicant,
          issue: approved.issue!,
          photoId: randomUUID(),
        },
        at('intake', THIRD),
        at('production', '33'),
      ),
      inject.send(
        'production.cancelled',
        caseId,
        { reason: 'forged' },
        at('intake', THIRD),
        at('production', '33'),
      ),
      inject.send(
        'production.started',
        caseId,
        answers.started(1),
        at('production', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'production.attempt_failed',
        caseId,
        answers.failed(1),
        at('production', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'production.completed',
        caseId,
        answers.completed(1),
        at('production', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'delivery.ordered',
        caseId,
        {
          receiptNumber: 'X',
          acceptancePoint: '330402-01',
          cardSerial: '33-1',
          method: 'WINDOW',
          applicant: { idNumber: p.idNumber, name: p.name },
          proxy: null,
          postal: null,
        },
        at('intake', THIRD),
        at('delivery', '33'),
      ),
      inject.send(
        'delivery.dispatched',
        caseId,
        answers.dispatched('WINDOW'),
        at('delivery', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'delivery.arrived',
        caseId,
        answers.arrived(),
        at('delivery', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'delivery.returned',
        caseId,
        answers.returned(),
        at('delivery', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'delivery.completed',
        caseId,
        answers.completedDelivery('WINDOW'),
        at('delivery', THIRD),
        at('intake', '33'),
      ),
      inject.send(
        'case.timer',
        caseId,
        { kind: 'STATUTORY_DEADLINE', dueAt: now() },
        at('intake', THIRD),
        at('intake', '33'),
      ),
      // The real hukou province, but addressed to intake of a province that is not the case's.
      inject.send(
        'review.decided',
        caseId,
        approved,
        at('verification', '34'),
        at('intake', THIRD),
      ),
    ];
    await Promise.all(sends);
    return sends.length;
  }

  it('a third province, the wrong hukou province, an unsent request and a replayed copy change nothing; the case then completes', async () => {
    const person = aPerson({ age: 30 });
    await importRegistryRecords(db(), [
      registryRecordOf(person, { flags: ['DOCUMENTS_REQUIRED'] }),
    ]);
    const created = await clerk.apply(anApplication(person, await clerk.photoId()).build());
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitFor(
      'the supplement request',
      () => clerk.case(id),
      (c) => c.status === 'SUPPLEMENT_REQUIRED',
    );
    const before = await stateOf(id);
    expect(before.reviews).toHaveLength(1);

    // 1. Every message type from the third province (round hijack included).
    let expected = await forgeEveryType(id, person, 1);
    // 2. A reply from the real hukou province naming a request intake never sent.
    await inject.publish(
      inject.envelope(
        'review.decided',
        id,
        answers.approved(1),
        at('verification', '34'),
        at('intake', '33'),
        { messageId: randomUUID(), hash: 'f'.repeat(64) },
      ),
    );
    expected += 1;
    // 3. A copy older than the accepted window, sent twice: refused as STALE both times.
    const old = inject.envelope(
      'review.decided',
      id,
      answers.approved(1),
      at('verification', '34'),
      at('intake', '33'),
      await inject.replyLink('review.decided', id),
      new Date(Date.now() - 2 * 3_600_000),
    );
    await inject.publish(old);
    await inject.publish(old, `${old.id}-again`);
    expected += 2;

    const letters = await waitForLetters(id, expected);
    expect(letters).toHaveLength(expected);
    const party = letters.filter((l) => l.reason === 'PARTY_MISMATCH');
    expect(party).toHaveLength(expected - 2);
    expect(letters.filter((l) => l.reason === 'STALE')).toHaveLength(2);
    const errors = party.map((l) => l.error).join('\n');
    // The round hijack, refused by the hukou side as suspicious, never "already decided".
    expect(errors).toMatch(
      /sender 32 is not the residence province of this case \(33, bound by its first review\)/,
    );
    expect(errors).toMatch(/sender 32 is not the hukou province of this case/);
    expect(errors).toMatch(/sender 32 is not the residence province of this case/);
    expect(errors).toMatch(/sender 32 \(intake\) is not the residence intake of this case/);
    expect(errors).toMatch(/recipient 32 is not the residence province of this case/);
    expect(errors).toMatch(/inReplyTo\.hash names no review\.requested this side sent/);
    // Party reasons carry no personal data.
    expect(errors).not.toContain(person.idNumber);
    expect(errors).not.toContain(person.name);
    // Nothing changed anywhere.
    expect(await stateOf(id)).toEqual(before);

    // The legitimate case goes on: supplement, round 2 approved (not "already decided").
    const res = await clerk.post(`/api/v1/applications/${id}/supplements`, {
      items: [{ code: 'HOUSEHOLD_REGISTER_COPY' }],
    });
    expect(res.status).toBe(200);
    const dispatched = await waitFor(
      'the card dispatched',
      () => clerk.case(id),
      (c) => c.status === 'DISPATCHED',
    );
    expect(dispatched.reviewRound).toBe(2);

    // The round-1 request quoted in round 2: a reply for another round than the current one.
    const round1 = (
      await db().query(
        `SELECT hash FROM intake.case_requests WHERE case_id = $1 AND round = 1 LIMIT 1`,
        [id],
      )
    )[0].hash as string;
    const lettersBefore = await deadLetters(id);
    const middle = await stateOf(id);
    await inject.publish(
      inject.envelope(
        'review.decided',
        id,
        answers.refused(2),
        at('verification', '34'),
        at('intake', '33'),
        { messageId: randomUUID(), hash: round1 },
      ),
    );
    // And every type from the third province again, now that production and delivery know the case.
    const more = 1 + (await forgeEveryType(id, person, 2));
    const later = await waitForLetters(id, lettersBefore.length + more);
    // Every new letter is a PARTY_MISMATCH: the other reasons are as many as before. (Counted, not
    // sliced: the letters come from four tables, and new ones of the first table are listed before
    // older ones of the others.)
    const otherReasons = (rows: { reason: string }[]) =>
      rows.filter((l) => l.reason !== 'PARTY_MISMATCH').length;
    expect(otherReasons(later)).toBe(otherReasons(lettersBefore));
    expect(later.map((l) => l.error).join('\n')).toMatch(
      /names the review\.requested of round 1; the case is in round 2/,
    );
    expect(await stateOf(id)).toEqual(middle);

    expect((await clerk.post(`/api/v1/deliveries/${id}/arrived`, {})).status).toBe(200);
    await waitFor(
      'ready for pickup',
      () => clerk.case(id),
      (c) => c.status === 'READY_FOR_PICKUP',
    );
    const collected = await clerk.post(`/api/v1/deliveries/${id}/collected`, {
      receiptNumber: created.body.receiptNumber,
      collector: { type: 'APPLICANT', name: person.name, idNumber: person.idNumber },
    });
    expect(collected.status).toBe(200);
    const done = await waitFor(
      'delivered',
      () => clerk.case(id),
      (c) => c.status === 'DELIVERED',
    );
    expect(
      done.timeline.every((t) => t.senderProvince === null || t.senderProvince !== THIRD),
    ).toBe(true);
    // The hukou side reviewed exactly the two real rounds.
    expect(
      (await stateOf(id)).reviews.map((r: { round: number; residence_province: string }) => [
        r.round,
        r.residence_province,
      ]),
    ).toEqual([
      [1, '33'],
      [2, '33'],
    ]);
  });
});
