import { CaseEventType as E, CaseStatus as S } from '@app/workflow';
import { isEarly } from './message-timing';

describe('early or late messages', () => {
  it('an event whose predecessor is not applied yet is early (retried)', () => {
    expect(isEarly(S.APPROVED, E.PRODUCTION_COMPLETED)).toBe(true);
    expect(isEarly(S.APPROVED, E.PRODUCTION_FAILED)).toBe(true);
    expect(isEarly(S.PRODUCED, E.ARRIVED_AT_POINT)).toBe(true);
    expect(isEarly(S.DISPATCHED, E.COLLECTED)).toBe(true);
    expect(isEarly(S.PRODUCED, E.DELIVERED_BY_POST)).toBe(true);
    expect(isEarly(S.IN_PRODUCTION, E.DISPATCHED)).toBe(true);
  });

  it('an event for a case that moved past it, or is closed, is late (acknowledged)', () => {
    expect(isEarly(S.IN_PRODUCTION, E.PRODUCTION_STARTED)).toBe(false);
    expect(isEarly(S.PRODUCED, E.PRODUCTION_COMPLETED)).toBe(false);
    expect(isEarly(S.READY_FOR_PICKUP, E.DISPATCHED)).toBe(false);
    expect(isEarly(S.APPROVED, E.REVIEW_APPROVED)).toBe(false);
    expect(isEarly(S.SUPPLEMENT_REQUIRED, E.SUPPLEMENT_REQUESTED)).toBe(false);
    expect(isEarly(S.CANCELLED, E.PRODUCTION_STARTED)).toBe(false);
    expect(isEarly(S.REFUSED, E.REVIEW_APPROVED)).toBe(false);
    expect(isEarly(S.DELIVERED, E.COLLECTED)).toBe(false);
  });
});
