import { captureTimeProblem, photoUseProblem } from './photo-rules';

describe('photo rules', () => {
  const now = new Date('2026-11-23T02:00:00Z');

  it('a photo of the same region under 3 years old is usable', () => {
    expect(
      photoUseProblem({ region: '33', capturedAt: new Date('2024-01-01T00:00:00Z') }, '33', now),
    ).toBeUndefined();
    // Captured on 2023-11-24 in China: usable up to 2026-11-23.
    const lastDay = new Date('2023-11-23T16:00:00Z');
    expect(photoUseProblem({ region: '33', capturedAt: lastDay }, '33', now)).toBeUndefined();
  });

  it('a photo 3 years old or more is not', () => {
    // Captured on 2023-11-23 in China, even later in the day than now: three years old today.
    expect(
      photoUseProblem({ region: '33', capturedAt: new Date('2023-11-23T12:00:00Z') }, '33', now),
    ).toMatchObject({
      rule: 'photo.age',
    });
  });

  it('a photo of another region, or none, is not', () => {
    expect(photoUseProblem({ region: '31', capturedAt: now }, '33', now)).toMatchObject({
      rule: 'photo.region',
    });
    expect(photoUseProblem(undefined, '33', now)).toMatchObject({ rule: 'photo.unknown' });
  });

  it('a capture time in the future (beyond clock skew) is refused at upload', () => {
    expect(captureTimeProblem(new Date(now.getTime() + 60_000), now)).toBeUndefined();
    expect(captureTimeProblem(new Date(now.getTime() + 10 * 60_000), now)).toMatch(/future/);
    expect(captureTimeProblem(new Date('nonsense'), now)).toMatch(/not a valid time/);
  });
});
