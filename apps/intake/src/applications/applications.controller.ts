import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Caller, CurrentCaller } from '@app/platform';
import { ApiCallerHeaders, ERROR_BODY_DESCRIPTION } from '../common/api-docs';
import { ClerkGuard } from '../common/clerk.guard';
import { clerkPoint } from '../common/http-problems';
import { ApplicationsService } from './applications.service';
import { CasePageView, CaseView } from './dto/case-view.dto';
import { CreateApplicationDto } from './dto/create-application.dto';
import { ListApplicationsQueryDto } from './dto/list-query.dto';
import { CancelDto, SupplementDto } from './dto/supplement.dto';

const ERR = ERROR_BODY_DESCRIPTION;

@ApiTags('applications')
@ApiCallerHeaders()
@ApiResponse({ status: 403, description: `The caller is not a clerk. ${ERR}` })
@UseGuards(ClerkGuard)
@Controller('api/v1/applications')
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Post()
  @ApiOperation({
    summary: 'Accept a first ID card application (受理) and request the hukou review',
    description:
      'Checks the applicant against the ID number, the route (pilot schedule), the photo (same region, under 3 years) and the guardian rule; creates the case with its receipt number (format R<point>-<yymmdd>-<seq>, e.g. R330402-01-261123-0007) and sends review.requested to the hukou province, in one transaction. A retry with the same Idempotency-Key and body returns the first result (header Idempotent-Replayed: true).',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '8-128 visible ASCII characters, one per intake attempt (e.g. a UUID)',
  })
  @ApiBody({ type: CreateApplicationDto })
  @ApiCreatedResponse({ type: CaseView, description: 'The new case (status UNDER_REVIEW)' })
  @ApiResponse({
    status: 400,
    description: `Invalid field, ID number, sex/birth date disagreeing with it, guardian missing for an applicant under 16, missing Idempotency-Key. ${ERR}`,
  })
  @ApiResponse({ status: 403, description: `acceptancePoint is not the clerk's own point. ${ERR}` })
  @ApiResponse({
    status: 422,
    description: `Route closed (reason and rule quoted), photo unusable, unknown acceptance point, Idempotency-Key reused with another body. ${ERR}`,
  })
  async create(
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() dto: CreateApplicationDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const point = clerkPoint(caller);
    const result = await this.applications.create(point, caller, idempotencyKey, req.body, dto);
    res.status(result.statusCode);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get()
  @ApiOperation({ summary: "Cases of the caller's acceptance point, newest first" })
  @ApiOkResponse({ type: CasePageView })
  @ApiResponse({ status: 400, description: `Unknown status, bad page or pageSize. ${ERR}` })
  list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListApplicationsQueryDto,
  ): Promise<CasePageView> {
    return this.applications.list(clerkPoint(caller), query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A case, its current status and the timeline of its transitions' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseView })
  @ApiResponse({ status: 404, description: `Unknown, or of another acceptance point. ${ERR}` })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<CaseView> {
    return this.applications.get(clerkPoint(caller), id);
  }

  @Post(':id/supplements')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Add the material the hukou side asked for and resubmit (next review round)',
    description:
      'Only in SUPPLEMENT_REQUIRED. Every requested item code must be answered; photoId, fingerprints and guardian optionally replace what was taken at intake.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseView })
  @ApiResponse({ status: 404, description: `Unknown, or of another acceptance point. ${ERR}` })
  @ApiResponse({
    status: 409,
    description: `Not waiting for supplements (workflow message). ${ERR}`,
  })
  @ApiResponse({
    status: 422,
    description: `Item not requested or missing; photo unusable. ${ERR}`,
  })
  supplement(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: SupplementDto,
  ): Promise<CaseView> {
    return this.applications.supplement(clerkPoint(caller), caller, id, dto);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Withdraw the application (before production only)',
    description:
      'Accepted in ACCEPTED, UNDER_REVIEW, SUPPLEMENT_REQUIRED and APPROVED (then production.cancelled is sent to the production centre).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseView })
  @ApiResponse({ status: 404, description: `Unknown, or of another acceptance point. ${ERR}` })
  @ApiResponse({
    status: 409,
    description: `Production started or case closed (workflow message). ${ERR}`,
  })
  cancel(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: CancelDto,
  ): Promise<CaseView> {
    return this.applications.cancel(clerkPoint(caller), caller, id, dto.reason);
  }
}
