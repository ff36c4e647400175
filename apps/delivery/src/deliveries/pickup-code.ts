import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The 6-digit pickup code (取件码) of a postal delivery. It is sent to the applicant (SMS, through
 * the notifications table) and told to the courier at the door; the courier's DELIVERED callback
 * must quote it. Only a salted SHA-256 of it is kept on the delivery row.
 *
 * Six digits are 20 bits: the hash keeps the code out of sight of people reading the table, it does
 * not resist an offline search. The code protects against a courier closing a delivery that never
 * happened, together with the courier's own authentication.
 */
export const PICKUP_CODE_PATTERN = /^\d{6}$/;

export function generatePickupCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** `sha256$<salt hex>$<digest hex>`. */
export function hashPickupCode(
  code: string,
  salt: string = randomBytes(16).toString('hex'),
): string {
  if (!PICKUP_CODE_PATTERN.test(code)) throw new RangeError('a pickup code is 6 digits');
  return `sha256$${salt}$${digest(salt, code)}`;
}

/** Constant-time comparison of a presented code with the stored hash; false for anything malformed. */
export function pickupCodeMatches(code: unknown, stored: string | null): boolean {
  if (typeof code !== 'string' || !PICKUP_CODE_PATTERN.test(code) || !stored) return false;
  const [scheme, salt, expected] = stored.split('$');
  if (scheme !== 'sha256' || !salt || !expected) return false;
  const a = Buffer.from(digest(salt, code), 'hex');
  const b = Buffer.from(expected, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function digest(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}
