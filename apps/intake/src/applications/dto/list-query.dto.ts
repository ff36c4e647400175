import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { CASE_STATUSES, CaseStatus } from '@app/workflow';

export class ListApplicationsQueryDto {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES, { message: `status must be one of ${CASE_STATUSES.join(', ')}` })
  status?: CaseStatus;

  @ApiPropertyOptional({
    description:
      'Opaque keyset cursor: the `nextCursor` of the previous page. Every page costs the same, however deep.',
    example:
      'MjAyNi0xMi0wMlQxMDowMDowMC4xMjM0NTZafDNmYjYxZTQyLTVkNmEtNGQyZi1hYjYxLTVhYjE1YTlmM2UxYg',
  })
  @IsOptional()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({
    minimum: 1,
    default: 1,
    description:
      'Page number (offset paging, kept for existing clients): a deep page costs as much as every page before it; use `cursor` instead. Not together with `cursor`.',
    deprecated: true,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}
