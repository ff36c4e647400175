import {
  announcementsFor,
  decideArrival,
  decideCollection,
  decidePostalDelivery,
  decidePostalReturn,
  DeliveryFacts,
} from './delivery-rules';
import { Delivery } from './delivery.entity';

const facts = (over: Partial<DeliveryFacts>): DeliveryFacts => ({
  method: 'WINDOW',
  status: 'DISPATCHED',
  returnedAt: null,
  collectedBy: null,
  completedMethod: null,
  ...over,
});

describe('delivery rules', () => {
  it('arrival: WINDOW in transit or a returned POST; repeated is "already"; else conflict', () => {
    expect(decideArrival(facts({})).kind).toBe('apply');
    expect(
      decideArrival(facts({ method: 'POST', status: 'RETURNED', returnedAt: new Date() })).kind,
    ).toBe('apply');
    expect(decideArrival(facts({ status: 'READY_FOR_PICKUP' })).kind).toBe('already');
    expect(decideArrival(facts({ method: 'POST' })).kind).toBe('conflict');
    expect(decideArrival(facts({ status: 'DELIVERED' })).kind).toBe('conflict');
  });

  it('collection: only when ready for pickup; a repeat after a window collection is "already"', () => {
    expect(decideCollection(facts({ status: 'READY_FOR_PICKUP' })).kind).toBe('apply');
    expect(decideCollection(facts({})).kind).toBe('conflict');
    expect(decideCollection(facts({ method: 'POST', status: 'RETURNED' })).kind).toBe('conflict');
    expect(
      decideCollection(
        facts({ status: 'DELIVERED', completedMethod: 'WINDOW', collectedBy: 'PROXY' }),
      ).kind,
    ).toBe('already');
    expect(
      decideCollection(
        facts({
          method: 'POST',
          status: 'DELIVERED',
          completedMethod: 'POST',
          collectedBy: 'ADDRESSEE',
        }),
      ).kind,
    ).toBe('conflict');
  });

  it('courier DELIVERED: a POST delivery with the courier; repeat is "already"; never after a return', () => {
    const post = { method: 'POST' as const };
    expect(decidePostalDelivery(facts(post)).kind).toBe('apply');
    expect(
      decidePostalDelivery(
        facts({ ...post, status: 'DELIVERED', collectedBy: 'ADDRESSEE', completedMethod: 'POST' }),
      ).kind,
    ).toBe('already');
    expect(
      decidePostalDelivery(facts({ ...post, status: 'RETURNED', returnedAt: new Date() })).kind,
    ).toBe('conflict');
    expect(decidePostalDelivery(facts({})).kind).toBe('conflict');
  });

  it('courier RETURNED: a POST delivery with the courier; repeat (even after arrival) is "already"', () => {
    const post = { method: 'POST' as const };
    const returnedAt = new Date();
    expect(decidePostalReturn(facts(post)).kind).toBe('apply');
    expect(decidePostalReturn(facts({ ...post, status: 'RETURNED', returnedAt })).kind).toBe(
      'already',
    );
    expect(
      decidePostalReturn(facts({ ...post, status: 'READY_FOR_PICKUP', returnedAt })).kind,
    ).toBe('already');
    expect(
      decidePostalReturn(
        facts({ ...post, status: 'DELIVERED', collectedBy: 'ADDRESSEE', completedMethod: 'POST' }),
      ).kind,
    ).toBe('conflict');
    expect(decidePostalReturn(facts({})).kind).toBe('conflict');
  });

  it('announcements rebuild what intake was told, in order', () => {
    const at = (s: number) => new Date(Date.UTC(2025, 4, 27, 0, 0, s));
    const d = {
      method: 'POST',
      trackingNumber: 'EA000000014CN',
      dispatchedAt: at(1),
      returnedAt: at(2),
      returnReason: 'addressee unknown',
      readyAt: at(3),
      completedAt: at(4),
      completedMethod: 'WINDOW',
      collectedBy: 'APPLICANT',
    } as Delivery;
    expect(announcementsFor(d)).toEqual([
      {
        type: 'delivery.dispatched',
        payload: {
          method: 'POST',
          trackingNumber: 'EA000000014CN',
          dispatchedAt: at(1).toISOString(),
        },
      },
      {
        type: 'delivery.returned',
        payload: { reason: 'addressee unknown', returnedAt: at(2).toISOString() },
      },
      { type: 'delivery.arrived', payload: { arrivedAt: at(3).toISOString() } },
      {
        type: 'delivery.completed',
        payload: { method: 'WINDOW', collectedBy: 'APPLICANT', completedAt: at(4).toISOString() },
      },
    ]);
    expect(
      announcementsFor({
        ...d,
        returnedAt: null,
        readyAt: null,
        completedAt: null,
      } as Delivery).map((a) => a.type),
    ).toEqual(['delivery.dispatched']);
  });
});
