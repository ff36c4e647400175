import { endOfChinaDay, intakeDeadlines, reviewDueAt } from './deadlines';

describe('intake deadlines', () => {
  // 2026-11-23 10:30 in China (a Monday).
  const now = new Date('2026-11-23T02:30:00Z');

  it('end at midnight in China on the dates counted by the law', () => {
    const d = intakeDeadlines(now);
    expect(d.intakeDate).toBe('2026-11-23');
    expect(d.reviewDueAt.toISOString()).toBe('2026-11-28T15:59:59.999Z'); // 5 days: 11-28 24:00 +08
    expect(d.statutoryDueAt.toISOString()).toBe('2027-01-22T15:59:59.999Z'); // 60 days
    expect(d.promiseDueAt.toISOString()).toBe('2026-12-21T15:59:59.999Z'); // 20 working days
  });

  it('count the intake date in China, not in UTC', () => {
    // 2026-11-23 23:30 UTC is already 11-24 in China.
    expect(intakeDeadlines(new Date('2026-11-23T23:30:00Z')).intakeDate).toBe('2026-11-24');
  });

  it('can be replaced by plain durations (tests, drills)', () => {
    const d = intakeDeadlines(now, { reviewMs: 1500, statutoryMs: 2500 });
    expect(d.reviewDueAt.getTime() - now.getTime()).toBe(1500);
    expect(d.statutoryDueAt.getTime() - now.getTime()).toBe(2500);
    expect(reviewDueAt(now, { reviewMs: 10 }).getTime()).toBe(now.getTime() + 10);
  });

  it('endOfChinaDay is the last millisecond of that day at UTC+8', () => {
    expect(endOfChinaDay('2026-01-01').toISOString()).toBe('2026-01-01T15:59:59.999Z');
  });
});
