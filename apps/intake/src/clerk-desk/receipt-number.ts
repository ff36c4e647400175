/**
 * Receipt numbers (领取凭证编号): what the applicant shows to collect the card.
 *
 *   R330402-01-261123-0007
 *   │└───┬───┘ └─┬──┘ └┬─┘
 *   │ acceptance  │    └ sequence at that point on that day, from 0001 (more digits after 9999)
 *   │ point       └ intake date in China, yymmdd
 *   └ "R" for receipt
 *
 * Unique because the point and the date are part of it and the sequence comes from one counter
 * row per point and day, incremented in the transaction that creates the case (a rolled-back
 * intake gives its number back).
 */
const RECEIPT = /^R(\d{6}-\d{2})-(\d{2})(\d{2})(\d{2})-(\d{4,})$/;

export interface ReceiptParts {
  acceptancePoint: string;
  /** YYYY-MM-DD (20yy). */
  date: string;
  sequence: number;
}

export function formatReceiptNumber(
  acceptancePoint: string,
  date: string,
  sequence: number,
): string {
  if (!/^\d{6}-\d{2}$/.test(acceptancePoint)) {
    throw new RangeError(`acceptance point ${acceptancePoint} is not like 330402-01`);
  }
  const m = /^\d{2}(\d{2})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`date ${date} is not YYYY-MM-DD`);
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`sequence ${sequence} must be a whole number from 1`);
  }
  return `R${acceptancePoint}-${m[1]}${m[2]}${m[3]}-${String(sequence).padStart(4, '0')}`;
}

export function parseReceiptNumber(value: string): ReceiptParts | undefined {
  const m = typeof value === 'string' ? RECEIPT.exec(value) : null;
  if (!m) return undefined;
  return {
    acceptancePoint: m[1],
    date: `20${m[2]}-${m[3]}-${m[4]}`,
    sequence: Number(m[5]),
  };
}
