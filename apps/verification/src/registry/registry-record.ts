import { DomainRuleError, isIsoDate, lookupDivision, parseCitizenId } from '@app/domain';

/**
 * One person of the hukou population registry (户籍人口信息), as imported from a registry export.
 * The registry is the hukou side's source of truth for a review: the applicant's declared particulars
 * must match it.
 */
export const REGISTRY_STATUSES = ['ACTIVE', 'CANCELLED', 'DECEASED'] as const;
export type RegistryStatus = (typeof REGISTRY_STATUSES)[number];

export interface RegistryRecord {
  /** 18-character citizen ID number (GB 11643), upper-case X. */
  idNumber: string;
  name: string;
  sex: 'M' | 'F';
  /** e.g. 汉族 */
  ethnicity: string;
  /** YYYY-MM-DD, equal to the birth date in the ID number. */
  birthDate: string;
  /** 6-digit county-level division code of the hukou address (GB/T 2260). */
  hukouAddressCode: string;
  /** The full hukou address, printed on the card. */
  hukouAddress: string;
  status: RegistryStatus;
  /** True once a first card has been issued: a cross-province first application is then refused. */
  cardIssued: boolean;
  /** Watch flags (e.g. FRAUD_WATCH); any flag keeps the case away from cross-province handling. */
  flags: string[];
}

export const REGISTRY_FIELDS: readonly (keyof RegistryRecord)[] = [
  'idNumber',
  'name',
  'sex',
  'ethnicity',
  'birthDate',
  'hukouAddressCode',
  'hukouAddress',
  'status',
  'cardIssued',
  'flags',
];

/** Fields a record may omit (an absent `flags` means no flag). */
export const OPTIONAL_REGISTRY_FIELDS: readonly (keyof RegistryRecord)[] = ['flags'];

/** Flags that are known to mean something; any other well-formed flag is kept and also blocks. */
export const KNOWN_FLAGS = ['FRAUD_WATCH'] as const;

export interface FieldProblem {
  /** The field as named in the file, or `(record)` for the record as a whole. */
  field: string;
  message: string;
}

export type RecordCheck =
  { ok: true; record: RegistryRecord } | { ok: false; problems: FieldProblem[] };

const FLAG = /^[A-Z][A-Z0-9_]{0,39}$/;

/**
 * Checks one raw record (a parsed JSON object, or a CSV row of strings) and returns the normalised
 * record or every problem found, each naming its field. CSV-style strings are accepted for
 * `cardIssued` ("true"/"false") and `flags` ("A|B"), so both file formats go through this one check.
 * Messages never repeat the ID number or the name: they are printed and logged.
 */
export function checkRegistryRecord(raw: unknown, today?: string): RecordCheck {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      problems: [{ field: '(record)', message: 'must be an object with the registry fields' }],
    };
  }
  const input = raw as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const fail = (field: string, message: string) => {
    problems.push({ field, message });
    return undefined;
  };

  for (const key of Object.keys(input)) {
    if (!(REGISTRY_FIELDS as readonly string[]).includes(key)) fail(key, 'unknown field');
  }

  const text = (field: keyof RegistryRecord, max: number): string | undefined => {
    const value = input[field];
    if (value === undefined || value === null) return fail(field, 'is required');
    if (typeof value !== 'string') return fail(field, 'must be a string');
    const trimmed = value.trim().normalize('NFC');
    if (trimmed === '') return fail(field, 'must not be empty');
    if ([...trimmed].length > max) return fail(field, `must be at most ${max} characters`);
    return trimmed;
  };

  // idNumber: format, province, birth date and the ISO 7064 MOD 11-2 check digit.
  let id: ReturnType<typeof parseCitizenId> | undefined;
  const rawId = input.idNumber;
  if (rawId === undefined || rawId === null || rawId === '') fail('idNumber', 'is required');
  else if (typeof rawId !== 'string') fail('idNumber', 'must be a string');
  else {
    try {
      id = parseCitizenId(rawId.trim(), { field: 'idNumber', today });
    } catch (error) {
      if (!(error instanceof DomainRuleError)) throw error;
      fail('idNumber', stripField(error.message, 'idNumber'));
    }
  }

  const name = text('name', 64);
  const ethnicity = text('ethnicity', 32);
  const hukouAddress = text('hukouAddress', 200);

  const sex = input.sex;
  if (sex !== 'M' && sex !== 'F') fail('sex', 'must be M or F');
  else if (id && id.sex !== sex)
    fail(
      'sex',
      `${sex} does not match the ID number (its sequence digits are ${id.sex === 'M' ? 'odd (male)' : 'even (female)'})`,
    );

  const birthDate = input.birthDate;
  if (typeof birthDate !== 'string' || !isIsoDate(birthDate))
    fail('birthDate', 'must be a real date as YYYY-MM-DD');
  else if (id && id.birthDate !== birthDate)
    fail('birthDate', 'does not match the birth date in the ID number (digits 7-14)');

  const code = input.hukouAddressCode;
  if (typeof code !== 'string' || !/^\d{6}$/.test(code))
    fail('hukouAddressCode', 'must be a 6-digit division code (GB/T 2260)');
  else if (lookupDivision(code)?.level !== 'county')
    fail('hukouAddressCode', `${code} is not a county-level division code`);

  const status = input.status;
  if (typeof status !== 'string' || !(REGISTRY_STATUSES as readonly string[]).includes(status))
    fail('status', `must be one of ${REGISTRY_STATUSES.join(', ')}`);

  let cardIssued: boolean | undefined;
  const rawIssued = input.cardIssued;
  if (typeof rawIssued === 'boolean') cardIssued = rawIssued;
  else if (typeof rawIssued === 'string' && /^(true|false)$/i.test(rawIssued.trim()))
    cardIssued = rawIssued.trim().toLowerCase() === 'true';
  else fail('cardIssued', 'must be true or false');

  let flags: string[] | undefined;
  const rawFlags = input.flags;
  const list =
    rawFlags === undefined || rawFlags === null
      ? []
      : typeof rawFlags === 'string'
        ? rawFlags.split('|')
        : rawFlags;
  if (!Array.isArray(list)) fail('flags', 'must be a list of flag codes (in CSV: A|B)');
  else {
    const codes = list.map((f) => (typeof f === 'string' ? f.trim() : f)).filter((f) => f !== '');
    const bad = codes.find((f) => typeof f !== 'string' || !FLAG.test(f));
    if (bad !== undefined)
      fail('flags', `${JSON.stringify(bad)} is not a flag code (upper-case letters, digits, _)`);
    else flags = [...new Set(codes as string[])].sort();
  }

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    record: {
      idNumber: id!.number,
      name: name!,
      sex: sex as 'M' | 'F',
      ethnicity: ethnicity!,
      birthDate: birthDate as string,
      hukouAddressCode: code as string,
      hukouAddress: hukouAddress!,
      status: status as RegistryStatus,
      cardIssued: cardIssued!,
      flags: flags!,
    },
  };
}

function stripField(message: string, field: string): string {
  return message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
}
