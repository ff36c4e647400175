import * as fc from 'fast-check';
import { CARD_SERIAL_PATTERN, formatCardSerial, parseCardSerial } from './card-serial';

describe('card serial', () => {
  it('is province-yyyymmdd-sequence, the sequence padded to 7 digits', () => {
    expect(formatCardSerial({ province: '33', date: '2025-05-27', sequence: 42 })).toBe(
      '33-20250527-0000042',
    );
  });

  it('grows beyond 7 digits instead of wrapping', () => {
    expect(formatCardSerial({ province: '11', date: '2030-01-01', sequence: 123456789 })).toBe(
      '11-20300101-123456789',
    );
  });

  it('never looks like an 18-digit citizen ID number', () => {
    const serial = formatCardSerial({ province: '44', date: '2025-12-31', sequence: 9_999_999 });
    expect(serial).not.toMatch(/^\d{17}[\dX]$/);
    expect(serial.length).toBeLessThanOrEqual(40);
  });

  it('parses back what it formats, and distinct sequences give distinct serials', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('11', '31', '33', '44', '65'),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (province, day, a, b) => {
          const date = day.toISOString().slice(0, 10);
          const serial = formatCardSerial({ province, date, sequence: a });
          expect(serial).toMatch(CARD_SERIAL_PATTERN);
          expect(parseCardSerial(serial)).toEqual({ province, date, sequence: a });
          if (a !== b) expect(formatCardSerial({ province, date, sequence: b })).not.toBe(serial);
        },
      ),
    );
  });

  it('refuses bad parts and unparsable serials', () => {
    expect(() => formatCardSerial({ province: '3', date: '2025-05-27', sequence: 1 })).toThrow(
      RangeError,
    );
    expect(() => formatCardSerial({ province: '33', date: '20250527', sequence: 1 })).toThrow(
      RangeError,
    );
    expect(() => formatCardSerial({ province: '33', date: '2025-05-27', sequence: 0 })).toThrow(
      RangeError,
    );
    expect(parseCardSerial('33-20250527-42')).toBeNull();
    expect(parseCardSerial('330402200805101234')).toBeNull();
  });
});
