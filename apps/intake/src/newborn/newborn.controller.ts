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
import { CancelDto } from '../applications/dto/supplement.dto';
import { ApiCallerHeaders } from '../common/api-docs';
import { ClerkGuard } from '../common/clerk.guard';
import { clerkPoint } from '../common/http-problems';
import { CreateNewbornRegistrationDto } from './dto/create-newborn.dto';
import {
  ListNewbornQueryDto,
  NewbornCaseView,
  NewbornPageView,
  NewbornSupplementDto,
} from './dto/newborn-view.dto';
import { NewbornService } from './newborn.service';

@ApiTags('newborn-registrations')
@ApiCallerHeaders()
@ApiErrors({ 403: 'The caller is not a clerk' })
@UseGuards(ClerkGuard)
@Controller('api/v1/newborn-registrations')
export class NewbornController {
  constructor(private readonly newborn: NewbornService) {}

  @Post()
  @ApiOperation({
    summary:
      'Accept a newborn hukou registration (新生儿落户) and request it of the hukou province',
    description:
      "Checks the child's birth date (not in the future, within the age limit), the surname (the father's or the mother's, or a Civil Code art. 1015 reason), the ethnicity (the father's or the mother's), the birth medical certificate number, the parents' ID numbers and the marriage evidence (newborn rules, NEWBORN_RULES_FILE), and that the route is open for newborn registration (pilot schedule, service newborn); creates the case and sends registration.requested to the hukou province, in one transaction. A retry with the same Idempotency-Key and body returns the first result.",
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: '8-128 visible ASCII characters, one per intake attempt (e.g. a UUID)',
  })
  @ApiBody({ type: CreateNewbornRegistrationDto })
  @ApiCreatedResponse({
    type: NewbornCaseView,
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
    400: 'A field breaks a rule (named with the rule: newborn.surname, newborn.ethnicity, newborn.birthDate.future, newborn.birthCertificate.format, citizenId.*…); missing or malformed Idempotency-Key',
    403: "acceptancePoint is not the clerk's own point, or the caller is not a clerk",
    409: 'A request with this Idempotency-Key is still being handled',
    422: 'Route closed for newborn registration (reason and rule quoted), unknown acceptance point, Idempotency-Key reused with another body',
  })
  async create(
    @CurrentCaller() caller: Caller,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() dto: CreateNewbornRegistrationDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const result = await this.newborn.create(
      clerkPoint(caller),
      caller,
      idempotencyKey,
      req.body,
      dto,
    );
    res.status(result.statusCode);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get()
  @ApiOperation({ summary: "Newborn registrations of the caller's acceptance point, newest first" })
  @ApiOkResponse({ type: NewbornPageView })
  @ApiErrors({ 400: 'Unknown status, bad cursor, page or pageSize, page together with cursor' })
  list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListNewbornQueryDto,
  ): Promise<NewbornPageView> {
    return this.newborn.list(clerkPoint(caller), query);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      "A newborn registration, its status and timeline; once registered the child's citizen ID number and household-register page",
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NewbornCaseView })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'Unknown, or of another acceptance point' })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<NewbornCaseView> {
    return this.newborn.get(clerkPoint(caller), id);
  }

  @Post(':id/supplements')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Add the material the hukou side asked for and resubmit (next round)',
    description:
      'Only in SUPPLEMENT_REQUIRED. Every requested item code must be answered (MARRIAGE_EVIDENCE, BIRTH_CERTIFICATE_COPY).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NewbornCaseView })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'Unknown, or of another acceptance point' })
  @ApiErrors({
    409: 'Not waiting for supplements (workflow message)',
    422: 'Item not requested or missing',
  })
  supplement(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: NewbornSupplementDto,
  ): Promise<NewbornCaseView> {
    return this.newborn.supplement(clerkPoint(caller), caller, id, dto);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Withdraw the registration (before the child is registered)',
    description: 'Accepted in ACCEPTED, UNDER_REVIEW and SUPPLEMENT_REQUIRED.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: NewbornCaseView })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'Unknown, or of another acceptance point' })
  @ApiErrors({ 409: 'Already registered or closed (workflow message)' })
  cancel(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: CancelDto,
  ): Promise<NewbornCaseView> {
    return this.newborn.cancel(clerkPoint(caller), caller, id, dto.reason);
  }
}
