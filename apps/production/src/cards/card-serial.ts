/**
 * The card serial (制证编号) the production centre gives each card record:
 *
 *   PP-YYYYMMDD-NNNNNNN    e.g. 33-20250527-0000042
 *
 * PP is the 2-digit province code of the production centre, YYYYMMDD the production date in China
 * (UTC+8), NNNNNNN the next value of the Postgres sequence `production.card_serial_seq`, zero-padded
 * to at least 7 digits (it grows beyond 7 digits rather than wrap). The sequence alone makes the
 * serial unique; province and date make it readable. The dashes keep it from ever looking like an
 * 18-digit citizen ID number (which logs would mask).
 */
export const CARD_SERIAL_PATTERN = /^(\d{2})-(\d{4})(\d{2})(\d{2})-(\d{7,})$/;

export interface CardSerialParts {
  province: string;
  /** YYYY-MM-DD. */
  date: string;
  sequence: number;
}

export function formatCardSerial({ province, date, sequence }: CardSerialParts): string {
  if (!/^\d{2}$/.test(province)) throw new RangeError(`province must be 2 digits, got ${province}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new RangeError(`date must be YYYY-MM-DD, got ${date}`);
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new RangeError(`sequence must be a positive integer, got ${sequence}`);
  return `${province}-${date.replace(/-/g, '')}-${String(sequence).padStart(7, '0')}`;
}

export function parseCardSerial(serial: string): CardSerialParts | null {
  const m = CARD_SERIAL_PATTERN.exec(serial);
  if (!m) return null;
  return { province: m[1], date: `${m[2]}-${m[3]}-${m[4]}`, sequence: Number(m[5]) };
}
