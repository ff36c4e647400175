import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Worker } from 'bullmq';
import type { OutboxRelay } from '@app/messaging';
import type { AppConfig } from './config';

/**
 * What is running in this node, for readiness: the outbox relays (registered by each service's
 * messaging) and the queue workers (registered by the bootstrap).
 */
export class NodeStatus {
  private readonly relays = new Map<string, OutboxRelay>();
  private workers: () => Worker[] = () => [];
  /** Set once SIGTERM (or SIGINT) arrived: readiness answers 503 from then on. */
  draining = false;

  addRelay(schema: string, relay: OutboxRelay): void {
    this.relays.set(schema, relay);
  }

  relayList(): OutboxRelay[] {
    return [...this.relays.values()];
  }

  watchWorkers(workers: () => Worker[]): void {
    this.workers = workers;
  }

  /** "up", or what is not running. */
  components(expectWorkers: boolean): { relays: string; workers: string } {
    const stopped = [...this.relays].filter(([, r]) => !r.isRunning).map(([schema]) => schema);
    const workers = this.workers();
    const idle = workers.filter((w) => !w.isRunning()).length;
    return {
      relays: stopped.length ? `down: ${stopped.join(', ')} not running` : 'up',
      workers:
        expectWorkers && workers.length === 0
          ? 'down: no workers'
          : idle
            ? `down: ${idle} of ${workers.length} not running`
            : 'up',
    };
  }
}

interface DrainTargets {
  server: Server;
  /** Stops the queue workers: no new jobs, the active ones finish. */
  stopWorkers: () => Promise<void>;
  /** The rest of the shutdown (Nest's hooks: relays' last flush, reconciler, connections). */
  closeApp: () => Promise<void>;
}

/**
 * The SIGTERM drain. In order:
 * 1. readiness answers 503 at once, every response carries `Connection: close` (keep-alive clients
 *    go to another node after their current request), and the workers stop taking jobs (their
 *    active jobs finish);
 * 2. after DRAIN_DELAY_MS (the load balancer has seen readiness fail), new requests get 503 and
 *    the listener closes; idle connections are closed, busy ones after their response;
 * 3. connections still open after DRAIN_CONNECTIONS_MS are cut;
 * 4. once HTTP and the workers are done, the relays publish what that work committed, then the
 *    rest of the node shuts down. SHUTDOWN_TIMEOUT_MS bounds the whole: the process then exits
 *    whatever is left.
 * The outbox relays run until step 4: nothing committed is left unpublished by the drain.
 */
export class Drain {
  private readonly log = new Logger('Drain');
  private refusing = false;
  private started?: Promise<void>;

  constructor(
    private readonly status: NodeStatus,
    private readonly config: Pick<
      AppConfig,
      'DRAIN_DELAY_MS' | 'DRAIN_CONNECTIONS_MS' | 'SHUTDOWN_TIMEOUT_MS'
    >,
  ) {}

  /** Express middleware, first in line: Connection: close while draining, 503 once refusing. */
  readonly gate = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.status.draining) res.setHeader('Connection', 'close');
    if (!this.refusing) return next();
    res.status(503).json({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'this node is shutting down; retry on another node',
    });
  };

  get isDraining(): boolean {
    return this.status.draining;
  }

  /** Runs the drain once; later calls wait for the same one. */
  run(targets: DrainTargets, reason: string): Promise<void> {
    this.started ??= this.drain(targets, reason);
    return this.started;
  }

  private async drain({ server, stopWorkers, closeApp }: DrainTargets, reason: string) {
    const { DRAIN_DELAY_MS, DRAIN_CONNECTIONS_MS } = this.config;
    this.log.log(
      `${reason}: draining (readiness 503 now, new requests refused in ${DRAIN_DELAY_MS} ms)`,
    );
    this.status.draining = true;
    const workersDone = stopWorkers().catch((error: Error) =>
      this.log.warn(`workers did not stop cleanly: ${error.message}`),
    );
    await sleep(DRAIN_DELAY_MS);
    this.refusing = true;
    const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Busy keep-alive connections close after their response (Connection: close); idle ones
    // that become idle are closed here.
    const sweep = setInterval(() => server.closeIdleConnections(), 200);
    const cut = setTimeout(() => {
      this.log.warn(`connections still open after ${DRAIN_CONNECTIONS_MS} ms: closing them`);
      server.closeAllConnections();
    }, DRAIN_CONNECTIONS_MS);
    await httpClosed;
    clearInterval(sweep);
    clearTimeout(cut);
    this.log.log('HTTP drained; waiting for the workers’ active jobs');
    await workersDone;
    await closeApp();
    this.log.log('drained');
  }

  /** Exits the process if the drain has not finished by SHUTDOWN_TIMEOUT_MS. */
  deadline(exit: (code: number) => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.log.error(`drain not finished after ${this.config.SHUTDOWN_TIMEOUT_MS} ms: exiting`);
      exit(1);
    }, this.config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    return timer;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
