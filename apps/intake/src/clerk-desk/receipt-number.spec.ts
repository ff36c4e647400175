import { formatReceiptNumber, parseReceiptNumber } from './receipt-number';

describe('receipt numbers', () => {
  it('are R + acceptance point + yymmdd + a 4-digit sequence', () => {
    expect(formatReceiptNumber('330402-01', '2026-11-23', 7)).toBe('R330402-01-261123-0007');
    expect(formatReceiptNumber('110101-12', '2030-01-05', 1)).toBe('R110101-12-300105-0001');
  });

  it('grow past 9999 instead of wrapping', () => {
    expect(formatReceiptNumber('330402-01', '2026-11-23', 10_000)).toBe('R330402-01-261123-10000');
  });

  it('stay within the 40 characters the message catalog allows', () => {
    expect(
      formatReceiptNumber('330402-01', '2026-11-23', Number.MAX_SAFE_INTEGER).length,
    ).toBeLessThanOrEqual(40);
  });

  it('parse back into their parts', () => {
    expect(parseReceiptNumber('R330402-01-261123-0007')).toEqual({
      acceptancePoint: '330402-01',
      date: '2026-11-23',
      sequence: 7,
    });
    for (const bad of [
      '',
      'R330402-01-261123-07',
      'X330402-01-261123-0007',
      'R33040201-261123-0007',
    ]) {
      expect(parseReceiptNumber(bad)).toBeUndefined();
    }
  });

  it('refuse malformed parts', () => {
    expect(() => formatReceiptNumber('330402', '2026-11-23', 1)).toThrow(RangeError);
    expect(() => formatReceiptNumber('330402-01', '23/11/2026', 1)).toThrow(RangeError);
    expect(() => formatReceiptNumber('330402-01', '2026-11-23', 0)).toThrow(RangeError);
    expect(() => formatReceiptNumber('330402-01', '2026-11-23', 1.5)).toThrow(RangeError);
  });
});
