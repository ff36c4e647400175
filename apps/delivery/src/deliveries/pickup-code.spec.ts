import {
  generatePickupCode,
  hashPickupCode,
  PICKUP_CODE_PATTERN,
  pickupCodeMatches,
} from './pickup-code';

describe('pickup code', () => {
  it('is 6 digits', () => {
    for (let i = 0; i < 200; i++) expect(generatePickupCode()).toMatch(PICKUP_CODE_PATTERN);
  });

  it('is stored salted and hashed, never in the clear', () => {
    const stored = hashPickupCode('042917');
    expect(stored).toMatch(/^sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(stored).not.toContain('042917');
    expect(hashPickupCode('042917')).not.toBe(stored); // a fresh salt each time
  });

  it('matches the right code only', () => {
    const stored = hashPickupCode('042917');
    expect(pickupCodeMatches('042917', stored)).toBe(true);
    expect(pickupCodeMatches('042918', stored)).toBe(false);
    expect(pickupCodeMatches('42917', stored)).toBe(false);
    expect(pickupCodeMatches(undefined, stored)).toBe(false);
    expect(pickupCodeMatches('042917', null)).toBe(false);
    expect(pickupCodeMatches('042917', 'md5$x$y')).toBe(false);
    expect(pickupCodeMatches('042917', 'sha256$salt$zz')).toBe(false);
  });

  it('refuses to hash something that is not a code', () => {
    expect(() => hashPickupCode('12345a')).toThrow(RangeError);
  });
});
