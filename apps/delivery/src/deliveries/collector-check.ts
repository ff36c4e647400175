/**
 * The checks at the window before a card is handed over (领证): the pickup receipt number, and who
 * collects — the applicant (own ID number) or the proxy named at intake (name and ID number).
 * Pure functions; a refusal names the field and a stable rule code, and never echoes the values.
 */
export type CollectorType = 'APPLICANT' | 'PROXY';

export interface CollectionRecord {
  receiptNumber: string;
  applicantIdNumber: string;
  proxy: { name: string; idNumber: string } | null;
}

export interface CollectorClaim {
  type: CollectorType;
  name: string;
  idNumber: string;
}

export interface CheckRefusal {
  ok: false;
  field: string;
  rule: string;
  message: string;
}

export type ReceiptCheck = { ok: true } | CheckRefusal;
export type CollectorCheck = { ok: true; collectedBy: CollectorType } | CheckRefusal;

export function normalizeIdNumber(value: string): string {
  return value.trim().toUpperCase();
}

/** Names compare after Unicode compatibility normalisation, with whitespace (and 中间点 variants) unified. */
export function normalizeName(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/[·•・．.]/g, '·')
    .replace(/\s+/g, '')
    .toLowerCase();
}

export function checkReceipt(
  record: Pick<CollectionRecord, 'receiptNumber'>,
  given: string,
): ReceiptCheck {
  if (given.trim().toUpperCase() === record.receiptNumber.trim().toUpperCase()) return { ok: true };
  return {
    ok: false,
    field: 'receiptNumber',
    rule: 'receipt.mismatch',
    message: 'receiptNumber does not match the pickup receipt (领取凭证) of this case',
  };
}

export function checkCollector(record: CollectionRecord, claim: CollectorClaim): CollectorCheck {
  if (claim.type === 'APPLICANT') {
    if (normalizeIdNumber(claim.idNumber) === normalizeIdNumber(record.applicantIdNumber))
      return { ok: true, collectedBy: 'APPLICANT' };
    return {
      ok: false,
      field: 'collector.idNumber',
      rule: 'collector.notApplicant',
      message: "collector.idNumber is not the applicant's ID number",
    };
  }
  if (!record.proxy) {
    return {
      ok: false,
      field: 'collector',
      rule: 'collector.proxyNotNamed',
      message:
        'collector: no proxy was named at intake for this case; only the applicant may collect',
    };
  }
  const sameId = normalizeIdNumber(claim.idNumber) === normalizeIdNumber(record.proxy.idNumber);
  const sameName = normalizeName(claim.name) === normalizeName(record.proxy.name);
  if (sameId && sameName) return { ok: true, collectedBy: 'PROXY' };
  return {
    ok: false,
    field: 'collector',
    rule: 'collector.proxyMismatch',
    message: 'collector: name and ID number must match the proxy named at intake',
  };
}
