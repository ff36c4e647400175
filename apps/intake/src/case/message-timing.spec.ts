import {
  CaseEventType as E,
  CaseStatus as S,
  ID_CARD_MACHINE,
  NEWBORN_MACHINE,
  NewbornEvent as NE,
  NewbornStatus as NS,
} from '@app/workflow';
import { isEarly } from './message-timing';

describe('early or late messages', () => {
  it('an event whose predecessor is not applied yet is early (retried)', () => {
    expect(isEarly(ID_CARD_MACHINE, S.APPROVED, E.PRODUCTION_COMPLETED)).toBe(true);
    expect(isEarly(ID_CARD_MACHINE, S.APPROVED, E.PRODUCTION_FAILED)).toBe(true);
    expect(isEarly(ID_CARD_MACHINE, S.PRODUCED, E.ARRIVED_AT_POINT)).toBe(true);
    expect(isEarly(ID_CARD_MACHINE, S.DISPATCHED, E.COLLECTED)).toBe(true);
    expect(isEarly(ID_CARD_MACHINE, S.PRODUCED, E.DELIVERED_BY_POST)).toBe(true);
    expect(isEarly(ID_CARD_MACHINE, S.IN_PRODUCTION, E.DISPATCHED)).toBe(true);
  });

  it('an event for a case that moved past it, or is closed, is late (acknowledged)', () => {
    expect(isEarly(ID_CARD_MACHINE, S.IN_PRODUCTION, E.PRODUCTION_STARTED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.PRODUCED, E.PRODUCTION_COMPLETED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.READY_FOR_PICKUP, E.DISPATCHED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.APPROVED, E.REVIEW_APPROVED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.SUPPLEMENT_REQUIRED, E.SUPPLEMENT_REQUESTED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.CANCELLED, E.PRODUCTION_STARTED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.REFUSED, E.REVIEW_APPROVED)).toBe(false);
    expect(isEarly(ID_CARD_MACHINE, S.DELIVERED, E.COLLECTED)).toBe(false);
  });

  it('works for the newborn machine: dispatch before registration is early, after is late', () => {
    expect(isEarly(NEWBORN_MACHINE, NS.UNDER_REVIEW, NE.DISPATCHED)).toBe(true);
    expect(isEarly(NEWBORN_MACHINE, NS.REGISTERED, NE.ARRIVED_AT_POINT)).toBe(true);
    expect(isEarly(NEWBORN_MACHINE, NS.READY_FOR_PICKUP, NE.DISPATCHED)).toBe(false);
    expect(isEarly(NEWBORN_MACHINE, NS.CANCELLED, NE.REGISTERED)).toBe(false);
  });
});
