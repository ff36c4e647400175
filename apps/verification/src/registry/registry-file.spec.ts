import {
  CsvShapeProblem,
  jsonErrorAt,
  parseCsvRows,
  parseRegistryFile,
  RegistryFileError,
  toRegistryCsv,
  topLevelElementLines,
} from './registry-file';
import type { RegistryRecord } from './registry-record';

const HEADER =
  'idNumber,name,sex,ethnicity,birthDate,hukouAddressCode,hukouAddress,status,cardIssued,flags';

describe('registry files', () => {
  it('parses RFC 4180 CSV: quotes, escaped quotes, commas and line breaks in fields, CRLF', () => {
    const rows = parseCsvRows('a,b,c\r\n"x,1","say ""hi""","two\nlines"\r\n\r\nlast,,\n');
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x,1', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['last', '', ''] },
    ]);
    expect(() => parseCsvRows('a\n"open')).toThrow(RegistryFileError);
  });

  it('refuses malformed quoting with the line and the field', () => {
    expect(() => parseCsvRows('a,b,c\n1,"x"y,3\n')).toThrow(
      /^line 2: field 2 \(b\): text after the closing quote/,
    );
    expect(() => parseCsvRows('a,b,c\n1,2,3\n1,2,x"y\n')).toThrow(
      /^line 3: field 3 \(c\): a quote inside an unquoted field/,
    );
    expect(() => parseCsvRows('"a" ,b\n')).toThrow(
      /^line 1: field 1: text after the closing quote/,
    );
    expect(() => parseCsvRows('a,b\n"two\nlines"x,2\n')).toThrow(/^line 3: field 1 \(a\)/);
    expect(() =>
      parseRegistryFile(`${HEADER}\n1,a"b,M,汉族,2000-01-01,330402,addr,ACTIVE,false,\n`, 'csv'),
    ).toThrow(/^line 2: field 2 \(name\): a quote inside an unquoted field/);
  });

  it('reads CSV records with the line each starts on, skipping blank lines', () => {
    const text = `\uFEFF${HEADER}\n1,a,M,汉族,2000-01-01,330402,addr,ACTIVE,false,\n\n2,b,F,汉族,2000-01-01,330402,"addr, 2",ACTIVE,true,FRAUD_WATCH|X\n3,too,few\n`;
    const content = parseRegistryFile(text, undefined, 'people.csv');
    expect(content.format).toBe('csv');
    expect(content.lines).toEqual([2, 4, 5]);
    expect(content.records[1]).toMatchObject({ hukouAddress: 'addr, 2', flags: 'FRAUD_WATCH|X' });
    expect(content.records[2]).toBeInstanceOf(CsvShapeProblem);
  });

  it('allows the flags column to be left out, and rejects unknown or missing columns', () => {
    const noFlags = HEADER.replace(',flags', '');
    expect(parseRegistryFile(`${noFlags}\n`, 'csv').records).toEqual([]);
    expect(() => parseRegistryFile(`${HEADER},phone\n`, 'csv')).toThrow(
      'line 1: unknown column(s) phone',
    );
    expect(() => parseRegistryFile(HEADER.replace('status,', ''), 'csv')).toThrow(
      'line 1: missing column(s) status',
    );
    expect(() => parseRegistryFile('', 'csv')).toThrow('the CSV file is empty');
  });

  it('reads a JSON array with the line each element starts on', () => {
    const text =
      '[\n  {"name": "a, [b]", "x": "}"},\n\n  {\n    "name": "c"\n  }, 5, "s", null\n]\n';
    expect(topLevelElementLines(text)).toEqual([2, 4, 6, 6, 6]);
    const content = parseRegistryFile(text, undefined, 'people.json');
    expect(content.format).toBe('json');
    expect(content.lines).toEqual([2, 4, 6, 6, 6]);
  });

  it('rejects JSON that is not an array or not JSON, with the line when known', () => {
    expect(() => parseRegistryFile('{"a": 1}', 'json')).toThrow('must be an array of records');
    expect(() => parseRegistryFile('[\n{"a": 1},\n{"a": }\n]', 'json')).toThrow(
      'line 3: not valid JSON (column 7: expected a JSON value)',
    );
    // The message says where, never what: the text may hold ID numbers.
    expect(() => parseRegistryFile('[{"idNumber": 330402200503101234}x]', 'json')).toThrow(
      /^line 1: not valid JSON \(column 34: expected ',' or ']'\)$/,
    );
    expect(jsonErrorAt('[1, 2, {"a": [true, null, "x\\u00e9"]}]')).toBeNull();
    expect(jsonErrorAt('[1,]')).toEqual({ line: 1, column: 4, expected: 'expected a JSON value' });
  });

  it('sniffs the format when the file name does not tell', () => {
    expect(parseRegistryFile('  []', undefined, 'people.txt').format).toBe('json');
    expect(parseRegistryFile(`${HEADER}\n`, undefined, 'people.txt').format).toBe('csv');
  });

  it('writes CSV that reads back to the same records', () => {
    const records: RegistryRecord[] = [
      {
        idNumber: '33040220050310123X',
        name: '王"小"明',
        sex: 'M',
        ethnicity: '汉族',
        birthDate: '2005-03-10',
        hukouAddressCode: '330402',
        hukouAddress: '浙江省嘉兴市南湖区建设路1号, 2幢',
        status: 'ACTIVE',
        cardIssued: false,
        flags: ['A', 'FRAUD_WATCH'],
      },
    ];
    const back = parseRegistryFile(toRegistryCsv(records), 'csv');
    expect(back.records).toEqual([
      {
        ...records[0],
        cardIssued: 'false',
        flags: 'A|FRAUD_WATCH',
      },
    ]);
  });
});
