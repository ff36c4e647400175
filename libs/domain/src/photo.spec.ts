import { photoAgeProblem } from './photo';

describe('photoAgeProblem (one rule for both provinces, China calendar days)', () => {
  const at = new Date('2026-11-23T02:00:00Z'); // 10:00 in China, 2026-11-23
  it('accepts a photo up to the day before its third anniversary (China date)', () => {
    expect(photoAgeProblem(new Date('2023-11-23T16:30:00Z'), at)).toBeNull(); // 2023-11-24 in China
    expect(photoAgeProblem(new Date('2026-11-23T01:00:00Z'), at)).toBeNull();
  });
  it('refuses it from its third anniversary on, whatever the hour', () => {
    expect(photoAgeProblem(new Date('2023-11-23T02:30:00Z'), at)?.rule).toBe('photo.age'); // 2023-11-23 in China
    expect(photoAgeProblem(new Date('2023-11-22T20:00:00Z'), at)?.rule).toBe('photo.age'); // 2023-11-23 04:00 in China
    expect(photoAgeProblem(new Date('2020-01-01T00:00:00Z'), at)?.message).toMatch(
      /captured on 2020-01-01: .* under 3 years/,
    );
  });
  it('refuses a capture time in the future beyond the tolerated skew', () => {
    expect(photoAgeProblem(new Date(at.getTime() + 4 * 60_000), at)).toBeNull();
    expect(photoAgeProblem(new Date(at.getTime() + 6 * 60_000), at)?.rule).toBe('photo.future');
  });
});
