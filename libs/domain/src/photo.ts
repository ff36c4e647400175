import { addYearsClamped, todayInChina } from './dates';

/** An ID card portrait from the photo library must be under this many years old. */
export const PHOTO_MAX_AGE_YEARS = 3;
/** Clock difference tolerated between a capture station and the server judging the photo. */
export const PHOTO_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The one photo age rule both provinces apply (intake when the clerk attaches the photo, the hukou
 * side at review), in whole days of the China calendar: a photo captured on 2023-11-23 is usable
 * up to 2026-11-22. Returns the problem, or null when the photo is usable at `at`.
 */
export function photoAgeProblem(
  capturedAt: Date,
  at: Date,
): { rule: 'photo.future' | 'photo.age'; message: string } | null {
  if (capturedAt.getTime() > at.getTime() + PHOTO_CLOCK_SKEW_MS) {
    return {
      rule: 'photo.future',
      message: `the photo's capture time ${capturedAt.toISOString()} is in the future`,
    };
  }
  const captured = todayInChina(capturedAt);
  if (addYearsClamped(captured, PHOTO_MAX_AGE_YEARS) <= todayInChina(at)) {
    return {
      rule: 'photo.age',
      message: `the photo was captured on ${captured}: an ID card photo must be under ${PHOTO_MAX_AGE_YEARS} years old (usable up to the day before ${addYearsClamped(captured, PHOTO_MAX_AGE_YEARS)})`,
    };
  }
  return null;
}
