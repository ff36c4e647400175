import { DeliveryMethod } from './case-context';
import type { MachineContext as CaseContext } from './machine';

export interface Guard {
  /** Stable UPPER_SNAKE name, shown in diagrams and in GUARD_FAILED errors. */
  readonly name: string;
  readonly description: string;
  /** Pure predicate over the context; true lets the transition happen. */
  test(ctx: CaseContext): boolean;
  /** The context values that made the guard fail, for error messages. */
  explain(ctx: CaseContext): string;
}

export const PRODUCTION_ATTEMPTS_REMAINING: Guard = Object.freeze({
  name: 'PRODUCTION_ATTEMPTS_REMAINING',
  description: 'a remake is allowed only while production attempts so far < maxProductionAttempts',
  test: (ctx: CaseContext) => ctx.productionAttempts < ctx.maxProductionAttempts,
  explain: (ctx: CaseContext) =>
    `productionAttempts=${ctx.productionAttempts}, maxProductionAttempts=${ctx.maxProductionAttempts}`,
});

export const DELIVERY_TARGET_IS_WINDOW: Guard = Object.freeze({
  name: 'DELIVERY_TARGET_IS_WINDOW',
  description:
    'the card goes to the acceptance point: delivery method WINDOW, or a POST case whose postal delivery was returned',
  test: (ctx: CaseContext) =>
    ctx.deliveryMethod === DeliveryMethod.WINDOW ||
    (ctx.deliveryMethod === DeliveryMethod.POST && ctx.postalReturned),
  explain: (ctx: CaseContext) =>
    `deliveryMethod=${ctx.deliveryMethod}, postalReturned=${ctx.postalReturned}`,
});

export const POSTAL_DELIVERY_OPEN: Guard = Object.freeze({
  name: 'POSTAL_DELIVERY_OPEN',
  description: 'delivery method POST and the postal delivery has not been returned',
  test: (ctx: CaseContext) => ctx.deliveryMethod === DeliveryMethod.POST && !ctx.postalReturned,
  explain: (ctx: CaseContext) =>
    `deliveryMethod=${ctx.deliveryMethod}, postalReturned=${ctx.postalReturned}`,
});

export const GUARDS: readonly Guard[] = Object.freeze([
  PRODUCTION_ATTEMPTS_REMAINING,
  DELIVERY_TARGET_IS_WINDOW,
  POSTAL_DELIVERY_OPEN,
]);
