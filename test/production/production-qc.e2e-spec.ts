import { randomUUID } from 'node:crypto';
import { productionFeature } from '../../apps/production/src/production.feature';
import { startTestSystem, TestSystem } from '../support/system';
import { IntakeStub, productionOrder } from './intake-stub';

const intake33 = { service: 'intake', province: '33' };
const production33 = { service: 'production', province: '33' };

async function boot(env: Record<string, string>) {
  const sys = await startTestSystem([productionFeature], { PROVINCES: '33', ...env });
  return { sys, intake: new IntakeStub(sys, ['33']) };
}

async function orderAndSettle(intake: IntakeStub, caseId: string) {
  const sent = await intake.send('production.ordered', {
    caseId,
    payload: productionOrder(),
    from: intake33,
    to: production33,
  });
  await intake.waitForHandled('production', sent.id);
  const messages = await intake.sent('production', caseId);
  const attempts = await intake.dataSource.query(
    `SELECT attempt, outcome, failure_reason FROM production.card_attempts WHERE case_id = $1 ORDER BY attempt`,
    [caseId],
  );
  const [card] = await intake.dataSource.query(
    `SELECT status, attempts, produced_at, failed_at FROM production.cards WHERE case_id = $1`,
    [caseId],
  );
  return { sent, messages, attempts, card };
}

const byAttempt = (a: { envelope: { payload: unknown } }, b: { envelope: { payload: unknown } }) =>
  (a.envelope.payload as { attempt: number }).attempt -
  (b.envelope.payload as { attempt: number }).attempt;

describe('production quality check and remakes (e2e)', () => {
  describe('the first 2 attempts fail, 3 are allowed', () => {
    let sys: TestSystem;
    let intake: IntakeStub;
    beforeAll(async () => {
      ({ sys, intake } = await boot({
        PRODUCTION_QC_FAIL_FIRST_N: '2',
        PRODUCTION_MAX_ATTEMPTS: '3',
      }));
    });
    afterAll(async () => {
      await intake?.close();
      await sys?.close();
    });

    it('remakes the card twice, each attempt visible, then completes with attempts 3', async () => {
      const caseId = randomUUID();
      const { sent, messages, attempts, card } = await orderAndSettle(intake, caseId);
      expect(attempts).toEqual([
        {
          attempt: 1,
          outcome: 'FAILED',
          failure_reason: expect.stringContaining('quality check failed'),
        },
        {
          attempt: 2,
          outcome: 'FAILED',
          failure_reason: expect.stringContaining('quality check failed'),
        },
        { attempt: 3, outcome: 'PASSED', failure_reason: null },
      ]);
      expect(card).toMatchObject({ status: 'PRODUCED', attempts: 3, failed_at: null });

      const started = messages.filter((m) => m.type === 'production.started');
      const failed = messages.filter((m) => m.type === 'production.attempt_failed').sort(byAttempt);
      const completed = messages.filter((m) => m.type === 'production.completed');
      expect(started.map((m) => m.envelope.payload)).toEqual([
        { attempt: 1, startedAt: expect.any(String) },
      ]);
      expect(failed.map((m) => m.envelope.payload)).toEqual([
        {
          attempt: 1,
          reason: expect.stringContaining('quality check failed'),
          failedAt: expect.any(String),
        },
        {
          attempt: 2,
          reason: expect.stringContaining('quality check failed'),
          failedAt: expect.any(String),
        },
      ]);
      expect(completed.map((m) => m.envelope.payload)).toEqual([
        { cardSerial: expect.any(String), attempts: 3, producedAt: expect.any(String) },
      ]);
      for (const m of messages) expect(m.envelope.inReplyTo?.messageId).toBe(sent.id);
    });
  });

  describe('every attempt fails (3 forced failures, 3 allowed)', () => {
    let sys: TestSystem;
    let intake: IntakeStub;
    beforeAll(async () => {
      ({ sys, intake } = await boot({
        PRODUCTION_QC_FAIL_FIRST_N: '3',
        PRODUCTION_MAX_ATTEMPTS: '3',
      }));
    });
    afterAll(async () => {
      await intake?.close();
      await sys?.close();
    });

    it('marks the card FAILED after the bound; intake hears of the 2 remakes and nothing after', async () => {
      const caseId = randomUUID();
      const { messages, attempts, card } = await orderAndSettle(intake, caseId);
      expect(attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
        'FAILED',
        'FAILED',
        'FAILED',
      ]);
      expect(card).toMatchObject({ status: 'FAILED', attempts: 3, produced_at: null });
      expect(card.failed_at).toBeInstanceOf(Date);
      expect(messages.map((m) => m.type).sort()).toEqual([
        'production.attempt_failed',
        'production.attempt_failed',
        'production.started',
      ]);
      expect(
        messages
          .filter((m) => m.type === 'production.attempt_failed')
          .sort(byAttempt)
          .map((m) => (m.envelope.payload as { attempt: number }).attempt),
      ).toEqual([1, 2]);
    });

    it('a repeated order for a FAILED card sends nothing and makes no new card', async () => {
      const caseId = randomUUID();
      await orderAndSettle(intake, caseId);
      const { messages, attempts } = await orderAndSettle(intake, caseId);
      expect(attempts).toHaveLength(3);
      expect(messages).toHaveLength(3);
    });
  });
});
