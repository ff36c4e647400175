import { ApiProperty } from '@nestjs/swagger';
import type {
  NationalDayCount,
  NationalKindCount,
  NationalPairCount,
  NationalStats,
  NationalStatusCount,
  ProvinceFreshness,
} from '../national-stats.types';

/** OpenAPI shapes of the national figures (national-stats.types.ts); `implements` keeps them in step. */
export class ProvinceFreshnessView implements ProvinceFreshness {
  @ApiProperty({ pattern: '^\\d{2}$', example: '31' }) province!: string;
  @ApiProperty({ example: '上海市' }) name!: string;
  @ApiProperty({ type: 'integer', description: "The snapshot's sequence in its province" })
  sequence!: number;
  @ApiProperty({ format: 'date-time', description: 'When the province read its counts' })
  asOf!: string;
  @ApiProperty({ format: 'date-time', description: 'When this node stored the snapshot' })
  receivedAt!: string;
  @ApiProperty({ type: 'integer', description: 'Seconds from asOf to this answer' })
  ageSeconds!: number;
  @ApiProperty({ description: 'ageSeconds above staleAfterSeconds' }) stale!: boolean;
  @ApiProperty({ type: 'integer', description: 'Current cases of the province (residence side)' })
  cases!: number;
  @ApiProperty({ format: 'date', description: "First day of the province's per-day counts" })
  windowStart!: string;
}

export class NationalStatusCountView implements NationalStatusCount {
  @ApiProperty({ example: 'UNDER_REVIEW' }) status!: string;
  @ApiProperty({ type: 'integer' }) cases!: number;
}

export class NationalKindCountView implements NationalKindCount {
  @ApiProperty({ example: 'idcard', description: 'The kind of case' }) kind!: string;
  @ApiProperty({ type: 'integer' }) cases!: number;
  @ApiProperty({ type: 'integer', description: 'Not refused, delivered or cancelled' })
  open!: number;
}

export class NationalPairCountView implements NationalPairCount {
  @ApiProperty({ pattern: '^\\d{2}$' }) residence!: string;
  @ApiProperty({ pattern: '^\\d{2}$' }) hukou!: string;
  @ApiProperty({ type: 'integer' }) cases!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
}

export class NationalDayCountView implements NationalDayCount {
  @ApiProperty({ format: 'date', description: 'China day' }) day!: string;
  @ApiProperty({ example: 'idcard' }) kind!: string;
  @ApiProperty({
    enum: ['intake', 'entered'],
    description:
      'intake: cases taken in that day; entered: cases that first entered `status` that day',
  })
  measure!: 'intake' | 'entered';
  @ApiProperty({ type: String, nullable: true, description: 'null for measure intake' })
  status!: string | null;
  @ApiProperty({ type: 'integer' }) cases!: number;
}

export class NationalStatsView implements NationalStats {
  @ApiProperty({ format: 'date-time', description: 'When this node answered' }) asOf!: string;
  @ApiProperty({
    type: 'integer',
    description:
      'A province whose newest snapshot is older than this is stale (NATIONAL_STALE_AFTER_MS)',
  })
  staleAfterSeconds!: number;
  @ApiProperty({
    type: [ProvinceFreshnessView],
    description: 'Each province heard from: its newest snapshot and how fresh it is',
  })
  provinces!: ProvinceFreshnessView[];
  @ApiProperty({
    type: [String],
    description: 'Province codes not heard from yet (no snapshot stored)',
  })
  missing!: string[];
  @ApiProperty({ type: 'integer', description: 'Current cases, every province summed' })
  total!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: [NationalStatusCountView] }) byStatus!: NationalStatusCountView[];
  @ApiProperty({ type: [NationalKindCountView] }) byKind!: NationalKindCountView[];
  @ApiProperty({
    type: [NationalPairCountView],
    description: 'Residence → hukou province pairs',
  })
  byPair!: NationalPairCountView[];
  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description: 'First day every stored snapshot covers; null before the first snapshot',
  })
  dailyFrom!: string | null;
  @ApiProperty({
    type: [NationalDayCountView],
    description: 'Per day from dailyFrom, every province summed',
  })
  daily!: NationalDayCountView[];
}
