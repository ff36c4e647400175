import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EligibilityDecision, todayInChina } from '@app/domain';
import { Caller, CurrentCaller, ApiErrors } from '@app/platform';
import { ApiCallerHeaders } from '../common/api-docs';
import { IntakePolicy } from '../policy/intake-policy';
import { EligibilityQueryDto, EligibilityView } from './dto/eligibility-query.dto';

@ApiTags('eligibility')
@ApiCallerHeaders()
@Controller('api/v1/eligibility')
export class EligibilityController {
  constructor(private readonly policy: IntakePolicy) {}

  @Get()
  @ApiOperation({
    summary:
      'Is the route open: can a person living here with this hukou apply here on this date, for this service?',
    description:
      'Decided by the pilot schedule (PILOT_SCHEDULE_FILE, or the bundled one): each rule names the services it opens (idcard, newborn). The answer names the rule that decided, in words. service defaults to idcard.',
  })
  @ApiOkResponse({ type: EligibilityView })
  @ApiErrors({ 400: `A parameter is missing, malformed or not a known division code / real date.` })
  check(
    // Any authenticated caller may ask; the decision holds no personal data.
    @CurrentCaller() _caller: Caller,
    @Query() query: EligibilityQueryDto,
  ): EligibilityDecision {
    return this.policy.eligibility(
      query.residence,
      query.hukou,
      query.date ?? todayInChina(),
      query.service ?? 'idcard',
    );
  }
}
