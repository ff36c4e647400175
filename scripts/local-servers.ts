/**
 * Private PostgreSQL servers and a private Redis Cluster on free ports of this machine, for the
 * national demo and the tests that need servers of their own (never the shared 5432 / 6379).
 * PostgreSQL comes from the Debian packages (`initdb` and `pg_ctl` in /usr/lib/postgresql/<v>/bin),
 * Redis from `redis-server` and `redis-cli` on PATH.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls until `probe` is true or the time is up (then throws, naming what was awaited). */
export async function until(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort(
    (a, b) => Number.parseFloat(a) - Number.parseFloat(b),
  );
  return join('/usr/lib/postgresql', versions[versions.length - 1], 'bin', name);
}

/** As root (CI, development containers) PostgreSQL must run as the postgres user. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]]
    : [cmd, args];
}

/** A PostgreSQL server of its own (initdb + pg_ctl) in a temporary folder, on a free port. */
export class LocalPostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<LocalPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'pg-'));
    chmodSync(dir, 0o777);
    const [cmd, args] = asPostgres(pgBin('initdb'), [
      '-D',
      join(dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    execFileSync(cmd, args, { stdio: 'ignore' });
    const pg = new LocalPostgres(await freePort(), dir);
    await pg.up();
    return pg;
  }

  /** The URL of a database on this server (created by the node that uses it). */
  url(database = 'idcard'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private ctl(action: 'start' | 'stop', extra: string[] = []): void {
    const [cmd, args] = asPostgres(pgBin('pg_ctl'), [
      '-D',
      join(this.dir, 'data'),
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      '-l',
      join(this.dir, 'log'),
      '-w',
      action,
      ...extra,
    ]);
    execFileSync(cmd, args, { stdio: 'ignore' });
  }

  async up(): Promise<void> {
    this.ctl('start');
  }

  async down(): Promise<void> {
    this.ctl('stop', ['-m', 'immediate']);
  }

  async destroy(): Promise<void> {
    await this.down().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of three masters (no replicas), each node in its own folder, created with
 * `redis-cli --cluster create`. `endpoint` is the backbone's `redis-cluster://host:port,…` form and
 * `nodes` the `REDIS_CLUSTER_NODES` value.
 */
export class LocalRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly dir: string,
    private readonly processes: ChildProcess[],
  ) {}

  static async start(masters = 3): Promise<LocalRedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const ports: number[] = [];
    const processes: ChildProcess[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      const busPort = await freePort();
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const args = [
        ['--port', String(port)],
        ['--cluster-port', String(busPort)],
        ['--bind', '127.0.0.1'],
        ['--cluster-enabled', 'yes'],
        ['--cluster-config-file', join(nodeDir, 'nodes.conf')],
        ['--dir', nodeDir],
        ['--save', ''],
        ['--appendonly', 'no'],
      ].flat();
      processes.push(spawn('redis-server', args, { stdio: 'ignore' }));
      ports.push(port);
    }
    const cluster = new LocalRedisCluster(ports, dir, processes);
    try {
      for (const port of ports) await until(`Redis node on ${port}`, () => listening(port));
      execFileSync(
        'redis-cli',
        ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'],
        { stdio: 'ignore' },
      );
      await until('cluster_state:ok on every node', () =>
        ports.every((p) => /cluster_state:ok/.test(clusterInfo(p))),
      );
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  get endpoint(): string {
    return `redis-cluster://${this.nodes}`;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map(async (proc) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function clusterInfo(port: number): string {
  try {
    return execFileSync('redis-cli', ['-p', String(port), 'cluster', 'info'], {
      encoding: 'utf8',
    });
  } catch {
    return '';
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
