import { maskCitizenId } from '@app/domain';
import { RESEND_AFTER_MS, writeDataset } from './support/dataset';
import { CaseFactory, WrittenCase } from './support/fixtures';
import { inProvince, stuck } from './support/oracle';
import { AUDITOR, call, OpsSystem, startOpsSystem } from './support/ops-system';

interface StuckItem {
  caseId: string;
  status: string;
  reasons: string[];
  pendingCommand: string | null;
  lastSentAt: string | null;
  resendCount: number;
  maskedIdNumber: string;
  stuckSince: string;
  lastMovedAt: string | null;
  residenceProvinceName: string;
}
interface StuckPage {
  total: number;
  resendAfterMs: number;
  items: StuckItem[];
}

describe('ops stuck cases (e2e)', () => {
  let ops: OpsSystem;
  let factory: CaseFactory;
  let cases: WrittenCase[];
  let now: number;

  beforeAll(async () => {
    ops = await startOpsSystem({ RESEND_AFTER_MS: String(RESEND_AFTER_MS) });
    factory = new CaseFactory(ops.dataSource);
    ({ cases, now } = await writeDataset(factory));
  });
  afterAll(async () => {
    await ops?.close();
  });

  const list = (query = '') => call<StuckPage>(ops.url, 'GET', `/api/v1/ops/cases/stuck${query}`);

  it('lists open cases past a deadline or with a command unanswered longer than RESEND_AFTER_MS', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    const expected = stuck(cases, now, RESEND_AFTER_MS);
    expect(body.resendAfterMs).toBe(RESEND_AFTER_MS);
    expect(body.total).toBe(expected.size);
    expect(expected.size).toBe(6); // 2 past review, 3 past the promise (1 also past 60 days), 1 order unanswered
    expect(new Map(body.items.map((i) => [i.caseId, i.reasons]))).toEqual(expected);
    // The fresh case (command sent a minute ago, no deadline passed) and closed cases are absent.
    const fresh = cases.find((c) => c.residence === '50' && c.hukou === '52')!;
    expect(body.items.map((i) => i.caseId)).not.toContain(fresh.id);
  });

  it('shows the pending command, when it was last sent, the resend count and a masked ID only', async () => {
    const { body, text } = await list();
    const review = cases.find((c) => c.pendingCommand === 'review.requested' && c.resendCount)!;
    const item = body.items.find((i) => i.caseId === review.id)!;
    expect(item).toMatchObject({
      status: 'UNDER_REVIEW',
      pendingCommand: 'review.requested',
      lastSentAt: review.lastSentAt!.toISOString(),
      resendCount: 3,
      maskedIdNumber: maskCitizenId(review.idNumber),
      residenceProvinceName: '上海市',
      reasons: ['COMMAND_UNANSWERED', 'REVIEW_DEADLINE_PASSED'],
    });
    expect(item.lastMovedAt).toBe(review.path[review.path.length - 1].at.toISOString());
    expect(item.maskedIdNumber).toMatch(/^\d{6}\*{8}\d{3}[\dX]$/);
    for (const personal of factory.personalStrings()) expect(text).not.toContain(personal);
  });

  it('orders by how long a case has been stuck, and pages', async () => {
    const { body } = await list();
    const since = body.items.map((i) => i.stuckSince);
    expect(since).toEqual([...since].sort());
    const second = await list('?limit=2&offset=1');
    expect(second.body.total).toBe(body.total);
    expect(second.body.items.map((i) => i.caseId)).toEqual(
      body.items.slice(1, 3).map((i) => i.caseId),
    );
    expect((await list('?limit=0')).status).toBe(400);
  });

  it('narrows to a province and lets an auditor read', async () => {
    const { body } = await call<StuckPage>(
      ops.url,
      'GET',
      '/api/v1/ops/cases/stuck?province=35',
      AUDITOR,
    );
    const expected = stuck(inProvince(cases, '35'), now, RESEND_AFTER_MS);
    expect(body.items.map((i) => i.caseId).sort()).toEqual([...expected.keys()].sort());
    expect(body.total).toBeGreaterThan(0);
  });
});
