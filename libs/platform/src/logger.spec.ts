import { requestContext } from '@app/messaging';
import { JsonLogger, redact } from './logger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from './config';

describe('request id on log lines', () => {
  it('names the request the work belongs to, and nothing outside one', async () => {
    const lines: string[] = [];
    const logger = new JsonLogger('info', 'json', (line) => lines.push(line));
    await requestContext.run({ requestId: 'req-12345678' }, async () => {
      await Promise.resolve();
      logger.log('inside', 'Test');
    });
    logger.log('outside', 'Test');
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'inside', requestId: 'req-12345678' });
    expect(JSON.parse(lines[1]).requestId).toBeUndefined();
  });
});

describe('redacting logger', () => {
  it('never writes an ID number, name, address, phone or image bytes', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('debug', 'json', (l) => lines.push(l));
    logger.log(
      'applicant 33040220080101123X called from 13812345678',
      {
        caseId: 'c1',
        name: '张三',
        hukouAddress: '浙江省嘉兴市南湖区',
        applicant: { idNumber: '33040220080101123X', phone: '13812345678' },
        photo: Buffer.from('jpeg bytes'),
      },
      'Test',
    );
    const out = lines.join('\n');
    expect(out).not.toMatch(/33040220080101123X|20080101|张三|南湖区|13812345678|jpeg bytes/);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      context: 'Test',
      caseId: 'c1',
      name: '[redacted]',
    });
    expect(out).toContain('330402********123X');
  });

  it('masks buffers and errors', () => {
    expect(redact(Buffer.alloc(10))).toBe('[10 bytes]');
    expect(redact(new Error('bad 33040220080101123X'))).toEqual({
      error: 'Error',
      message: 'bad 330402********123X',
    });
  });
});

describe('config', () => {
  it('.env.example names every variable', () => {
    const example = readFileSync(join(__dirname, '../../../.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(CONFIG_VARIABLES.filter((name) => !listed.has(name))).toEqual([]);
  });

  it('names the wrong variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: Expected number/);
    expect(() => loadConfig({ PROVINCES: '31,3x' })).toThrow(
      /PROVINCES: "3x" is not a 2-digit province code/,
    );
  });
  it('requires a token key in production and never autogenerates keys there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET, JWT_PUBLIC_KEY_FILE, JWT_JWKS_URL or JWT_JWKS_FILE must be set in production/,
    );
    expect(() =>
      loadConfig({ NODE_ENV: 'production', JWT_JWKS_URL: 'http://idp.example/jwks.json' }),
    ).toThrow(/JWT_JWKS_URL: must be https in production/);
    expect(() =>
      loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '70000', HTTP_HEADERS_TIMEOUT_MS: '66000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS: must be greater/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) });
    expect(config.KEYRING_AUTOGENERATE).toBe(false);
    expect(loadConfig({}).JWT_SECRET).toMatch(/development-only/);
  });
});
