import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Caller, CurrentCaller, Roles } from '@app/platform';
import { ApiOpsAccess } from '../common/api-docs';
import {
  DeadLetterPage,
  DeadLettersService,
  DeadLetterView,
  ReplayResponse,
} from './dead-letters.service';
import {
  DEAD_LETTER_SCHEMAS,
  DeadLetterQuery,
  DeadLetterRef,
  ReplayDto,
} from './dto/dead-letter.dto';
import {
  DeadLetterItemView,
  DeadLetterPageView,
  NotReplayedView,
  ReplayedView,
  ReplayResponseView,
} from './dto/dead-letter.view';

@ApiTags('ops')
@ApiOpsAccess()
@ApiExtraModels(ReplayedView, NotReplayedView)
@Roles('ops', 'auditor')
@Controller('api/v1/ops/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({
    summary: 'Dead letters of every service schema, newest first',
    description:
      'Reason, type, case, error, attempts, created, replayed. The envelope is shown with its payload values withheld (field names only, plus values that identify nobody).',
  })
  @ApiOkResponse({ type: DeadLetterPageView })
  @ApiErrors({ 400: 'A filter is malformed, or offset + limit is past the 500-row window' })
  list(@Query() query: DeadLetterQuery): Promise<DeadLetterPage> {
    return this.deadLetters.list(query);
  }

  @Get(':schema/:id')
  @ApiOperation({ summary: 'One dead letter (payload values withheld)' })
  @ApiParam({ name: 'schema', enum: DEAD_LETTER_SCHEMAS })
  @ApiParam({ name: 'id', example: '42' })
  @ApiOkResponse({ type: DeadLetterItemView })
  @ApiErrors({
    400: 'Unknown schema, or id not a positive whole number',
    404: 'No such dead letter',
  })
  get(@Param() ref: DeadLetterRef): Promise<DeadLetterView> {
    return this.deadLetters.get(ref.schema, ref.id);
  }

  @Post('replay')
  @HttpCode(200)
  @Roles('ops')
  @ApiOperation({
    summary: 'Put one or more dead letters back on their queues (role ops)',
    description:
      "Each item is replayed on its own; the answer lists each result (ok, or status 404 / 422 not replayable / 503 with the error). The signed envelope goes back unchanged under a new job id; the receiver's inbox ignores a message it already handled.",
  })
  @ApiOkResponse({ type: ReplayResponseView })
  replay(@CurrentCaller() caller: Caller, @Body() body: ReplayDto): Promise<ReplayResponse> {
    return this.deadLetters.replay(body.items, caller);
  }
}
