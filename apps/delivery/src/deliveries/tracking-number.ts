/**
 * Postal tracking numbers in the UPU S10 format China Post/EMS uses: two service letters, an
 * 8-digit serial, a check digit and the country code, e.g. `EA000000421CN`. In production the
 * carrier assigns the number; here the delivery service generates it from the Postgres sequence
 * `delivery.tracking_serial_seq`, so it is unique within the deployment.
 */
export const TRACKING_NUMBER_PATTERN = /^[A-Z]{2}\d{9}[A-Z]{2}$/;
const WEIGHTS = [8, 6, 4, 2, 3, 5, 9, 7];

/** The S10 check digit of an 8-digit serial. */
export function s10CheckDigit(serial: string): number {
  if (!/^\d{8}$/.test(serial)) throw new RangeError('an S10 serial is 8 digits');
  const sum = [...serial].reduce((acc, d, i) => acc + Number(d) * WEIGHTS[i], 0);
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

export function formatTrackingNumber(sequence: number, service = 'EA', country = 'CN'): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1 || sequence > 99_999_999)
    throw new RangeError(`tracking sequence out of range: ${sequence}`);
  const serial = String(sequence).padStart(8, '0');
  return `${service}${serial}${s10CheckDigit(serial)}${country}`;
}

export function isValidTrackingNumber(value: string): boolean {
  if (!TRACKING_NUMBER_PATTERN.test(value)) return false;
  return s10CheckDigit(value.slice(2, 10)) === Number(value[10]);
}
