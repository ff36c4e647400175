import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiCallerAuth, ApiErrors, Caller, CurrentCaller, Roles } from '@app/platform';
import { badRequest } from '../common/http-problems';
import { AuditService } from './audit.service';
import { AuditTimelineView } from './dto/audit-timeline.dto';

/** The audit trail of a case for auditors (their province's cases) and operations (all). */
@ApiTags('audit')
@ApiCallerAuth()
@Roles('auditor', 'ops')
@Controller('api/v1/audit/cases')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get(':id/timeline')
  @ApiOperation({
    summary: "A case's timeline with its hash chain, and whether the chain verifies",
    description:
      "Role auditor: cases whose residence or hukou province is the token's scope.province; role ops: any case. Every entry carries prevHash and hash (SHA-256 of the canonical JSON of the entry and prevHash); the chain is recomputed on each read: verified, brokenAt (first entry that does not match) and entries.",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: AuditTimelineView })
  @ApiErrors({
    400: 'id is not a UUID',
    404: 'Unknown case, or (auditor) a case of other provinces',
  })
  timeline(
    @CurrentCaller() caller: Caller,
    @Param(
      'id',
      new ParseUUIDPipe({
        exceptionFactory: () => badRequest('id', 'id.uuid', 'id: must be a UUID'),
      }),
    )
    id: string,
  ): Promise<AuditTimelineView> {
    return this.audit.caseTimeline(caller, id);
  }
}
