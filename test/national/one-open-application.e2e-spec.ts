import { DataSource } from 'typeorm';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { importRegistryRecords, verificationFeature } from '../../apps/verification/src';
import { ClerkClient } from '../intake/support/client';
import { aPerson, ApplicationBuilder, registryRecordOf } from '../intake/support/factories';
import { waitFor } from '../support/wait';
import { NationalTopology } from './support/provinces';

/**
 * One open first application per person, nationwide, with each province on its own PostgreSQL
 * server: a resident of Anhui (34) applies in Shanghai (31) and in Jiangsu (32) at the same moment.
 * Neither residence database knows of the other case; the hukou side (34), which reviews every
 * application of its residents, approves one and refuses the other without saying where the
 * first one is. The hukou province runs two verification nodes: one decision per round.
 */
describe('national: one open first application per person', () => {
  const topology = new NationalTopology();
  let shanghai: ClerkClient;
  let jiangsu: ClerkClient;

  beforeAll(async () => {
    const intake31 = await topology.node('31', [intakeFeature]);
    const intake32 = await topology.node('32', [intakeFeature]);
    const hukouA = await topology.node('34', [verificationFeature]);
    await topology.node('34', [verificationFeature]);
    shanghai = new ClerkClient(intake31.url, '310101-01');
    jiangsu = new ClerkClient(intake32.url, '320102-01');
    person = aPerson({ hukouAddressCode: '340104' });
    const report = await importRegistryRecords(hukouA.app.get(DataSource), [
      registryRecordOf(person),
    ]);
    expect(report.rejected).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await topology.close();
  });

  let person: ReturnType<typeof aPerson>;

  it('two residence provinces racing: one case goes on, the other is refused in words', async () => {
    const [photo31, photo32] = await Promise.all([shanghai.photoId(), jiangsu.photoId()]);
    const [a, b] = await Promise.all([
      shanghai.apply(ApplicationBuilder.valid(person, photo31).at('310101-01').build()),
      jiangsu.apply(ApplicationBuilder.valid(person, photo32).at('320102-01').build()),
    ]);
    // Each residence province alone sees no conflict: both accept.
    expect([a.status, b.status]).toEqual([201, 201]);

    const decided = (status: string) => !['ACCEPTED', 'UNDER_REVIEW'].includes(status);
    const [caseA, caseB] = await Promise.all([
      waitFor(
        'the Shanghai case decided',
        () => shanghai.case(a.body.id),
        (c) => decided(c.status),
      ),
      waitFor(
        'the Jiangsu case decided',
        () => jiangsu.case(b.body.id),
        (c) => decided(c.status),
      ),
    ]);
    const statuses = [caseA.status, caseB.status].sort();
    expect(statuses).toEqual(['APPROVED', 'REFUSED']);

    const refused = caseA.status === 'REFUSED' ? caseA : caseB;
    const other = refused === caseA ? caseB : caseA;
    // What the refused side learns: the refusal and its timeline entry.
    const reason = JSON.stringify([refused.refusal, refused.timeline.at(-1)?.reason]);
    expect(reason).toMatch(/already open elsewhere/);
    // Never where, which case or which receipt.
    expect(reason).not.toContain(other.id);
    expect(reason).not.toContain(String(other.receiptNumber));
    expect(reason).not.toMatch(/上海|江苏|Shanghai|Jiangsu|310101|320102|"3[12]"/);

    // The hukou side decided each round once, although two verification nodes consume its queue.
    const reviews = await topology.query<{ case_id: string; n: number }>(
      '34',
      `SELECT case_id, count(*)::int AS n FROM verification.reviews GROUP BY case_id`,
    );
    expect(reviews.map((r) => r.n)).toEqual([1, 1]);
    const decisions = await topology.query<{ n: number }>(
      '34',
      `SELECT count(*)::int AS n FROM verification.outbox WHERE type = 'review.decided'`,
    );
    expect(decisions[0].n).toBe(2);
  });

  it('a province keeps its cases and registry in its own database', async () => {
    const schemas = async (province: string) =>
      (
        await topology.query<{ name: string }>(
          province,
          `SELECT nspname AS name FROM pg_namespace WHERE nspname IN ('intake', 'verification')`,
        )
      ).map((r) => r.name);
    expect(await schemas('31')).toEqual(['intake']);
    expect(await schemas('32')).toEqual(['intake']);
    expect(await schemas('34')).toEqual(['verification']);
    const cases = await topology.query<{ residence: string }>(
      '31',
      `SELECT DISTINCT residence_province AS residence FROM intake.cases`,
    );
    expect(cases).toEqual([{ residence: '31' }]);
  });
});
