import { ApiProperty } from '@nestjs/swagger';
import type { StuckCase, StuckCases, StuckReason } from '../stuck-cases.service';
import { CaseRowView } from './case-row.view';

const STUCK_REASONS: StuckReason[] = [
  'COMMAND_UNANSWERED',
  'REVIEW_DEADLINE_PASSED',
  'PROMISE_PASSED',
  'STATUTORY_LIMIT_PASSED',
];

export class StuckCaseView extends CaseRowView implements StuckCase {
  @ApiProperty({ enum: STUCK_REASONS, isArray: true }) reasons!: StuckReason[];
  @ApiProperty({
    format: 'date-time',
    description: 'When the first reason became true (the list is ordered by it)',
  })
  stuckSince!: string;
}

export class StuckCasesView implements StuckCases {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null: every province' })
  province!: string | null;
  @ApiProperty({ type: 'integer' }) resendAfterMs!: number;
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: [StuckCaseView] }) items!: StuckCaseView[];
}
