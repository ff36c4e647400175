import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';
import {
  APP_CONFIG,
  AppConfig,
  Caller,
  CallerRole,
  TokenVerifier,
  tokenVerifierFrom,
} from '@app/platform';
import { maskEnvelope } from '../common/masking';
import { callerFromJwt } from '../common/jwt-caller';
import { OpsQueues } from './ops-queues';

export const BOARD_PATH = '/ops/queues';
/** The cookie the ops page sets (POST /api/v1/ops/queue-board/session) so a browser can open the board. */
export const BOARD_COOKIE = 'ops_board_token';
const BOARD_ROLES: readonly CallerRole[] = ['ops', 'auditor'];

/**
 * bull-board at /ops/queues, mounted on the Nest express instance. It is an express router, so the
 * Nest guards do not see it: its own middleware asks for the same bearer JWT (header, or the
 * HttpOnly cookie the ops page sets) with role ops or auditor. The board is read-only on purpose:
 * a job's data is a signed envelope (editing it only makes a forgery), and re-sending is the
 * reconciler's and the dead-letter replay's job, both backed by PostgreSQL. Job data is shown with
 * the payload values withheld, as everywhere in ops.
 */
@Injectable()
export class QueueBoard implements OnModuleInit {
  private readonly logger = new Logger(QueueBoard.name);
  private readonly verifier: TokenVerifier;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queues: OpsQueues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.verifier = tokenVerifierFrom(config);
  }

  onModuleInit(): void {
    const httpAdapter = this.adapterHost.httpAdapter;
    if (!httpAdapter || httpAdapter.getType() !== 'express') {
      this.logger.warn('no express HTTP adapter: the queue board is not mounted');
      return;
    }
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(BOARD_PATH);
    createBullBoard({
      queues: this.queues.refs.map((ref) => {
        const adapter = new BullMQAdapter(this.queues.queue(ref.name), {
          readOnlyMode: true,
          displayName: `${ref.service}.${ref.province} ${ref.provinceName}`,
          description: `${ref.service} queue of ${ref.provinceName} (${ref.province})`,
        });
        adapter.setFormatter('data', (data: unknown) => maskEnvelope(data));
        adapter.setFormatter('returnValue', () => null);
        return adapter;
      }),
      serverAdapter,
      options: {
        uiConfig: {
          boardTitle: '跨省通办 queues',
          miscLinks: [{ text: 'Ops dashboard', url: '/ops' }],
        },
      },
    });
    const app = httpAdapter.getInstance<{
      use: (path: string, ...handlers: unknown[]) => void;
    }>();
    app.use(BOARD_PATH, (req: Request, res: Response, next: NextFunction) => {
      this.authorize(req, res, next).catch(next);
    });
    // bull-board runs its own express app, which would announce itself (X-Powered-By) again.
    const board = serverAdapter.getRouter() as { disable?: (setting: string) => void };
    board.disable?.('x-powered-by');
    app.use(BOARD_PATH, board);
    this.logger.log(`queue board at ${BOARD_PATH} (${this.queues.refs.length} queues, read-only)`);
  }

  /** Bearer header or board cookie, role ops or auditor; reading only. */
  private async authorize(req: Request, res: Response, next: NextFunction): Promise<void> {
    const fail = (status: number, error: string, message: string) => {
      res.status(status).json({ statusCode: status, error, message });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(405, 'Method Not Allowed', 'the queue board is read-only');
      return;
    }
    const header = req.headers.authorization;
    const bearer = header && /^Bearer ([^\s]+)$/.exec(header)?.[1];
    const token = bearer || readCookie(req.headers.cookie, BOARD_COOKIE);
    if (!token) {
      fail(
        401,
        'Unauthorized',
        'open the queue board from the ops page (/ops), which signs it in, or send a bearer token',
      );
      return;
    }
    let caller: Caller;
    try {
      caller = await callerFromJwt(token, this.verifier);
    } catch (error) {
      const status = (error as { getStatus?: () => number }).getStatus?.() ?? 401;
      fail(
        status,
        status === 401 ? 'Unauthorized' : 'Service Unavailable',
        (error as Error).message,
      );
      return;
    }
    if (!BOARD_ROLES.includes(caller.role)) {
      fail(403, 'Forbidden', `role ${caller.role} may not open the queue board`);
      return;
    }
    next();
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}
