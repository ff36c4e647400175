import { Side } from './case-event';
import { DeliveryMethod } from './case-context';
import { CaseEffect } from './effects';
import { Guard } from './guards';

/**
 * A workflow machine as a value: its statuses, events, who sends each event, the transitions with
 * their guards, and what each transition declares should follow (messages to send, deadlines to
 * start, the awaited answer settled). The engine (runMachine) and the case's front door read
 * nothing else, so a second kind of case (newborn registration) is another value of this type.
 */
export interface WorkflowMachine {
  /** The kind of case it runs (stored on the case; never renamed once shipped). */
  readonly kind: string;
  readonly description: string;
  /** The status a case is created in. */
  readonly initial: string;
  /** The event that opens the case right after it is created (e.g. the first review request). */
  readonly opening: string;
  readonly statuses: readonly string[];
  readonly terminal: readonly string[];
  readonly events: readonly string[];
  /** The one side allowed to send each event. */
  readonly sideOfEvent: Readonly<Record<string, Side>>;
  /** Why an event is refused where it has no transition (ends ILLEGAL_TRANSITION messages). */
  readonly onlyWhen: Readonly<Record<string, string>>;
  readonly transitions: readonly MachineTransition[];
  readonly guards: readonly Guard[];
}

/** The facts a machine's guards read (a machine's own statuses, as strings). */
export interface MachineContext {
  readonly status: string;
  readonly deliveryMethod: DeliveryMethod;
  readonly postalReturned: boolean;
  readonly productionAttempts: number;
  readonly maxProductionAttempts: number;
}

/** A deadline the case keeps: stored on the case, reminded by a durable timer. */
export const DeadlineKind = {
  REVIEW_DEADLINE: 'REVIEW_DEADLINE',
  STATUTORY_DEADLINE: 'STATUTORY_DEADLINE',
  PICKUP_REMINDER: 'PICKUP_REMINDER',
} as const;
export type DeadlineKind = (typeof DeadlineKind)[keyof typeof DeadlineKind];

/** A message the case sends when the transition applies (outbox, same transaction). */
export interface SendEffect {
  /** The catalog message type. */
  readonly message: string;
  /** The case then waits for its answer; the reconciler re-sends it until answered. */
  readonly awaited: boolean;
}

/** What a transition declares should follow it, carried out by the case's front door. */
export interface DeclaredEffects {
  /** Context and flag effects (attempt counters, overdue flags, reminders). */
  readonly effects?: readonly CaseEffect[];
  /** Next commands, in order. */
  readonly sends?: readonly SendEffect[];
  /** Deadlines (re)started from now. */
  readonly schedules?: readonly DeadlineKind[];
  /** The command the case was waiting on is answered (nothing pending any more). */
  readonly settles?: boolean;
}

/** One edge of a machine. */
export interface MachineTransition extends DeclaredEffects {
  readonly from: string;
  readonly event: string;
  readonly to: string;
  /** Who may send `event` (always the machine's sideOfEvent[event]). */
  readonly side: Side;
  readonly guard?: Guard;
  readonly description: string;
}

/** Shorthand for a declared send. */
export const send = (message: string, awaited = true): SendEffect =>
  Object.freeze({ message, awaited });
