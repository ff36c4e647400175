import { LoggerService } from '@nestjs/common';
import { currentRequestId } from '@app/messaging';

/**
 * Structured JSON logger with redaction. Logs carry case and message ids but never a full citizen
 * ID number, a name, an address, a phone number or image bytes: known personal fields are replaced
 * by a marker, and anything shaped like an 18-digit ID number or an 11-digit mobile number is masked
 * wherever it appears in a string.
 */
const PERSONAL_KEYS = new Set([
  'idnumber',
  'name',
  'address',
  'hukouaddress',
  'phone',
  'mobile',
  'photo',
  'image',
  'bytes',
  'fingerprints',
  'guardian',
  'postaladdress',
]);

const ID_NUMBER = /\b(\d{6})\d{8}(\d{3}[\dXx])\b/g;
const MOBILE = /\b(1\d{2})\d{4}(\d{4})\b/g;

export function redactString(value: string): string {
  return value.replace(ID_NUMBER, '$1********$2').replace(MOBILE, '$1****$2');
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[…]';
  if (typeof value === 'string') return redactString(value);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { error: value.name, message: redactString(value.message) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = PERSONAL_KEYS.has(key.toLowerCase()) ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: Level = 'info',
    private readonly format: 'json' | 'pretty' = 'json',
    private readonly out: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }

  private write(level: Level, message: unknown, rest: unknown[]) {
    if (ORDER[level] < ORDER[this.level]) return;
    // Nest passes the context (class name) as the last string argument.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    for (const extra of rest) {
      if (extra && typeof extra === 'object' && !(extra instanceof Error))
        Object.assign(fields, extra);
      else if (typeof extra === 'string') fields.stack = extra;
      else if (extra instanceof Error) fields.err = extra;
    }
    const msg =
      typeof message === 'string'
        ? message
        : message instanceof Error
          ? message.message
          : JSON.stringify(message);
    // Every line written while handling a request (or a message it caused) names that request.
    const requestId = currentRequestId();
    const record = redact({
      time: new Date().toISOString(),
      level,
      context,
      msg,
      ...(requestId ? { requestId } : {}),
      ...fields,
    }) as Record<string, unknown>;
    if (this.format === 'pretty') {
      const { time, level: lv, context: ctx, msg: m, ...more } = record;
      const extras = Object.keys(more).length ? ' ' + JSON.stringify(more) : '';
      this.out(
        `${String(time).slice(11, 23)} ${String(lv).toUpperCase().padEnd(5)} [${ctx ?? '-'}] ${m}${extras}`,
      );
    } else {
      this.out(JSON.stringify(record));
    }
  }
}
