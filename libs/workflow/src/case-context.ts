import { CaseStatus, isCaseStatus } from './case-status';

export const DeliveryMethod = {
  /** 窗口领取: the card goes to the acceptance point. */
  WINDOW: 'WINDOW',
  /** 邮递领取: the card is posted to the applicant (chosen at intake). */
  POST: 'POST',
} as const;
export type DeliveryMethod = (typeof DeliveryMethod)[keyof typeof DeliveryMethod];

export const DELIVERY_METHODS: readonly DeliveryMethod[] = Object.freeze([
  DeliveryMethod.WINDOW,
  DeliveryMethod.POST,
]);

/** The only facts about a case that the machine's guards read. */
export interface CaseContext {
  readonly status: CaseStatus;
  readonly deliveryMethod: DeliveryMethod;
  /** A POST case whose postal delivery came back: it is now collected at the window. */
  readonly postalReturned: boolean;
  /** Production attempts started so far (the first start counts 1, each remake +1). */
  readonly productionAttempts: number;
  /** PRODUCTION_FAILED (a remake) is accepted only while productionAttempts < this. */
  readonly maxProductionAttempts: number;
}

/** First make plus two remakes; a province may configure another bound. */
export const DEFAULT_MAX_PRODUCTION_ATTEMPTS = 3;

export interface NewCaseContextOptions {
  readonly maxProductionAttempts?: number;
}

/** The context of a case just accepted at intake. Throws RangeError on a bad argument. */
export function newCaseContext(
  deliveryMethod: DeliveryMethod,
  options: NewCaseContextOptions = {},
): CaseContext {
  const maxProductionAttempts = options.maxProductionAttempts ?? DEFAULT_MAX_PRODUCTION_ATTEMPTS;
  const ctx: CaseContext = {
    status: CaseStatus.ACCEPTED,
    deliveryMethod,
    postalReturned: false,
    productionAttempts: 0,
    maxProductionAttempts,
  };
  const problem = contextProblem(ctx);
  if (problem !== undefined) throw new RangeError(`newCaseContext: ${problem}`);
  return ctx;
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/**
 * Why `value` is not a usable CaseContext, in words; undefined when it is.
 * Checks types only: combinations that transitions cannot produce (e.g. more attempts than
 * the current maximum after a configuration change) are left to the guards.
 */
export function contextProblem(value: unknown, statuses?: readonly string[]): string | undefined {
  if (typeof value !== 'object' || value === null) return 'the case context is not an object';
  const v = value as Record<string, unknown>;
  const known = statuses
    ? typeof v.status === 'string' && statuses.includes(v.status)
    : isCaseStatus(v.status);
  if (!known) return 'status is not a case status';
  if (v.deliveryMethod !== DeliveryMethod.WINDOW && v.deliveryMethod !== DeliveryMethod.POST) {
    return 'deliveryMethod must be WINDOW or POST';
  }
  if (typeof v.postalReturned !== 'boolean') return 'postalReturned must be a boolean';
  if (!isCount(v.productionAttempts, 0)) {
    return 'productionAttempts must be an integer >= 0';
  }
  if (!isCount(v.maxProductionAttempts, 1)) {
    return 'maxProductionAttempts must be an integer >= 1';
  }
  return undefined;
}

export function isCaseContext(value: unknown): value is CaseContext {
  return contextProblem(value) === undefined;
}
