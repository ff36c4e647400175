import type { MessageType, Payload } from '@app/contracts';
import { Delivery, DeliveryStatus } from './delivery.entity';

/**
 * What a delivery allows next, as pure decisions: `apply` (change state and tell intake),
 * `already` (the same thing was recorded before: answer with the current state, send nothing) or
 * `conflict` (409, with the reason in words).
 */
export type Decision =
  { kind: 'apply' } | { kind: 'already' } | { kind: 'conflict'; message: string };

export type DeliveryFacts = Pick<
  Delivery,
  'method' | 'status' | 'returnedAt' | 'collectedBy' | 'completedMethod'
>;

const apply: Decision = { kind: 'apply' };
const already: Decision = { kind: 'already' };
const conflict = (message: string): Decision => ({ kind: 'conflict', message });

/** The clerk records that the card is at the acceptance point. */
export function decideArrival(d: DeliveryFacts): Decision {
  switch (d.status) {
    case DeliveryStatus.READY_FOR_PICKUP:
      return already;
    case DeliveryStatus.RETURNED:
      return apply;
    case DeliveryStatus.DISPATCHED:
      return d.method === 'WINDOW'
        ? apply
        : conflict(
            'the card is out for postal delivery; it comes to the acceptance point only if the courier returns it',
          );
    case DeliveryStatus.DELIVERED:
      return conflict('the card was already handed over');
  }
}

/** The clerk hands the card over at the window. */
export function decideCollection(d: DeliveryFacts): Decision {
  switch (d.status) {
    case DeliveryStatus.READY_FOR_PICKUP:
      return apply;
    case DeliveryStatus.DELIVERED:
      return d.completedMethod === 'WINDOW'
        ? already
        : conflict('the card was already delivered by post');
    case DeliveryStatus.DISPATCHED:
    case DeliveryStatus.RETURNED:
      return conflict(
        `the card is not at the acceptance point yet (delivery ${d.status}); record its arrival first`,
      );
  }
}

/** The courier reports the card delivered to the addressee. */
export function decidePostalDelivery(d: DeliveryFacts): Decision {
  if (d.method !== 'POST') return conflict('not a postal delivery');
  if (d.status === DeliveryStatus.DISPATCHED) return apply;
  if (d.status === DeliveryStatus.DELIVERED && d.collectedBy === 'ADDRESSEE') return already;
  return conflict(
    `the postal delivery was returned (delivery ${d.status}); the card is collected at the window`,
  );
}

/** The courier reports the card undeliverable. */
export function decidePostalReturn(d: DeliveryFacts): Decision {
  if (d.method !== 'POST') return conflict('not a postal delivery');
  if (d.status === DeliveryStatus.DISPATCHED) return apply;
  if (d.returnedAt) return already;
  return conflict('the card was already delivered to the addressee');
}

export interface Announcement<T extends MessageType = MessageType> {
  type: T;
  payload: Payload<T>;
}

/**
 * Everything intake has been told about a delivery, rebuilt from the record in the order it
 * happened. Sent again when intake re-orders a delivery it already gave (a lost message, the
 * reconciler): intake applies what it is missing and ignores what it already has.
 */
export function announcementsFor(d: Delivery): Announcement[] {
  const out: Announcement[] = [
    {
      type: 'delivery.dispatched',
      payload: {
        method: d.method,
        trackingNumber: d.trackingNumber,
        dispatchedAt: d.dispatchedAt.toISOString(),
      },
    } satisfies Announcement<'delivery.dispatched'>,
  ];
  if (d.returnedAt) {
    out.push({
      type: 'delivery.returned',
      payload: { reason: d.returnReason ?? '', returnedAt: d.returnedAt.toISOString() },
    } satisfies Announcement<'delivery.returned'>);
  }
  if (d.readyAt) {
    out.push({
      type: 'delivery.arrived',
      payload: { arrivedAt: d.readyAt.toISOString() },
    } satisfies Announcement<'delivery.arrived'>);
  }
  if (d.completedAt && d.completedMethod && d.collectedBy) {
    out.push({
      type: 'delivery.completed',
      payload: {
        method: d.completedMethod,
        collectedBy: d.collectedBy,
        completedAt: d.completedAt.toISOString(),
      },
    } satisfies Announcement<'delivery.completed'>);
  }
  return out;
}
