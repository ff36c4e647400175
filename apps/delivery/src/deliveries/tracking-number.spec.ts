import { formatTrackingNumber, isValidTrackingNumber, s10CheckDigit } from './tracking-number';

describe('tracking number (UPU S10)', () => {
  it('computes the S10 check digit (UPU example 47312482 → 9)', () => {
    expect(s10CheckDigit('47312482')).toBe(9);
  });

  it('maps a result of 10 to 0 and of 11 to 5', () => {
    expect(s10CheckDigit('00000000')).toBe(5); // sum 0 → 11 → 5
    expect(s10CheckDigit('02000000')).toBe(0); // sum 12, 12 mod 11 = 1 → 10 → 0
    expect(s10CheckDigit('10000000')).toBe(3); // sum 8 → 3
    expect(s10CheckDigit('00000001')).toBe(4); // sum 7 → 4
  });

  it('formats EA + 8 digits + check + CN and validates its own output', () => {
    expect(formatTrackingNumber(1)).toBe('EA000000014CN');
    for (const n of [1, 42, 999, 12_345_678, 99_999_999]) {
      const t = formatTrackingNumber(n);
      expect(t).toMatch(/^EA\d{9}CN$/);
      expect(isValidTrackingNumber(t)).toBe(true);
    }
    expect(isValidTrackingNumber('EA000000015CN')).toBe(false);
    expect(isValidTrackingNumber('EA00000001CN')).toBe(false);
  });

  it('refuses sequences outside 1..99999999', () => {
    expect(() => formatTrackingNumber(0)).toThrow(RangeError);
    expect(() => formatTrackingNumber(100_000_000)).toThrow(RangeError);
  });
});
