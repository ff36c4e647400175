import * as fc from 'fast-check';
import {
  computeCheckDigit,
  DomainRuleError,
  isValidCitizenId,
  makeCitizenId,
  maskCitizenId,
  parseCitizenId,
} from '@app/domain';
import { citizenIdArb, citizenIdPartsArb, newCitizenId } from './testing/citizen-ids';
import { caughtRuleError } from './testing/errors';

const TODAY = { today: '2025-01-01' };

const ruleOf = (fn: () => unknown) => caughtRuleError(fn).rule;

// A number built by hand from its parts, with the check digit computed, for rule tests that
// makeCitizenId refuses to build (impossible dates, unknown provinces).
const withCheck = (first17: string) => first17 + computeCheckDigit(first17);

describe('computeCheckDigit (ISO 7064 MOD 11-2)', () => {
  it('matches the examples worked by hand', () => {
    // GB 11643-1999's example: sum 167, 167 mod 11 = 2 → X
    expect(computeCheckDigit('11010519491231002')).toBe('X');
    // GB 11643-1999's other example: sum 195, 195 mod 11 = 8 → 4
    expect(computeCheckDigit('44052418800101001')).toBe('4');
    // all zeros: sum 0 → 1; a single 1 in the 8th position (weight 1): sum 1 → 0
    expect(computeCheckDigit('00000000000000000')).toBe('1');
    expect(computeCheckDigit('00000001000000000')).toBe('0');
  });

  it('rejects anything but 17 digits', () => {
    expect(ruleOf(() => computeCheckDigit('1101051949123100'))).toBe('citizenId.first17');
    expect(ruleOf(() => computeCheckDigit('1101051949123100A'))).toBe('citizenId.first17');
  });
});

describe('parseCitizenId', () => {
  it('parses the standard example 11010519491231002X', () => {
    expect(parseCitizenId('11010519491231002X', TODAY)).toEqual({
      number: '11010519491231002X',
      addressCode: '110105',
      provinceCode: '11',
      birthDate: '1949-12-31',
      sequence: '002',
      sex: 'F',
      checkDigit: 'X',
    });
  });

  it('accepts a lower-case x and normalises it', () => {
    expect(parseCitizenId('11010519491231002x', TODAY).number).toBe('11010519491231002X');
  });

  it('reads the sex from the parity of the sequence', () => {
    const male = makeCitizenId({ addressCode: '330402', birthDate: '1990-03-07', sequence: '123' });
    const female = makeCitizenId({ addressCode: '330402', birthDate: '1990-03-07', sequence: 124 });
    expect(parseCitizenId(male, TODAY)).toMatchObject({
      sex: 'M',
      sequence: '123',
      birthDate: '1990-03-07',
    });
    expect(parseCitizenId(female, TODAY)).toMatchObject({ sex: 'F', sequence: '124' });
  });

  it('accepts an address code that is no longer a division, as long as the province exists', () => {
    // 330401 (old 嘉兴 市辖区) is not in the 2023 data; numbers never change, so it stays valid.
    expect(isValidCitizenId(withCheck('33040119900307123'), TODAY)).toBe(true);
  });

  it.each([
    ['too short', '1101051949123100X', 'citizenId.length'],
    ['too long', '11010519491231002X0', 'citizenId.length'],
    ['empty', '', 'citizenId.length'],
    ['letter inside', '1101051949A231002X', 'citizenId.characters'],
    ['bad last character', '11010519491231002Y', 'citizenId.characters'],
    ['space', ' 1010519491231002X', 'citizenId.characters'],
    ['unknown province 99', withCheck('99010519900101001'), 'citizenId.province'],
    [
      'Hong Kong prefix 81 (not a resident card)',
      withCheck('81000019900101001'),
      'citizenId.province',
    ],
    ['Feb 30', withCheck('33040219900230001'), 'citizenId.birthDate'],
    ['month 13', withCheck('33040219901301001'), 'citizenId.birthDate'],
    ['Feb 29 1900 (not a leap year)', withCheck('33040219000229001'), 'citizenId.birthDate'],
    ['day 00', withCheck('33040219900100001'), 'citizenId.birthDate'],
    ['born 1899-12-31', withCheck('33040218991231001'), 'citizenId.birthDateTooEarly'],
    ["the standard's 1880 example", '440524188001010014', 'citizenId.birthDateTooEarly'],
    ['born after today', withCheck('33040220250102001'), 'citizenId.birthDateFuture'],
    ['wrong check digit', '110105194912310025', 'citizenId.checkDigit'],
  ])('rejects %s', (_label, raw, rule) => {
    expect(ruleOf(() => parseCitizenId(raw, TODAY))).toBe(rule);
    expect(isValidCitizenId(raw, TODAY)).toBe(false);
  });

  it('accepts the boundary dates: 1900-01-01, 2000-02-29, and born today', () => {
    expect(isValidCitizenId(withCheck('33040219000101001'), TODAY)).toBe(true);
    expect(isValidCitizenId(withCheck('33040220000229001'), TODAY)).toBe(true);
    expect(isValidCitizenId(withCheck('33040220250101001'), TODAY)).toBe(true);
  });

  it('takes "today" in China time from a Date', () => {
    const born = withCheck('33040220250101001');
    // 2024-12-31T17:00Z is already 2025-01-01 01:00 in Beijing
    expect(isValidCitizenId(born, { today: new Date('2024-12-31T17:00:00Z') })).toBe(true);
    expect(isValidCitizenId(born, { today: new Date('2024-12-31T15:00:00Z') })).toBe(false);
  });

  it('names the field and both digits in the check-digit message', () => {
    expect(() => parseCitizenId('110105194912310025', { field: 'idNumber', ...TODAY })).toThrow(
      new DomainRuleError(
        'idNumber',
        'citizenId.checkDigit',
        'idNumber: check digit is 5 but ISO 7064 MOD 11-2 gives X',
      ),
    );
    const e = caughtRuleError(() => parseCitizenId('12345', { field: 'guardianIdNumber' }));
    expect(e).toMatchObject({ field: 'guardianIdNumber', rule: 'citizenId.length' });
    expect(e.message).toBe('guardianIdNumber: must be 18 characters (GB 11643), got 5');
  });

  it('rejects non-strings without crashing', () => {
    expect(ruleOf(() => parseCitizenId(undefined as unknown as string))).toBe('citizenId.type');
    expect(isValidCitizenId(12345)).toBe(false);
  });

  it('round-trips every generated valid number', () => {
    fc.assert(
      fc.property(citizenIdPartsArb, (parts) => {
        const id = parseCitizenId(makeCitizenId(parts), TODAY);
        expect(id).toMatchObject({
          addressCode: parts.addressCode,
          provinceCode: parts.addressCode.slice(0, 2),
          birthDate: parts.birthDate,
          sequence: parts.sequence,
          sex: Number(parts.sequence) % 2 === 1 ? 'M' : 'F',
        });
        expect(id.number.slice(17)).toBe(id.checkDigit);
      }),
    );
  });

  it('detects any single changed character of a valid number', () => {
    const chars = '0123456789X'.split('');
    fc.assert(
      fc.property(
        citizenIdArb,
        fc.integer({ min: 0, max: 17 }),
        fc.constantFrom(...chars),
        (valid, pos, ch) => {
          fc.pre(valid[pos] !== ch);
          const changed = valid.slice(0, pos) + ch + valid.slice(pos + 1);
          expect(isValidCitizenId(changed, TODAY)).toBe(false);
        },
      ),
    );
  });

  it('never puts the number into an error message', () => {
    fc.assert(
      fc.property(citizenIdArb, fc.integer({ min: 0, max: 17 }), (valid, pos) => {
        const changed =
          valid.slice(0, pos) + (valid[pos] === '1' ? '2' : '1') + valid.slice(pos + 1);
        try {
          parseCitizenId(changed, TODAY);
        } catch (e) {
          expect((e as Error).message).not.toContain(changed);
          expect((e as Error).message).not.toContain(changed.slice(0, 17));
        }
      }),
    );
  });
});

describe('makeCitizenId', () => {
  it('appends the check digit', () => {
    expect(makeCitizenId({ addressCode: '110105', birthDate: '1949-12-31', sequence: '002' })).toBe(
      '11010519491231002X',
    );
  });

  it('rejects malformed parts', () => {
    expect(() =>
      makeCitizenId({ addressCode: '3304', birthDate: '1990-01-01', sequence: 1 }),
    ).toThrow(DomainRuleError);
    expect(
      ruleOf(() => makeCitizenId({ addressCode: '330402', birthDate: '1990-02-30', sequence: 1 })),
    ).toBe('date.calendar');
    expect(() =>
      makeCitizenId({ addressCode: '330402', birthDate: '1990-01-01', sequence: 1000 }),
    ).toThrow(/sequence/);
  });

  it('test factory gives distinct valid numbers of the requested sex', () => {
    const a = newCitizenId({ sex: 'M' });
    const b = newCitizenId({ sex: 'F', birthDate: '1970-01-01' });
    expect(a).not.toBe(b);
    expect(parseCitizenId(a, TODAY).sex).toBe('M');
    expect(parseCitizenId(b, TODAY)).toMatchObject({ sex: 'F', birthDate: '1970-01-01' });
  });
});

describe('maskCitizenId', () => {
  it('keeps the first 6 and the last 4', () => {
    const id = makeCitizenId({ addressCode: '330402', birthDate: '1990-03-07', sequence: '123' });
    expect(maskCitizenId(id)).toBe(`330402********123${id[17]}`);
    expect(maskCitizenId('11010519491231002x')).toBe('110105********002X');
  });

  it('masks everything that is not 18 characters and never throws', () => {
    expect(maskCitizenId('110105491231002')).toBe('***************'); // old 15-digit format
    expect(maskCitizenId('')).toBe('');
    expect(maskCitizenId(null as unknown as string)).toBe('');
    fc.assert(
      fc.property(fc.anything(), (x) => {
        expect(typeof maskCitizenId(x as string)).toBe('string');
      }),
    );
  });

  it('never shows characters 7-14 (the birth date)', () => {
    fc.assert(
      fc.property(citizenIdArb, (id) => {
        const masked = maskCitizenId(id);
        expect(masked.slice(6, 14)).toBe('********');
        expect(masked).not.toContain(id.slice(6, 14));
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 40 }), (s) => {
        const masked = maskCitizenId(s);
        if (s.length === 18) expect(masked.slice(6, 14)).toBe('********');
        else expect(masked).toMatch(/^\**$/);
      }),
    );
  });
});
