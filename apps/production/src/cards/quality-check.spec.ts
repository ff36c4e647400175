import { inspectAttempt, QC_DEFECTS } from './quality-check';

describe('quality check', () => {
  const never = () => 0.999;
  const always = () => 0;

  it('passes every attempt at the default settings (rate 0, no forced failures)', () => {
    for (let attempt = 1; attempt <= 5; attempt++)
      expect(inspectAttempt(attempt, { failureRate: 0, failFirstN: 0 }, always)).toEqual({
        passed: true,
      });
  });

  it('fails exactly the first N attempts with PRODUCTION_QC_FAIL_FIRST_N, whatever the dice say', () => {
    const settings = { failureRate: 0, failFirstN: 2 };
    expect(inspectAttempt(1, settings, never)).toMatchObject({ passed: false });
    expect(inspectAttempt(2, settings, never)).toMatchObject({
      passed: false,
      reason: expect.stringContaining('PRODUCTION_QC_FAIL_FIRST_N'),
    });
    expect(inspectAttempt(3, settings, never)).toEqual({ passed: true });
  });

  it('fails by the configured rate, naming a defect', () => {
    const result = inspectAttempt(1, { failureRate: 0.5, failFirstN: 0 }, () => 0.1);
    expect(result.passed).toBe(false);
    if (!result.passed) expect(QC_DEFECTS.some((d) => result.reason.endsWith(d))).toBe(true);
    expect(inspectAttempt(1, { failureRate: 0.5, failFirstN: 0 }, () => 0.6)).toEqual({
      passed: true,
    });
  });

  it('a rate of 1 fails every attempt', () => {
    for (let attempt = 1; attempt <= 5; attempt++)
      expect(inspectAttempt(attempt, { failureRate: 1, failFirstN: 0 }).passed).toBe(false);
  });
});
