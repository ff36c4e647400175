import { afterRightSecret, afterWrongSecret, secretGate } from './secret-guard';

const rules = { maxFailures: 3, lockoutMs: 60_000 };
const t0 = new Date('2026-12-01T08:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('secret guard (receipt numbers and pickup codes)', () => {
  it('locks after the limit of wrong secrets in a row, for the lockout, then counts afresh', () => {
    let state = afterRightSecret();
    state = afterWrongSecret(state, at(0), rules);
    state = afterWrongSecret(state, at(1), rules);
    expect(secretGate(state, at(2))).toEqual({ open: true });
    const third = afterWrongSecret(state, at(2), rules);
    expect(third.locked).toBe(true);
    expect(secretGate(third, at(3))).toEqual({ open: false, retryAfterSeconds: 60 });
    expect(secretGate(third, at(60_001))).toEqual({ open: false, retryAfterSeconds: 1 });
    expect(secretGate(third, at(60_002))).toEqual({ open: true });
    const afterLock = afterWrongSecret(third, at(60_002), rules);
    expect(afterLock).toMatchObject({ secretFailures: 1, locked: false, secretLockedUntil: null });
  });

  it('starts again after the right secret', () => {
    const two = afterWrongSecret(afterWrongSecret(afterRightSecret(), at(0), rules), at(1), rules);
    expect(two.secretFailures).toBe(2);
    expect(afterRightSecret()).toEqual({ secretFailures: 0, secretLockedUntil: null });
  });
});
