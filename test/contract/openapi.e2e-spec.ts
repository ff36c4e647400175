import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_FEATURES } from '../../apps/all-in-one/src/features';
import { authHeaders } from '../support/auth';
import type { OpenApiDocument } from '../support/openapi-contract';
import { startTestSystem, TestSystem } from '../support/system';

/**
 * The OpenAPI document as client apps use it: served whole by an all-in-one node, linted by
 * `redocly lint` (redocly.yaml), turned into a typed client by openapi-typescript that a small
 * clerk app (test/contract/client) compiles against with tsc and then runs against the node.
 * (Every response of every e2e suite is checked against the document by test/support/openapi-contract.ts.)
 */
const ROOT = join(__dirname, '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** Runs a tool without blocking this process (the node under test answers from it). */
function run(
  command: string,
  args: string[],
  cwd = ROOT,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: 'utf8', timeout: 150_000 }, (error, stdout, stderr) =>
      resolve({
        status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
        output: `${stdout}${stderr}${error && typeof error.code !== 'number' ? error.message : ''}`,
      }),
    );
  });
}

type Operation = {
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<
    string,
    { $ref?: string; content?: Record<string, { schema?: Record<string, unknown> }> } & {
      headers?: Record<string, unknown>;
    }
  >;
};

describe('the OpenAPI document (contract)', () => {
  let sys: TestSystem;
  let doc: OpenApiDocument & { paths: Record<string, Record<string, Operation>> };
  let work: string;

  beforeAll(async () => {
    sys = await startTestSystem(ALL_FEATURES, { RECONCILE_INTERVAL_MS: '0' });
    doc = (await (await fetch(`${sys.url}/api/docs-json`)).json()) as typeof doc;
    // Under node_modules so that the generated client resolves openapi-fetch and @types/node.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    work = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'openapi-client-'));
    writeFileSync(join(work, 'openapi.json'), JSON.stringify(doc, null, 2));
  });
  afterAll(async () => {
    await sys?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );

  it('declares a success schema, the shared error body and the platform answers on every operation', () => {
    const problems: string[] = [];
    for (const { name, op } of operations()) {
      const success = Object.entries(op.responses).filter(([s]) => /^2\d\d$/.test(s));
      if (!success.length) problems.push(`${name}: no 2xx response`);
      for (const [status, response] of success) {
        if (status === '204') continue;
        const media = Object.values(response.content ?? {});
        if (!media.length || !media.every((m) => m.schema))
          problems.push(`${name}: ${status} has no schema`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const schema = response.content?.['application/json']?.schema;
        if (schema?.$ref !== '#/components/schemas/ErrorBodyView')
          problems.push(`${name}: ${status} is not the shared error body`);
        if ((status === '429' || status === '503') && !response.headers?.['Retry-After'])
          problems.push(`${name}: ${status} does not declare Retry-After`);
      }
      for (const response of Object.values(op.responses))
        if (!response.headers?.['X-Request-Id']) problems.push(`${name}: X-Request-Id missing`);
      const statuses = Object.keys(op.responses);
      const expected = op.security?.length ? ['401', '403', '429', '500', '503'] : ['500', '503'];
      if (op.requestBody) expected.push('400', '413');
      for (const status of expected)
        if (!statuses.includes(status)) problems.push(`${name}: ${status} not declared`);
    }
    expect(problems).toEqual([]);
  });

  it('says security: [] on the public routes only (health, metrics)', () => {
    const open = operations()
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ name }) => name)
      .sort();
    expect(open).toEqual(['GET /health/live', 'GET /health/ready', 'GET /metrics']);
  });

  it('declares Idempotent-Replayed on the created application', () => {
    const created = doc.paths['/api/v1/applications'].post.responses['201'];
    expect(Object.keys(created.headers ?? {})).toContain('Idempotent-Replayed');
  });

  it('has no untyped object or nullable without a type in any schema', () => {
    const problems: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      const s = node as Record<string, unknown>;
      if (s.nullable === true && s.type === undefined)
        problems.push(`${at}: nullable without type`);
      if (
        s.type === 'object' &&
        s.properties === undefined &&
        s.additionalProperties === undefined &&
        s.allOf === undefined
      )
        problems.push(`${at}: object without properties`);
      for (const [key, value] of Object.entries(s)) walk(value, `${at}/${key}`);
    };
    walk(doc.components?.schemas, '#/components/schemas');
    walk(doc.paths, '#/paths');
    expect(problems).toEqual([]);
  });

  it('passes redocly lint with no errors (redocly.yaml)', async () => {
    const lint = await run(bin('redocly'), [
      'lint',
      join(work, 'openapi.json'),
      '--config',
      join(ROOT, 'redocly.yaml'),
      '--format',
      'stylish',
    ]);
    expect({ status: lint.status, output: lint.status === 0 ? '' : lint.output }).toEqual({
      status: 0,
      output: '',
    });
  }, 180_000);

  it('generates a typed client that a clerk app compiles against and runs with', async () => {
    const generate = await run(bin('openapi-typescript'), [
      join(work, 'openapi.json'),
      '--output',
      join(work, 'api.d.ts'),
    ]);
    expect({
      status: generate.status,
      output: generate.status === 0 ? '' : generate.output,
    }).toEqual({ status: 0, output: '' });
    copyFileSync(join(__dirname, 'client', 'clerk-app.mts'), join(work, 'clerk-app.mts'));
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          outDir: 'out',
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: ['node'],
        },
        files: ['clerk-app.mts'],
      }),
    );
    const compiled = await run(bin('tsc'), ['-p', join(work, 'tsconfig.json')]);
    expect({ status: compiled.status, output: compiled.output }).toEqual({ status: 0, output: '' });

    // The compiled program runs against the node, as a clerk app would.
    const token = authHeaders({ role: 'clerk', point: '330402-01' }).authorization.slice(7);
    const ran = await run(
      process.execPath,
      [join(work, 'out', 'clerk-app.mjs'), sys.url, token],
      work,
    );
    expect({ status: ran.status, output: ran.status === 0 ? '' : ran.output }).toEqual({
      status: 0,
      output: '',
    });
    const result = JSON.parse(ran.output.trim().split('\n').pop() as string);
    expect(result).toEqual({
      live: 'ok',
      eligible: true,
      rule: expect.any(String),
      badRoute: '400 Bad Request (residence: matches)',
      cases: [],
      unknownCase: '404 Not Found',
    });
  }, 400_000);
});
