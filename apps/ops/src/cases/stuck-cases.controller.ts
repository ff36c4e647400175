import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Caller, CurrentCaller, Roles } from '@app/platform';
import { ApiOpsAccess } from '../common/api-docs';
import { scopedProvince } from '../common/scope';
import { StuckCasesQuery } from './dto/stuck-query.dto';
import { StuckCasesView } from './dto/stuck-cases.view';
import { StuckCases, StuckCasesService } from './stuck-cases.service';

@ApiTags('ops')
@ApiOpsAccess()
@ApiErrors({ 400: 'A query parameter is malformed or out of range (province, limit, offset)' })
@Roles('ops', 'auditor')
@Controller('api/v1/ops/cases')
export class StuckCasesController {
  constructor(private readonly stuck: StuckCasesService) {}

  @Get('stuck')
  @ApiOperation({
    summary: 'Open cases stuck past a deadline or waiting on an unanswered command',
    description:
      "Reasons: COMMAND_UNANSWERED (pending command older than RESEND_AFTER_MS), REVIEW_DEADLINE_PASSED, PROMISE_PASSED, STATUTORY_LIMIT_PASSED. Lists pending command, last sent at, resend count and a masked ID number; oldest first. Re-sending is intake's POST /api/v1/ops/cases/{caseId}/resend.",
  })
  @ApiOkResponse({ type: StuckCasesView })
  list(@CurrentCaller() caller: Caller, @Query() query: StuckCasesQuery): Promise<StuckCases> {
    return this.stuck.list(scopedProvince(caller, query), query.limit ?? 100, query.offset ?? 0);
  }
}
