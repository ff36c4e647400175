import * as fc from 'fast-check';
import { CitizenIdParts, makeCitizenId } from '../citizen-id';
import { listCounties } from '../divisions';

/**
 * Test data for citizen ID numbers. Not exported from the package index (fast-check is a dev
 * dependency): import from `@app/domain/testing/citizen-ids`.
 */

/** Parts of a valid number: a real county code, a birth date 1900-01-01..2024-12-31, any sequence. */
export const citizenIdPartsArb: fc.Arbitrary<CitizenIdParts & { sequence: string }> = fc.record({
  addressCode: fc.constantFrom(...listCounties().map((c) => c.code)),
  birthDate: fc
    .integer({ min: Date.UTC(1900, 0, 1) / 86_400_000, max: Date.UTC(2024, 11, 31) / 86_400_000 })
    .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10)),
  sequence: fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')),
});

export const citizenIdArb: fc.Arbitrary<string> = citizenIdPartsArb.map(makeCitizenId);

let counter = 0;

/** A fresh valid number per call (sequence varies), with optional overrides. */
export function newCitizenId(
  overrides: Partial<CitizenIdParts> & { sex?: 'M' | 'F' } = {},
): string {
  counter = (counter + 1) % 500;
  const sex = overrides.sex ?? (counter % 2 === 0 ? 'F' : 'M');
  return makeCitizenId({
    addressCode: overrides.addressCode ?? '330402',
    birthDate: overrides.birthDate ?? '2008-05-10',
    sequence: overrides.sequence ?? counter * 2 + (sex === 'M' ? 1 : 0),
  });
}
