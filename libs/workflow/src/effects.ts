/**
 * What a transition does besides changing the status. `context` effects are already applied
 * to the next context returned by transition(); `caller` effects are for the orchestrator
 * to carry out in the same transaction (flags on the case row, outbox messages).
 */
export const CaseEffect = {
  INCREMENT_PRODUCTION_ATTEMPTS: 'INCREMENT_PRODUCTION_ATTEMPTS',
  MARK_POSTAL_RETURNED: 'MARK_POSTAL_RETURNED',
  FLAG_REVIEW_OVERDUE: 'FLAG_REVIEW_OVERDUE',
  RESEND_REVIEW_REQUEST: 'RESEND_REVIEW_REQUEST',
  FLAG_STATUTORY_OVERDUE: 'FLAG_STATUTORY_OVERDUE',
  SEND_PICKUP_REMINDER: 'SEND_PICKUP_REMINDER',
} as const;
export type CaseEffect = (typeof CaseEffect)[keyof typeof CaseEffect];

export interface EffectInfo {
  readonly appliedBy: 'context' | 'caller';
  readonly description: string;
}

export const EFFECT_INFO: Readonly<Record<CaseEffect, EffectInfo>> = Object.freeze({
  INCREMENT_PRODUCTION_ATTEMPTS: {
    appliedBy: 'context',
    description: 'productionAttempts + 1 (a production attempt started)',
  },
  MARK_POSTAL_RETURNED: {
    appliedBy: 'context',
    description: 'postalReturned = true (the card now goes to the acceptance point)',
  },
  FLAG_REVIEW_OVERDUE: {
    appliedBy: 'caller',
    description: 'mark the case as overdue for hukou review',
  },
  RESEND_REVIEW_REQUEST: {
    appliedBy: 'caller',
    description: 'put the pending review request in the outbox again',
  },
  FLAG_STATUTORY_OVERDUE: {
    appliedBy: 'caller',
    description: 'mark the case as past the statutory time limit',
  },
  SEND_PICKUP_REMINDER: {
    appliedBy: 'caller',
    description: 'remind the applicant that the card waits at the acceptance point',
  },
});
