/**
 * Guessing limits for the secrets that close a delivery: the receipt number (领取凭证) at the window
 * and the 6-digit pickup code at the door. After `maxFailures` wrong ones in a row the delivery
 * refuses every secret for `lockoutMs`, so 10^6 pickup codes cannot be tried in a loop; each wrong
 * attempt and each lock is in the delivery's audit trail. Pure: the service stores the outcome.
 */
export interface SecretGuardRules {
  maxFailures: number;
  lockoutMs: number;
}

export interface SecretGuardState {
  secretFailures: number;
  secretLockedUntil: Date | null;
}

export type SecretGate = { open: true } | { open: false; retryAfterSeconds: number };

/** Whether a secret may be presented now. */
export function secretGate(state: SecretGuardState, now: Date): SecretGate {
  const until = state.secretLockedUntil?.getTime() ?? 0;
  if (until > now.getTime()) {
    return { open: false, retryAfterSeconds: Math.ceil((until - now.getTime()) / 1000) };
  }
  return { open: true };
}

/** The state after a wrong secret: one more failure, locked when the limit is reached. */
export function afterWrongSecret(
  state: SecretGuardState,
  now: Date,
  rules: SecretGuardRules,
): SecretGuardState & { locked: boolean } {
  // A lock that has run out starts a fresh count.
  const expired = state.secretLockedUntil !== null && state.secretLockedUntil <= now;
  const failures = (expired ? 0 : state.secretFailures) + 1;
  const locked = failures >= rules.maxFailures;
  return {
    secretFailures: failures,
    secretLockedUntil: locked ? new Date(now.getTime() + rules.lockoutMs) : null,
    locked,
  };
}

/** The state after the right secret: the count starts again. */
export function afterRightSecret(): SecretGuardState {
  return { secretFailures: 0, secretLockedUntil: null };
}
