import { PHOTO_CLOCK_SKEW_MS, photoAgeProblem } from '@app/domain';

export interface PhotoFacts {
  region: string;
  capturedAt: Date;
}

/**
 * Why a photo cannot be used for a case of `region` at `now` (rule and words), or undefined. The
 * age rule is the one the hukou side applies too (`photoAgeProblem` in @app/domain).
 */
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
  return photoAgeProblem(photo.capturedAt, now) ?? undefined;
}

/** Why a declared capture time is not acceptable for a new library photo, or undefined. */
export function captureTimeProblem(capturedAt: Date, now: Date): string | undefined {
  if (Number.isNaN(capturedAt.getTime())) return 'capturedAt: not a valid time';
  if (capturedAt.getTime() > now.getTime() + PHOTO_CLOCK_SKEW_MS) {
    return 'capturedAt: is in the future';
  }
  return undefined;
}
