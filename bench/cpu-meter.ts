/**
 * CPU time spent by the parts of a run, read from the operating system (Linux /proc): a node
 * process, the PostgreSQL backends serving one database, and the Redis server. Unlike wall-clock
 * rates, CPU time per case hardly changes when other work shares the machine, so the ratio of the
 * system's CPU per case to the baseline's CPU per flow is the figure to quote from a busy machine.
 * Where /proc is missing (not Linux) or the servers are not local, nothing is measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import IORedis from 'ioredis';
import { Client } from 'pg';

/** CPU milliseconds by part. */
export interface CpuSpent {
  node: number;
  postgres: number;
  redis: number;
  total: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

function ticksOf(pid: number): number | null {
  try {
    // Fields after the command (which may hold spaces) start after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}

interface Snapshot {
  node: number;
  backends: Map<number, number>;
  redis: number;
}

export interface CpuMeterTarget {
  /** The node process measured: a child's pid, or 'self' (this process). */
  node: number | 'self';
  /** The database whose backends are measured. */
  database: string;
}

export class CpuMeter {
  private constructor(
    private readonly pg: Client,
    private readonly redisPid: number | null,
  ) {}

  /** null when CPU cannot be read here (no /proc, or PostgreSQL or Redis not on this host). */
  static async open(pgUrl: string, redisUrl: string): Promise<CpuMeter | null> {
    if (!existsSync('/proc/self/stat')) return null;
    const local = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(host);
    if (!local(new URL(pgUrl).hostname) || !local(new URL(redisUrl).hostname)) return null;
    const pg = new Client({ connectionString: pgUrl });
    await pg.connect();
    const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const info = await redis.info('server');
      const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
      return new CpuMeter(pg, Number.isFinite(pid) && ticksOf(pid) !== null ? pid : null);
    } finally {
      redis.disconnect();
    }
  }

  async close(): Promise<void> {
    await this.pg.end();
  }

  /** Starts measuring; the returned function gives what was spent since. */
  async start(target: CpuMeterTarget): Promise<() => Promise<CpuSpent>> {
    const before = await this.snapshot(target);
    return async () => {
      const after = await this.snapshot(target);
      // A backend that appeared during the phase spent all its time in it.
      let postgres = 0;
      for (const [pid, ticks] of after.backends)
        postgres += ticks - (before.backends.get(pid) ?? 0);
      const ms = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
      const spent = {
        node: after.node - before.node,
        postgres: ms(postgres),
        redis: ms(after.redis - before.redis),
      };
      return { ...spent, total: spent.node + spent.postgres + spent.redis };
    };
  }

  private async snapshot(target: CpuMeterTarget): Promise<Snapshot> {
    const { rows } = await this.pg.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1`,
      [target.database],
    );
    const backends = new Map<number, number>();
    for (const { pid } of rows) {
      const ticks = ticksOf(pid);
      if (ticks !== null) backends.set(pid, ticks);
    }
    let node: number;
    if (target.node === 'self') {
      const { user, system } = process.cpuUsage();
      node = (user + system) / 1000;
    } else {
      node = ((ticksOf(target.node) ?? 0) * 1000) / TICKS_PER_SECOND;
    }
    const redis = this.redisPid === null ? 0 : (ticksOf(this.redisPid) ?? 0);
    return { node, backends, redis };
  }
}
