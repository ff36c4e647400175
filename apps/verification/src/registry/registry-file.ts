import { OPTIONAL_REGISTRY_FIELDS, REGISTRY_FIELDS, RegistryRecord } from './registry-record';

/**
 * Reading registry files: a JSON array of records, or CSV with a header row. Either way the result is
 * the raw records plus the line each one starts on, so problems can be reported as `line 7: field:
 * why`. A file that cannot be read as a whole (not JSON, not an array, missing CSV columns) is a
 * RegistryFileError: nothing of it is imported.
 */
export interface RegistryFileContent {
  format: 'json' | 'csv';
  records: unknown[];
  /** 1-based line of the file where each record starts. */
  lines: number[];
}

export class RegistryFileError extends Error {
  constructor(
    readonly line: number | null,
    message: string,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'RegistryFileError';
  }
}

export function parseRegistryFile(
  text: string,
  format?: 'json' | 'csv',
  fileName = '',
): RegistryFileContent {
  const body = text.replace(/^\uFEFF/, '');
  const chosen =
    format ??
    (/\.json$/i.test(fileName)
      ? 'json'
      : /\.csv$/i.test(fileName)
        ? 'csv'
        : body.trimStart().startsWith('[')
          ? 'json'
          : 'csv');
  return chosen === 'json' ? parseRegistryJson(body) : parseRegistryCsv(body);
}

export function parseRegistryJson(text: string): RegistryFileContent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Node's message quotes the text around the error (personal data): report only where it is.
    const at = jsonErrorAt(text);
    throw new RegistryFileError(
      at ? at.line : null,
      `not valid JSON${at ? ` (column ${at.column}: ${at.expected})` : ''}`,
    );
  }
  if (!Array.isArray(value))
    throw new RegistryFileError(null, 'a JSON registry file must be an array of records');
  const lines = topLevelElementLines(text);
  // The scanner and JSON.parse agree on any valid JSON; fall back to record numbers just in case.
  return {
    format: 'json',
    records: value,
    lines: lines.length === value.length ? lines : value.map((_, i) => i + 1),
  };
}

/**
 * Where a strict JSON reading of `text` first fails (line, column, what was expected), or null if it
 * does not. Only used to point at the error: JSON.parse does the reading.
 */
export function jsonErrorAt(
  text: string,
): { line: number; column: number; expected: string } | null {
  let i = 0;
  class Stop extends Error {
    constructor(readonly expected: string) {
      super(expected);
    }
  }
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else throw new Stop('a JSON value');
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] < ' ') throw new Stop('no control character inside a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)))
            throw new Stop('4 hex digits after \\u');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) throw new Stop('a valid escape');
      }
      i++;
    }
    if (i >= text.length) throw new Stop('a closing quote');
    i++;
  };
  const number = () => {
    const pattern = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    pattern.lastIndex = i;
    const m = pattern.exec(text);
    if (!m) throw new Stop('a JSON value');
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop('a property name in double quotes');
        string();
        ws();
        if (text[i] !== ':') throw new Stop("':'");
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else throw new Stop("',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else throw new Stop("',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value();
    ws();
    if (i < text.length) throw new Stop('the end of the file');
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    return { line, column, expected: `expected ${error.expected}` };
  }
}

/** Line on which each element of the top-level JSON array starts. */
export function topLevelElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectValue = false;
  const start = () => {
    if (depth === 1 && expectValue) {
      lines.push(line);
      expectValue = false;
    }
  };
  for (const c of text) {
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      start();
      inString = true;
    } else if (c === '[' || c === '{') {
      start();
      depth++;
      if (depth === 1) expectValue = true;
    } else if (c === ']' || c === '}') {
      depth--;
    } else if (c === ',') {
      if (depth === 1) expectValue = true;
    } else if (!/\s/.test(c)) {
      start();
    }
  }
  return lines;
}

/**
 * RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF. Malformed
 * quoting is refused with its line and field, never guessed at: a quote inside an unquoted field
 * (`x"y`) or anything but a separator after a closing quote (`"x"y`).
 */
export function parseCsvRows(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let fieldStarted = false;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted))
      rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  const malformed = (problem: string): RegistryFileError => {
    const index = fields.length;
    const column = rows.length > 0 ? rows[0].fields[index]?.trim() : undefined;
    return new RegistryFileError(
      line,
      `field ${index + 1}${column ? ` (${column})` : ''}: ${problem}`,
    );
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
          const next = text[i + 1];
          if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r')
            throw malformed(
              'text after the closing quote of a quoted field (write a quote inside a quoted field as "")',
            );
        }
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (c === '"') {
      throw malformed(
        'a quote inside an unquoted field (quote the whole field and write the quote as "")',
      );
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new RegistryFileError(rowLine, 'a quoted field is not closed');
  if (field !== '' || fields.length || fieldStarted) endRow();
  return rows;
}

export function parseRegistryCsv(text: string): RegistryFileContent {
  const rows = parseCsvRows(text);
  if (rows.length === 0) throw new RegistryFileError(null, 'the CSV file is empty');
  const [header, ...data] = rows;
  const columns = header.fields.map((name) => name.trim());
  const known = REGISTRY_FIELDS as readonly string[];
  const unknown = columns.filter((c) => !known.includes(c));
  if (unknown.length)
    throw new RegistryFileError(
      header.line,
      `unknown column(s) ${unknown.join(', ')} (expected ${REGISTRY_FIELDS.join(', ')})`,
    );
  const missing = REGISTRY_FIELDS.filter(
    (f) => !columns.includes(f) && !OPTIONAL_REGISTRY_FIELDS.includes(f),
  );
  if (missing.length)
    throw new RegistryFileError(header.line, `missing column(s) ${missing.join(', ')}`);
  const duplicated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (duplicated.length)
    throw new RegistryFileError(header.line, `duplicate column(s) ${duplicated.join(', ')}`);

  const records: unknown[] = [];
  const lines: number[] = [];
  for (const row of data) {
    lines.push(row.line);
    if (row.fields.length !== columns.length) {
      // Reported as a record problem by the importer, so the other rows still go in.
      records.push(new CsvShapeProblem(columns.length, row.fields.length));
      continue;
    }
    const record: Record<string, string> = {};
    columns.forEach((column, i) => (record[column] = row.fields[i]));
    records.push(record);
  }
  return { format: 'csv', records, lines };
}

/** A CSV row with the wrong number of fields (recognised by the importer). */
export class CsvShapeProblem {
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {}
  get message(): string {
    return `expected ${this.expected} fields as in the header, got ${this.got}`;
  }
}

/** Writes records as CSV with a header row (flags joined with |), the import format. */
export function toRegistryCsv(records: RegistryRecord[]): string {
  const quote = (value: string) =>
    /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  const lines = [REGISTRY_FIELDS.join(',')];
  for (const r of records) {
    lines.push(
      REGISTRY_FIELDS.map((f) => {
        const v = r[f];
        return quote(Array.isArray(v) ? v.join('|') : String(v));
      }).join(','),
    );
  }
  return lines.join('\n') + '\n';
}
