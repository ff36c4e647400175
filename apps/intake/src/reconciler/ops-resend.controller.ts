import {
  ConflictException,
  Controller,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiCallerAuth, ApiErrors, Caller, CurrentCaller, Roles, uuidParam } from '@app/platform';
import { ReconcilerService } from './reconciler.service';

export class ResendView {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ enum: ['review.requested', 'production.ordered', 'delivery.ordered'] })
  command!: string;
  @ApiProperty({ enum: [true] }) resent!: true;
  @ApiProperty({ description: 'Token subject of the operator' }) by!: string;
}

/**
 * The operator's action on a stuck case: re-send its pending command (review request, production
 * or delivery order) now. Intake owns the case, so the action lives here; the ops page calls it.
 */
@ApiTags('ops')
@ApiCallerAuth()
@Roles('ops')
@Controller('api/v1/ops/cases')
export class OpsResendController {
  constructor(private readonly reconciler: ReconcilerService) {}

  @Post(':caseId/resend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-send the pending command of a case now (role ops)' })
  @ApiParam({ name: 'caseId', format: 'uuid' })
  @ApiOkResponse({ type: ResendView })
  @ApiErrors({
    400: 'caseId is not a UUID',
    404: 'The case is not handled by this node',
    409: 'Nothing to re-send (the case waits on no other party), or the case is being updated',
  })
  async resend(
    @Param('caseId', uuidParam('caseId')) caseId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<ResendView> {
    const { outcome, command } = await this.reconciler.resendNow(caseId);
    if (outcome === 'not-found')
      throw new NotFoundException({
        error: 'Not Found',
        message: `case ${caseId} is not handled by this node`,
      });
    if (outcome === 'nothing-pending') {
      throw new ConflictException({
        error: 'Conflict',
        message: `case ${caseId} waits on no other party: nothing to re-send`,
      });
    }
    if (outcome === 'busy')
      throw new ConflictException({
        error: 'Conflict',
        message: `case ${caseId} is being updated; try again`,
      });
    return { caseId, command: command as string, resent: true, by: caller.subject };
  }
}
