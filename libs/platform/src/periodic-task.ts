import type { Logger } from '@nestjs/common';

/**
 * Work a node does on a timer (the reconciler's sweeps, statistics snapshots): never two runs at
 * once (a tick while one runs is skipped), a failed run is logged and the next one retries, the
 * timer does not keep the process alive, and `stop()` waits for a run in progress so that shutdown
 * never cuts one in half.
 */
export class PeriodicTask<T> {
  private timer?: NodeJS.Timeout;
  private running?: Promise<T>;
  private stopped = false;

  constructor(
    /** What a run does, for the log ("reconcile run", "statistics snapshot"). */
    private readonly what: string,
    private readonly logger: Logger,
    private readonly run: () => Promise<T>,
  ) {}

  /** Runs every `everyMs` (0 or less: never), and once at once when `immediately`. */
  start(everyMs: number, opts: { immediately?: boolean } = {}): void {
    if (everyMs <= 0 || this.stopped) return;
    if (opts.immediately) setImmediate(() => void this.tick());
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  /** One run now (or `run` given here), awaited by `stop()` like a timed one. */
  async once(run: () => Promise<T> = this.run): Promise<T> {
    const current = run();
    this.running = current;
    try {
      return await current;
    } finally {
      if (this.running === current) this.running = undefined;
    }
  }

  /** True once `stop()` was called: a long run may end early between its steps. */
  get stopping(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    try {
      await this.once();
    } catch (error) {
      this.logger.warn(
        `${this.what} failed, the next run retries: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
