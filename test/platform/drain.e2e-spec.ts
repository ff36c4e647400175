import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { importRegistryRecords } from '../../apps/verification/src';
import { verificationFeature } from '../../apps/verification/src/verification.feature';
import { authHeaders } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient } from '../intake/support/client';
import { anApplication, aPerson, registryRecordOf } from '../intake/support/factories';

interface Answer {
  status: number;
  connection?: string;
  body: string;
}

/** One GET or POST over the given agent (keep-alive connections we can watch). */
function call(
  url: string,
  agent: Agent,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        agent,
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * SIGTERM's drain on a node under load from busy keep-alive clients: readiness is 503 at once
 * (while the listener is still open), requests are served with `Connection: close` during the
 * window and refused after it, every connection (busy or idle) ends, the workers and relays
 * finish what in-flight work committed, and the drain ends within its bound.
 */
describe('platform: drain on SIGTERM (e2e)', () => {
  let sys: TestSystem;
  let clerk: ClerkClient;

  beforeAll(async () => {
    sys = await startTestSystem([intakeFeature, verificationFeature], {
      DRAIN_DELAY_MS: '1500',
      DRAIN_CONNECTIONS_MS: '4000',
      SHUTDOWN_TIMEOUT_MS: '20000',
      RECONCILE_INTERVAL_MS: '0',
      RATE_LIMIT_PER_MINUTE: '100000',
    });
    clerk = new ClerkClient(sys.url);
  }, 60_000);

  afterAll(async () => {
    await sys?.close();
  });

  it('answers 503 on readiness first, then closes busy and idle connections and exits the drain', async () => {
    const ds = sys.node.app.get(DataSource);
    const server = sys.node.app.getHttpServer() as Server;
    const headers = authHeaders({ role: 'clerk', point: '330402-01', subject: 'drain-load' });
    const people = Array.from({ length: 3 }, () => aPerson());
    await importRegistryRecords(
      ds,
      people.map((p) => registryRecordOf(p)),
    );
    const bodies = await Promise.all(
      people.map(async (p) => anApplication(p, await clerk.photoId()).build()),
    );

    // Busy keep-alive clients: one connection each, a request as soon as the last one answered.
    let stop = false;
    const agents = Array.from({ length: 4 }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
    const seen: Answer[][] = agents.map(() => []);
    const errors: string[] = [];
    const clients = agents.map(async (agent, i) => {
      while (!stop) {
        try {
          const answer = await call(sys.url, agent, '/api/v1/applications', headers);
          seen[i].push(answer);
          if (answer.status === 503) return;
        } catch (error) {
          errors.push((error as NodeJS.ErrnoException).code ?? String(error));
          return;
        }
      }
    });
    // An idle keep-alive connection, left open.
    const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect((await call(sys.url, idleAgent, '/health/live', {})).status).toBe(200);
    const idleSockets = Object.values(idleAgent.freeSockets).flat();
    expect(idleSockets).toHaveLength(1);
    const idleClosed = new Promise((resolve) => idleSockets[0]!.once('close', resolve));
    await waitFor('the busy clients to be served', () => seen.every((s) => s.length > 2));

    const drained = sys.node.drain('SIGTERM (test)');
    const fresh = () => new Agent({ keepAlive: false });
    const ready = await call(sys.url, fresh(), '/health/ready', {});
    expect(server.listening).toBe(true); // readiness fails before the listener closes
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).details).toContainEqual({
      field: 'node',
      rule: 'dependency.up',
      message: expect.stringMatching(/^node: down: draining/),
    });

    // Inside the window, work is still accepted (the balancer has not noticed yet), with
    // Connection: close so the client moves on; what it commits is published.
    const accepted = await call(
      sys.url,
      fresh(),
      '/api/v1/applications',
      {
        ...headers,
        'idempotency-key': randomUUID(),
      },
      bodies[0],
    );
    expect(accepted.status).toBe(201);
    expect(accepted.connection).toBe('close');
    const caseId = JSON.parse(accepted.body).id as string;

    await drained;
    stop = true;
    await Promise.all(clients);
    await idleClosed;
    expect(server.listening).toBe(false);
    // Every busy client was told to close its connection, and ended: refused (503) or
    // reconnecting to a closed listener.
    for (const answers of seen) expect(answers.some((a) => a.connection === 'close')).toBe(true);
    expect(
      seen.every((answers) => answers[answers.length - 1]?.status === 503) || errors.length > 0,
    ).toBe(true);
    for (const code of errors) expect(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']).toContain(code);

    // The relays published what the drain's last requests and jobs committed.
    const pg = new Client({ connectionString: sys.databaseUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query(
        `SELECT count(*)::int AS n, count(sent_at)::int AS sent FROM intake.outbox WHERE case_id = $1`,
        [caseId],
      );
      expect(rows[0].n).toBeGreaterThan(0);
      expect(rows[0].sent).toBe(rows[0].n);
    } finally {
      await pg.end();
    }
    for (const agent of [...agents, idleAgent]) agent.destroy();
  });
});
