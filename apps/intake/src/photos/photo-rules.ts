/** For ID cards a library photo must be under 3 years old and from the applicant's region. */
export const PHOTO_MAX_AGE_YEARS = 3;
/** Tolerated clock difference between a capture station and this server. */
export const CAPTURE_CLOCK_SKEW_MS = 5 * 60_000;

export interface PhotoFacts {
  region: string;
  capturedAt: Date;
}

/** The oldest capture time still usable at `now`. */
export function oldestUsableCapture(now: Date): Date {
  const limit = new Date(now.getTime());
  limit.setUTCFullYear(limit.getUTCFullYear() - PHOTO_MAX_AGE_YEARS);
  return limit;
}

/** Why a photo cannot be used for a case of `region` at `now` (rule and words), or undefined. */
export function photoUseProblem(
  photo: PhotoFacts | undefined,
  region: string,
  now: Date,
): { rule: string; message: string } | undefined {
  if (!photo) {
    return { rule: 'photo.unknown', message: `no such photo in the library of region ${region}` };
  }
  if (photo.region !== region) {
    return {
      rule: 'photo.region',
      message: `the photo belongs to the library of region ${photo.region}, not ${region} (the province of the acceptance point)`,
    };
  }
  if (photo.capturedAt.getTime() <= oldestUsableCapture(now).getTime()) {
    return {
      rule: 'photo.age',
      message: `the photo was captured on ${photo.capturedAt.toISOString().slice(0, 10)}: an ID card photo must be under ${PHOTO_MAX_AGE_YEARS} years old`,
    };
  }
  return undefined;
}

/** Why a declared capture time is not acceptable for a new library photo, or undefined. */
export function captureTimeProblem(capturedAt: Date, now: Date): string | undefined {
  if (Number.isNaN(capturedAt.getTime())) return 'capturedAt: not a valid time';
  if (capturedAt.getTime() > now.getTime() + CAPTURE_CLOCK_SKEW_MS) {
    return 'capturedAt: is in the future';
  }
  return undefined;
}
