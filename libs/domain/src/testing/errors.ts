import { DomainDataError, DomainRuleError } from '../errors';

/** Runs `fn`, expecting a DomainRuleError; returns it (fails the test otherwise). */
export function caughtRuleError(fn: () => unknown): DomainRuleError {
  return caught(fn, DomainRuleError);
}

/** Runs `fn`, expecting a DomainDataError; returns it (fails the test otherwise). */
export function caughtDataError(fn: () => unknown): DomainDataError {
  return caught(fn, DomainDataError);
}

function caught<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected ${type.name} to be thrown, but nothing was`);
}
