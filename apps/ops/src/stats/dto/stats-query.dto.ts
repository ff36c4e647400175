import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ProvinceScopeQuery } from '../../common/scope';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export class DailyQuery extends ProvinceScopeQuery {
  @ApiPropertyOptional({
    description: 'First intake date (YYYY-MM-DD). Default: 29 days before `to`.',
    example: '2022-07-01',
  })
  @IsOptional()
  @Matches(ISO_DATE, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({
    description: 'Last intake date (YYYY-MM-DD), inclusive. Default: today in China (UTC+8).',
    example: '2022-07-31',
  })
  @IsOptional()
  @Matches(ISO_DATE, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

export class BreachQuery extends ProvinceScopeQuery {
  @ApiPropertyOptional({
    description: 'How many open cases to list per deadline, most overdue first (0–200).',
    default: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(200)
  limit?: number;
}

export class OverviewQuery extends DailyQuery {
  @ApiPropertyOptional({
    description: 'How many open cases to list per deadline breach, most overdue first (0–200).',
    default: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(200)
  limit?: number;
}
