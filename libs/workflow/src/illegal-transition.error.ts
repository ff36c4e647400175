export type IllegalTransitionCode =
  /** The event exists, but the current status has no transition for it. */
  | 'ILLEGAL_TRANSITION'
  /** The event was sent by a side that may not send it (e.g. residence sending REVIEW_APPROVED). */
  | 'WRONG_SIDE'
  /** A transition exists but its guard is false for this context. */
  | 'GUARD_FAILED'
  /** The case is REFUSED, DELIVERED or CANCELLED: nothing moves it any more. */
  | 'TERMINAL_STATE'
  /** The event type is not one of CASE_EVENT_TYPES. */
  | 'UNKNOWN_EVENT';

export interface IllegalTransitionDetails {
  readonly code: IllegalTransitionCode;
  /**
   * The case status (a CaseStatus for any well-typed input; the offending value, as text,
   * when the context was malformed).
   */
  readonly from: string;
  /** The event type (as text when it was not a CaseEventType: UNKNOWN_EVENT). */
  readonly event: string;
  /** The sender's side as given (as text when it was not a Side). */
  readonly side: string;
  /** The guard that failed (GUARD_FAILED only). */
  readonly guard?: string;
  readonly message: string;
}

/**
 * Why an event cannot be applied. Returned (never thrown) by transition(); thrown by
 * assertTransition(). The message names the state, the event and the reason, in English.
 */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  readonly code: IllegalTransitionCode;
  readonly from: string;
  readonly event: string;
  readonly side: string;
  readonly guard?: string;

  constructor(details: IllegalTransitionDetails) {
    super(details.message);
    this.code = details.code;
    this.from = details.from;
    this.event = details.event;
    this.side = details.side;
    if (details.guard !== undefined) this.guard = details.guard;
  }

  /** Plain data for logs, dead-letter reasons and HTTP error details. */
  toJSON(): IllegalTransitionDetails & { readonly name: string } {
    return {
      name: this.name,
      code: this.code,
      from: this.from,
      event: this.event,
      side: this.side,
      ...(this.guard !== undefined ? { guard: this.guard } : {}),
      message: this.message,
    };
  }
}
