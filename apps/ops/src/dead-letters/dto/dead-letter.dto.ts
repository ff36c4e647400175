import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SERVICES, schemaOf } from '@app/contracts';
import { DeadLetterReason } from '@app/messaging';

/**
 * The schemas whose dead letters ops reads: one per service, and `ops` (the national operations
 * node's queue of statistics snapshots).
 */
export const DEAD_LETTER_SCHEMAS: readonly string[] = [...SERVICES.map(schemaOf), 'ops'];
const REASONS = Object.values(DeadLetterReason);

export const MAX_REPLAY_ITEMS = 100;
/** The store returns at most 500 rows per schema; a page must end within them. */
export const MAX_DEAD_LETTER_WINDOW = 500;

export class DeadLetterQuery {
  @ApiPropertyOptional({ enum: DEAD_LETTER_SCHEMAS, description: 'Only this service schema' })
  @IsOptional()
  @IsIn(DEAD_LETTER_SCHEMAS, { message: `schema must be one of ${DEAD_LETTER_SCHEMAS.join(', ')}` })
  schema?: string;

  @ApiPropertyOptional({ enum: REASONS })
  @IsOptional()
  @IsIn(REASONS, { message: `reason must be one of ${REASONS.join(', ')}` })
  reason?: DeadLetterReason;

  @ApiPropertyOptional({ description: 'Message type, e.g. review.requested' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  type?: string;

  @ApiPropertyOptional({ description: 'Only the dead letters of one case' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  caseId?: string;

  @ApiPropertyOptional({ description: 'true: replayed at least once; false: never replayed' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'replayed must be true or false' })
  replayed?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'offset + limit ≤ 500' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_DEAD_LETTER_WINDOW - 1)
  offset?: number;
}

export class DeadLetterRef {
  @ApiProperty({ enum: DEAD_LETTER_SCHEMAS })
  @IsIn(DEAD_LETTER_SCHEMAS, { message: `schema must be one of ${DEAD_LETTER_SCHEMAS.join(', ')}` })
  schema!: string;

  @ApiProperty({ description: 'Dead letter id (as listed)', example: '42' })
  @IsString()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'id must be a positive whole number' })
  id!: string;
}

export class ReplayDto {
  @ApiProperty({ type: [DeadLetterRef], description: `1 to ${MAX_REPLAY_ITEMS} dead letters` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPLAY_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => DeadLetterRef)
  items!: DeadLetterRef[];
}
