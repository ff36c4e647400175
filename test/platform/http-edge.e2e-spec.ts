import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { DataSource } from 'typeorm';
import { DEV_JWT_SECRET, jwtKeyFrom, signJwt } from '@app/platform';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { importRegistryRecords } from '../../apps/verification/src';
import { verificationFeature } from '../../apps/verification/src/verification.feature';
import { authHeaders } from '../support/auth';
import { serversOf, testRedis } from '../support/redis';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient } from '../intake/support/client';
import { anApplication, aPerson, registryRecordOf } from '../intake/support/factories';

/**
 * What every request goes through (request id, access log, metrics, security headers, keep-alive
 * timeouts) and tokens from a JWKS URL that rotates its keys while the node runs.
 */
describe('platform: HTTP edge and tokens (e2e)', () => {
  let sys: TestSystem;
  let clerk: ClerkClient;
  let jwks: { url: string; close(): Promise<void> };
  let served: unknown[] = [];
  const lines: Record<string, unknown>[] = [];
  let spy: jest.SpyInstance;
  const rsaOld = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const edNew = generateKeyPairSync('ed25519');

  beforeAll(async () => {
    jwks = await jwksServer(() => ({ keys: served }));
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      for (const line of String(chunk).split('\n'))
        if (line.startsWith('{')) lines.push(JSON.parse(line));
      return true;
    });
    sys = await startTestSystem([intakeFeature, verificationFeature], {
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '20',
      JWT_SECRET: DEV_JWT_SECRET,
      JWT_JWKS_URL: jwks.url,
      JWT_JWKS_COOLDOWN_MS: '0',
      RECONCILE_INTERVAL_MS: '0',
    });
    clerk = new ClerkClient(sys.url);
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
    spy?.mockRestore();
    await jwks?.close();
  });

  const accessLines = (requestId: string) =>
    lines.filter((l) => l.context === 'AccessLog' && l.requestId === requestId);

  it('echoes a well-formed X-Request-Id, replaces junk and makes one when absent', async () => {
    const mine = `req-${randomUUID()}`;
    const echoed = await fetch(`${sys.url}/health/live`, { headers: { 'x-request-id': mine } });
    expect(echoed.headers.get('x-request-id')).toBe(mine);
    for (const junk of ['<script>alert(1)</script>', 'short', 'x'.repeat(200), 'a b c d e f g']) {
      const res = await fetch(`${sys.url}/health/live`, { headers: { 'x-request-id': junk } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const none = await fetch(`${sys.url}/health/live`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes one access-log line per request, refused ones included, and counts them', async () => {
    const asClerk = authHeaders({ role: 'clerk', point: '330402-01', subject: 'edge-clerk' });
    const cases: [string, Record<string, string>, number, string, string | null][] = [
      ['/api/v1/no-such-route/00000000-0000-4000-8000-000000000000', {}, 404, 'unmatched', null],
      ['/api/v1/applications', {}, 401, '/api/v1/applications', null],
      [
        '/api/v1/applications/00000000-0000-4000-8000-000000000000',
        asClerk,
        404,
        '/api/v1/applications/:id',
        'edge-clerk',
      ],
      [
        '/api/v1/audit/cases/00000000-0000-4000-8000-000000000000/timeline',
        asClerk,
        403,
        '/api/v1/audit/cases/:id/timeline',
        'edge-clerk',
      ],
    ];
    for (const [path, headers, status, route, subject] of cases) {
      const requestId = `edge-${randomUUID()}`;
      const res = await fetch(`${sys.url}${path}`, {
        headers: { ...headers, 'x-request-id': requestId },
      });
      expect(res.status).toBe(status);
      const logged = await waitFor(
        'the access-log line',
        () => accessLines(requestId),
        (l) => l.length > 0,
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 'info', method: 'GET', status, route, subject });
      expect(typeof logged[0].durationMs).toBe('number');
      // the raw URL (with its ids) is never the route
      expect(String(logged[0].route)).not.toContain('00000000-0000');
    }
    // 429: a subject over its rate
    const hurried = authHeaders({ role: 'reviewer', province: '33', subject: 'edge-hurried' });
    let last = 0;
    for (let i = 0; i < 25 && last !== 429; i++)
      last = (await fetch(`${sys.url}/api/v1/applications`, { headers: hurried })).status;
    expect(last).toBe(429);
    const limited = lines.filter((l) => l.context === 'AccessLog' && l.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0].subject).toBe('edge-hurried');

    const metrics = await (await fetch(`${sys.url}/metrics`)).text();
    for (const status of ['401', '403', '404', '429'])
      expect(metrics).toMatch(
        new RegExp(`^idcard_http_refused_total\\{[^}]*status="${status}"[^}]*\\} [1-9]`, 'm'),
      );
    expect(metrics).toMatch(/^idcard_http_refused_total\{[^}]*route="unmatched"/m);
  });

  it('exposes the standard process and Node metrics, and promtool finds no problem', async () => {
    const text = await (await fetch(`${sys.url}/metrics`)).text();
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toMatch(/idcard_process_|idcard_nodejs_/);
    const promtool = spawnSync('promtool', ['--version']);
    if (promtool.error) {
      console.warn('promtool is not installed here: the metrics lint is skipped (CI installs it)');
      return;
    }
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, problems: `${check.stdout}${check.stderr}` }).toEqual({
      status: 0,
      problems: '',
    });
  });

  it('sends security headers, no X-Powered-By, and no-store on the API', async () => {
    const api = await fetch(`${sys.url}/api/v1/applications`, {
      headers: authHeaders({ role: 'clerk', point: '330402-01' }),
    });
    expect(api.status).toBe(200);
    expect(api.headers.get('cache-control')).toBe('no-store');
    for (const path of ['/api/v1/applications', '/health/ready', '/api/docs', '/nowhere']) {
      const res = await fetch(`${sys.url}${path}`);
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    }
    // Swagger UI's page loads only its own scripts and styles
    const docs = await (await fetch(`${sys.url}/api/docs`)).text();
    for (const src of docs.match(/(?:src|href)="([^"]+)"/g) ?? [])
      expect(src).not.toMatch(/https?:\/\//);
  });

  it('asks Redis over one kept connection, not a new one per readiness probe', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${sys.url}/health/ready`)).status).toBe(200);
    // One connection per server: one for a single Redis, at most one per master of a cluster.
    const redis = testRedis();
    try {
      const perServer = await Promise.all(
        (await serversOf(redis)).map(
          async (server) =>
            String(await server.client('LIST'))
              .split('\n')
              .filter((line) => line.includes(` name=${sys.queuePrefix}:readiness `)).length,
        ),
      );
      expect(perServer.filter((n) => n > 0).length).toBeGreaterThan(0);
      expect(perServer.every((n) => n <= 1)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('keeps idle connections longer than load balancers do', () => {
    const server = sys.node.app.getHttpServer() as HttpServer;
    expect(server.keepAliveTimeout).toBe(65_000);
    expect(server.headersTimeout).toBe(66_000);
  });

  it('carries the request id to the messages the request causes, across services', async () => {
    const ds = sys.node.app.get(DataSource);
    const person = aPerson();
    await importRegistryRecords(ds, [registryRecordOf(person)]);
    const requestId = `apply-${randomUUID()}`;
    const res = await clerk.request(
      'POST',
      '/api/v1/applications',
      anApplication(person, await clerk.photoId()).build(),
      { 'idempotency-key': randomUUID(), 'x-request-id': requestId },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const caseId = String(res.body.id);
    const request = await waitFor(
      'the review request in the intake outbox',
      () =>
        ds.query(
          `SELECT envelope FROM intake.outbox WHERE case_id = $1 AND type = 'review.requested'`,
          [caseId],
        ),
      (rows: { envelope: { requestId?: string } }[]) => rows.length === 1,
    );
    expect(request[0].envelope.requestId).toBe(requestId);
    const reply = await waitFor(
      'the decision in the verification outbox',
      () => ds.query(`SELECT envelope FROM verification.outbox WHERE case_id = $1`, [caseId]),
      (rows: { envelope: { requestId?: string } }[]) => rows.length > 0,
    );
    expect(reply[0].envelope.requestId).toBe(requestId);
    const logged = accessLines(requestId);
    expect(logged).toContainEqual(
      expect.objectContaining({ method: 'POST', route: '/api/v1/applications', status: 201 }),
    );
    expect(logged.find((l) => l.status === 201)?.subject).toBe('clerk-330402-01');
  });

  it('refuses a token whose scope.province is not a province', async () => {
    const res = await fetch(`${sys.url}/api/v1/applications`, {
      headers: authHeaders({ role: 'reviewer', province: '99' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /scope.province must be a province code.*99/,
    );
  });

  it('follows the JWKS URL through a key rotation without restart', async () => {
    const claims = () => ({
      iss: 'idcard-dev',
      aud: 'idcard-api',
      sub: 'idp-user',
      exp: Math.floor(Date.now() / 1000) + 600,
      role: 'clerk',
      scope: { province: '33', point: '330402-01' },
    });
    const token = (key: KeyObject, kid: string) =>
      signJwt(claims(), jwtKeyFrom(pem(key), 'sign'), kid);
    const call = (t: string) =>
      fetch(`${sys.url}/api/v1/applications`, { headers: { authorization: `Bearer ${t}` } });
    served = [jwk(rsaOld.publicKey, 'idp-1')];
    expect((await call(token(rsaOld.privateKey, 'idp-1'))).status).toBe(200);
    const refused = await call(token(edNew.privateKey, 'idp-2'));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toMatch(
      /no configured key matches/,
    );
    served = [jwk(rsaOld.publicKey, 'idp-1'), jwk(edNew.publicKey, 'idp-2')];
    expect((await call(token(edNew.privateKey, 'idp-2'))).status).toBe(200);
    // alg confusion: HS256 keyed with the provider's public key is still refused
    const confused = signJwt(claims(), { alg: 'HS256', key: Buffer.from(pem(rsaOld.publicKey)) });
    expect((await call(confused)).status).toBe(401);
  });
});

const pem = (k: KeyObject) =>
  String(
    k.type === 'private'
      ? k.export({ type: 'pkcs8', format: 'pem' })
      : k.export({ type: 'spki', format: 'pem' }),
  );
const jwk = (k: KeyObject, kid: string) => ({ ...k.export({ format: 'jwk' }), kid });

async function jwksServer(keys: () => unknown) {
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(keys()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
