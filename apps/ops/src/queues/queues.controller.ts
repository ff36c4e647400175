import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors, Caller, CurrentCaller, Roles } from '@app/platform';
import { ApiOpsAccess } from '../common/api-docs';
import { scopedProvince } from '../common/scope';
import { QueueDepthQuery } from './dto/queue-query.dto';
import { QueueDepthsView } from './dto/queue-depth.view';
import { OpsQueues, QueueDepth } from './ops-queues';
import { BOARD_COOKIE, BOARD_PATH } from './queue-board';

/** Longest a board session cookie lives (less if the token expires sooner). */
const BOARD_SESSION_MAX_S = 8 * 3600;

export interface QueueDepths {
  asOf: string;
  prefix: string;
  /** Queues this deployment serves (4 services × provinces). */
  served: number;
  totals: { waiting: number; active: number; delayed: number; failed: number };
  queues: QueueDepth[];
}

@ApiTags('ops')
@ApiOpsAccess()
@Roles('ops', 'auditor')
@Controller('api/v1/ops')
export class QueuesController {
  constructor(private readonly queues: OpsQueues) {}

  @Get('queues')
  @ApiOperation({
    summary: 'Depth and age of each province queue',
    description:
      'waiting (incl. prioritized), active, delayed, failed and completed jobs, and the age of the oldest waiting job, per {service.province} queue. Redis is transport only: the case records in PostgreSQL stay the truth.',
  })
  @ApiOkResponse({ type: QueueDepthsView })
  @ApiErrors({ 400: 'A query parameter is malformed (province, all)' })
  async depths(
    @CurrentCaller() caller: Caller,
    @Query() query: QueueDepthQuery,
  ): Promise<QueueDepths> {
    const queues = await this.queues.depths({
      all: query.all,
      province: scopedProvince(caller, query),
    });
    const sum = (k: 'waiting' | 'active' | 'delayed' | 'failed') =>
      queues.reduce((n, q) => n + q[k], 0);
    queues.sort(
      (a, b) =>
        b.waiting - a.waiting ||
        (b.oldestWaitingAgeMs ?? -1) - (a.oldestWaitingAgeMs ?? -1) ||
        a.name.localeCompare(b.name),
    );
    return {
      asOf: new Date().toISOString(),
      prefix: this.queues.prefix,
      served: this.queues.refs.length,
      totals: {
        waiting: sum('waiting'),
        active: sum('active'),
        delayed: sum('delayed'),
        failed: sum('failed'),
      },
      queues,
    };
  }

  @Post('queue-board/session')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Let this browser open the queue board (/ops/queues)',
    description:
      'Sets an HttpOnly, SameSite=Strict cookie holding the bearer token of this request, valid for the board path only, until the token expires (at most 8 hours).',
  })
  @ApiNoContentResponse({
    description: 'Cookie set',
    headers: {
      'Set-Cookie': { description: 'The board session cookie', schema: { type: 'string' } },
    },
  })
  @ApiErrors({ 400: 'No bearer token in the Authorization header' })
  openBoard(
    @CurrentCaller() _caller: Caller,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): void {
    const token = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token)
      throw new BadRequestException({
        error: 'Bad Request',
        message: 'the queue board needs a bearer token (Authorization: Bearer <jwt>)',
      });
    res.cookie(BOARD_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure || req.headers['x-forwarded-proto'] === 'https',
      path: BOARD_PATH,
      maxAge: boardSessionMs(token),
    });
  }

  @Delete('queue-board/session')
  @HttpCode(204)
  @ApiOperation({ summary: 'Forget the queue board cookie of this browser' })
  @ApiNoContentResponse({ description: 'Cookie cleared' })
  closeBoard(@Res({ passthrough: true }) res: Response): void {
    res.clearCookie(BOARD_COOKIE, { path: BOARD_PATH });
  }
}

/** Until the token's exp (already verified by the guard), capped. */
function boardSessionMs(token: string): number {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    const left = Number(claims.exp) - Math.floor(Date.now() / 1000);
    if (Number.isFinite(left) && left > 0) return Math.min(left, BOARD_SESSION_MAX_S) * 1000;
  } catch {
    // fall through: the guard verified the token, the cap applies
  }
  return BOARD_SESSION_MAX_S * 1000;
}
