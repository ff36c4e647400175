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
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors, Caller, CurrentCaller } from '@app/platform';
import { ApiCallerHeaders } from '../common/api-docs';
import { ClerkGuard } from '../common/clerk.guard';
import { clerkPoint } from '../common/http-problems';
import { ApplicationsService } from './applications.service';
import { CasePageView, CaseView } from './dto/case-view.dto';
import { CreateApplicationDto } from './dto/create-application.dto';
import { ListApplicationsQueryDto } from './dto/list-query.dto';
import { CancelDto, SupplementDto } from './dto/supplement.dto';

@ApiTags('applications')
@ApiCallerHeaders()
@ApiErrors({ 403: 'The caller is not a clerk' })
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
  @ApiCreatedResponse({
    type: CaseView,
    description: 'The new case (status UNDER_REVIEW), or the first result of a retried request',
    headers: {
      'Idempotent-Replayed': {
        description: 'true when this is the stored result of an earlier request with the key',
        schema: { type: 'string', enum: ['true'] },
        required: false,
      },
    },
  })
  @ApiErrors({
    400: 'Invalid field, ID number, sex/birth date disagreeing with it, guardian missing for an applicant under 16, missing or malformed Idempotency-Key',
    403: "acceptancePoint is not the clerk's own point, or the caller is not a clerk",
    409: 'The applicant already has an open first application (details name applicant.idNumber), or a request with this Idempotency-Key is still being handled',
    422: 'Route closed (reason and rule quoted in details[0].decision), photo unusable, unknown acceptance point, Idempotency-Key reused with another body',
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
  @ApiErrors({ 400: 'Unknown status, bad page or pageSize' })
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
  @ApiErrors({ 400: 'id is not a UUID', 404: 'Unknown, or of another acceptance point' })
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
  @ApiErrors({ 404: 'Unknown, or of another acceptance point' })
  @ApiErrors({ 409: `Not waiting for supplements (workflow message).` })
  @ApiErrors({ 422: `Item not requested or missing; photo unusable.` })
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
      'Accepted in ACCEPTED, UNDER_REVIEW, SUPPLEMENT_REQUIRED and APPROVED. Once the review request went out, review.withdrawn is sent to the hukou province (which releases its hold on the person, so they may apply again); from APPROVED, production.cancelled is also sent to the production centre.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: CaseView })
  @ApiErrors({ 404: 'Unknown, or of another acceptance point' })
  @ApiErrors({ 409: `Production started or case closed (workflow message).` })
  cancel(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: CancelDto,
  ): Promise<CaseView> {
    return this.applications.cancel(clerkPoint(caller), caller, id, dto.reason);
  }
}
