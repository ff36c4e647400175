import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One problem with the request: the input at fault, the rule it broke, in words. */
export class ErrorDetailView {
  @ApiPropertyOptional({
    description:
      'The input at fault, as a dotted path into the body or the name of a query/path parameter or header (e.g. applicant.idNumber, residence, Idempotency-Key); absent when no single input is at fault',
    example: 'applicant.idNumber',
  })
  field?: string;

  @ApiProperty({
    description: 'Stable identifier of the rule (e.g. isNotEmpty, idNumber.checksum, route.closed)',
    example: 'idNumber.checksum',
  })
  rule!: string;

  @ApiProperty({ description: 'The problem in words (English), naming the field' })
  message!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Rule route.closed only: the eligibility decision that refused the route, as GET /api/v1/eligibility answers it',
  })
  decision?: Record<string, unknown>;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Rule application.alreadyOpen, to a clerk of the same acceptance point only: the open case',
  })
  caseId?: string;
}

/** The JSON body of every error answer (4xx and 5xx), on every route. */
export class ErrorBodyView {
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  statusCode!: number;

  @ApiProperty({ description: 'The HTTP reason phrase', example: 'Bad Request' })
  error!: string;

  @ApiProperty({ description: 'What went wrong, in words (all the details joined)' })
  message!: string;

  @ApiPropertyOptional({
    type: () => [ErrorDetailView],
    description: 'One item per problem, each naming its input and rule',
  })
  details?: ErrorDetailView[];
}
