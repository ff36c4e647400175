import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { ProvinceScopeQuery } from '../../common/scope';

export class QueueDepthQuery extends ProvinceScopeQuery {
  @ApiPropertyOptional({
    description:
      'true: every queue this deployment serves (4 services × its provinces), also those with no key in Redis yet. Default: only queues that exist in Redis.',
  })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'all must be true or false' })
  all?: boolean;
}
