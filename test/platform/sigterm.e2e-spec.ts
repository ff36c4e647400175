import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authHeaders } from '../support/auth';
import { createTestDatabase } from '../support/database';
import { freePort } from '../support/private-servers';
import { createTestQueuePrefix, testRedisEnv } from '../support/redis';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

function get(
  url: string,
  agent: Agent,
  headers: Record<string, string> = {},
): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A real node process gets SIGTERM while busy keep-alive clients use it: readiness turns 503 while
 * the listener is still open, the busy connections are told to close, and the process exits by
 * itself, in time, with code 0.
 */
describe('platform: SIGTERM on a node process (e2e)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let queues: ReturnType<typeof createTestQueuePrefix>;
  let keys: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    db = await createTestDatabase('sigterm');
    queues = createTestQueuePrefix('sigterm');
    keys = mkdtempSync(join(tmpdir(), 'keys-'));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await db?.drop();
    await queues?.cleanup();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });

  it('drains and exits on SIGTERM', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      ['-r', './test/support/ts-register.js', './test/platform/support/node-process.ts'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: String(port),
          DATABASE_URL: db.url,
          ...testRedisEnv(),
          QUEUE_PREFIX: queues.prefix,
          KEYRING_DIR: keys,
          LOG_LEVEL: 'info',
          RECONCILE_INTERVAL_MS: '0',
          STATS_PUBLISH_INTERVAL_MS: '0',
          DRAIN_DELAY_MS: '1500',
          DRAIN_CONNECTIONS_MS: '3000',
          SHUTDOWN_TIMEOUT_MS: '15000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
    await waitFor('the node process to start', () => output.includes('READY '), Boolean, {
      timeoutMs: 90_000,
      intervalMs: 200,
    });
    const fresh = () => new Agent({ keepAlive: false });
    expect((await get(`${url}/health/ready`, fresh())).status).toBe(200);

    // Busy keep-alive clients.
    const headers = authHeaders({ role: 'clerk', point: '330402-01', subject: 'sigterm-load' });
    let stop = false;
    const seen: { status: number; connection?: string }[][] = [[], [], []];
    const clients = seen.map(async (answers) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (!stop) {
          const answer = await get(`${url}/api/v1/applications`, agent, headers);
          answers.push(answer);
          if (answer.status === 503) return;
        }
      } catch {
        // the listener closed: this client's node is gone
      } finally {
        agent.destroy();
      }
    });
    await waitFor('the clients to be served', () => seen.every((a) => a.length > 2));

    child.kill('SIGTERM');
    const ready = await waitFor(
      'readiness to turn 503',
      () => get(`${url}/health/ready`, fresh()),
      (r) => r.status === 503,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(ready.status).toBe(503); // answered: the listener was still open

    expect(await exited).toBe(0);
    stop = true;
    await Promise.all(clients);
    for (const answers of seen) expect(answers.some((a) => a.connection === 'close')).toBe(true);
    expect(output).toMatch(/SIGTERM: draining/);
    expect(output).toMatch(/"msg":"drained"/);
  }, 120_000);
});
