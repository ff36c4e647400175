import type { Payload } from '@app/contracts';
import { MAX_TIMER_DELAY_MS, timerLinkMs } from '../case/case-commands.service';
import { decisionProblem } from './orchestrator.service';

describe('decisionProblem', () => {
  const base: Payload<'review.decided'> = {
    round: 1,
    outcome: 'APPROVED',
    decidedAt: '2026-11-23T02:00:00.000Z',
    issue: {
      issuingAuthority: '合肥市公安局蜀山分局',
      issuingAuthorityCode: '340104',
      issueDate: '2026-11-23',
      validFrom: '2026-11-23',
      validUntil: '2036-11-23',
      validityYears: 10,
      address: '安徽省合肥市蜀山区',
    },
    refusal: null,
    supplement: null,
  };
  const c = { hukouProvince: '34' };

  it('accepts a decision carrying the part its outcome needs', () => {
    expect(decisionProblem(base, c)).toBeUndefined();
    expect(
      decisionProblem(
        { ...base, outcome: 'REFUSED', issue: null, refusal: { code: 'X', reason: 'y' } },
        c,
      ),
    ).toBeUndefined();
  });

  it('refuses an approval without issue decision or from a bureau outside the hukou province', () => {
    expect(decisionProblem({ ...base, issue: null }, c)).toMatch(/issue decision/);
    expect(
      decisionProblem({ ...base, issue: { ...base.issue!, issuingAuthorityCode: '330402' } }, c),
    ).toMatch(/not in the hukou province/);
  });

  it('refuses a refusal without reason and a supplement request without items', () => {
    expect(decisionProblem({ ...base, outcome: 'REFUSED', issue: null }, c)).toMatch(/refusal/);
    expect(decisionProblem({ ...base, outcome: 'SUPPLEMENT_REQUIRED', issue: null }, c)).toMatch(
      /items/,
    );
  });
});

describe('timer chains', () => {
  it('keep each link within the outbox bound and half the replay window', () => {
    expect(timerLinkMs(undefined)).toBe(MAX_TIMER_DELAY_MS);
    expect(MAX_TIMER_DELAY_MS).toBeLessThan(2 ** 31);
    expect(timerLinkMs(7 * 86_400_000)).toBe(3.5 * 86_400_000);
    expect(timerLinkMs(100 * 86_400_000)).toBe(MAX_TIMER_DELAY_MS);
    expect(timerLinkMs(60_000)).toBe(30_000);
  });
});
