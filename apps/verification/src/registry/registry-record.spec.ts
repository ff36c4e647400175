import { makeCitizenId } from '@app/domain';
import { checkRegistryRecord } from './registry-record';

const ID = makeCitizenId({ addressCode: '330402', birthDate: '2005-03-10', sequence: 123 });
const good = {
  idNumber: ID,
  name: '王小明',
  sex: 'M',
  ethnicity: '汉族',
  birthDate: '2005-03-10',
  hukouAddressCode: '330402',
  hukouAddress: '浙江省嘉兴市南湖区建设路123号',
  status: 'ACTIVE',
  cardIssued: false,
  flags: [],
};

const problemsOf = (record: unknown) => {
  const check = checkRegistryRecord(record, '2025-06-15');
  return check.ok ? [] : check.problems.map((p) => `${p.field}: ${p.message}`);
};

describe('checkRegistryRecord', () => {
  it('accepts a good record and normalises it', () => {
    const check = checkRegistryRecord(
      { ...good, idNumber: ID.toLowerCase(), name: ' 王小明 ', flags: ['FRAUD_WATCH', 'A', 'A'] },
      '2025-06-15',
    );
    expect(check).toEqual({
      ok: true,
      record: { ...good, sex: 'M', status: 'ACTIVE', flags: ['A', 'FRAUD_WATCH'] },
    });
  });

  it('accepts CSV-style strings for cardIssued and flags', () => {
    const check = checkRegistryRecord({ ...good, cardIssued: 'TRUE', flags: 'FRAUD_WATCH|X1' });
    expect(check.ok && check.record.cardIssued).toBe(true);
    expect(check.ok && check.record.flags).toEqual(['FRAUD_WATCH', 'X1']);
    const empty = checkRegistryRecord({ ...good, cardIssued: 'false', flags: '' });
    expect(empty.ok && empty.record).toMatchObject({ cardIssued: false, flags: [] });
    const absent = checkRegistryRecord({ ...good, flags: undefined });
    expect(absent.ok && absent.record.flags).toEqual([]);
  });

  it('reports the check digit like the domain rule', () => {
    const wrong = ID.slice(0, 17) + (ID[17] === '5' ? '6' : '5');
    expect(problemsOf({ ...good, idNumber: wrong })).toEqual([
      `idNumber: check digit is 5 but ISO 7064 MOD 11-2 gives ${ID[17]}`.replace(
        'is 5',
        `is ${wrong[17]}`,
      ),
    ]);
  });

  it('reports every bad field of a record, naming each', () => {
    expect(
      problemsOf({
        idNumber: '12345',
        name: '',
        sex: 'X',
        ethnicity: 3,
        birthDate: '2005-02-30',
        hukouAddressCode: '330400',
        hukouAddress: '  ',
        status: 'MOVED',
        cardIssued: 'yes',
        flags: ['fraud'],
        extra: 1,
      }),
    ).toEqual([
      'extra: unknown field',
      'idNumber: must be 18 characters (GB 11643), got 5',
      'name: must not be empty',
      'ethnicity: must be a string',
      'hukouAddress: must not be empty',
      'sex: must be M or F',
      'birthDate: must be a real date as YYYY-MM-DD',
      'hukouAddressCode: 330400 is not a county-level division code',
      'status: must be one of ACTIVE, CANCELLED, DECEASED',
      'cardIssued: must be true or false',
      'flags: "fraud" is not a flag code (upper-case letters, digits, _)',
    ]);
  });

  it('requires sex and birth date to agree with the ID number', () => {
    expect(problemsOf({ ...good, sex: 'F', birthDate: '2005-03-11' })).toEqual([
      'sex: F does not match the ID number (its sequence digits are odd (male))',
      'birthDate: does not match the birth date in the ID number (digits 7-14)',
    ]);
  });

  it('rejects a birth date in the future and missing fields', () => {
    const future = makeCitizenId({ addressCode: '330402', birthDate: '2025-07-01', sequence: 1 });
    expect(problemsOf({ ...good, idNumber: future, birthDate: '2025-07-01' })[0]).toMatch(
      /^idNumber: birth date 2025-07-01 is after today/,
    );
    expect(problemsOf({ idNumber: ID })).toEqual(
      expect.arrayContaining([
        'name: is required',
        'status: must be one of ACTIVE, CANCELLED, DECEASED',
      ]),
    );
    expect(problemsOf('not a record')).toEqual([
      '(record): must be an object with the registry fields',
    ]);
  });

  it('never repeats the ID number or name in a message', () => {
    const messages = problemsOf({ ...good, sex: 'F', name: 'x'.repeat(65) }).join('\n');
    expect(messages).not.toContain(ID);
    expect(messages).not.toContain('x'.repeat(65));
  });
});
