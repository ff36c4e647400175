import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CASE_STATUSES } from '@app/workflow';

export class TimelineEntryView {
  @ApiProperty({ nullable: true, description: 'null for the intake row' }) from!: string | null;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'A workflow event (CaseEventType), or INTAKE for the first row' })
  event!: string;
  @ApiProperty({ enum: ['residence', 'hukou', 'system'] }) side!: string;
  @ApiProperty({ nullable: true, description: 'The clerk, for actions taken over HTTP' })
  actor!: string | null;
  @ApiProperty({ nullable: true, description: 'Province of the message sender' })
  senderProvince!: string | null;
  @ApiProperty({ nullable: true }) senderService!: string | null;
  @ApiProperty({ nullable: true, format: 'uuid' }) messageId!: string | null;
  @ApiProperty({ nullable: true }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class ApplicantView {
  @ApiProperty({ example: '330402********001X', description: 'Masked: address code and last 4' })
  idNumberMasked!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['M', 'F'] }) sex!: string;
  @ApiProperty() ethnicity!: string;
  @ApiProperty() birthDate!: string;
}

export class DeadlinesView {
  @ApiProperty({ format: 'date-time' }) reviewDueAt!: string;
  @ApiProperty({ format: 'date-time', description: '20 working days (pilot promise)' })
  promiseDueAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Statutory limit (60 days)' })
  statutoryDueAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) pickupReminderDueAt!: string | null;
}

export class OverdueView {
  @ApiProperty({ description: 'The current review round passed its deadline' }) review!: boolean;
  @ApiProperty({ description: 'Past the promised date and not yet delivered' }) promise!: boolean;
  @ApiProperty({ description: 'Past the statutory limit' }) statutory!: boolean;
}

export class CaseView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'R330402-01-261123-0007' }) receiptNumber!: string;
  @ApiProperty({ enum: CASE_STATUSES }) status!: string;
  @ApiProperty({ example: '审核中' }) statusZh!: string;
  @ApiProperty() acceptancePoint!: string;
  @ApiProperty() residenceProvince!: string;
  @ApiProperty() hukouProvince!: string;
  @ApiProperty({ type: ApplicantView }) applicant!: ApplicantView;
  @ApiProperty({ description: '{addressCode, address}' }) hukou!: {
    addressCode: string;
    address: string;
  };
  @ApiProperty({ format: 'uuid' }) photoId!: string;
  @ApiProperty({ description: '{captured, missingReason} (templates are never returned)' })
  fingerprints!: { captured: boolean; missingReason: string | null };
  @ApiProperty({ nullable: true, description: '{name, idNumberMasked, relation}' })
  guardian!: { name: string; idNumberMasked: string; relation: string } | null;
  @ApiProperty({ nullable: true, description: '{name, idNumberMasked}' })
  proxy!: { name: string; idNumberMasked: string } | null;
  @ApiProperty({
    description:
      'method, postal data (POST), postalReturned, trackingNumber, dispatchedAt, arrivedAt, returnedAt, returnReason, completedAt, collectedBy',
  })
  delivery!: Record<string, unknown>;
  @ApiProperty({ example: 0 }) feeYuan!: number;
  @ApiProperty() feeRule!: string;
  @ApiProperty() feeReason!: string;
  @ApiProperty({ description: '{rule, reason} of the route check at intake' })
  eligibility!: { rule: string; reason: string };
  @ApiProperty({ example: '2026-11-23' }) intakeDate!: string;
  @ApiProperty({ type: DeadlinesView }) deadlines!: DeadlinesView;
  @ApiProperty({ type: OverdueView }) overdue!: OverdueView;
  @ApiProperty({
    nullable: true,
    format: 'date-time',
    description: 'When the uncollected-card reminder fell due',
  })
  pickupRemindedAt!: string | null;
  @ApiProperty({ description: 'Current review round (1, +1 per supplement)' }) reviewRound!: number;
  @ApiProperty({ description: 'Items requested by the hukou side in the current round' })
  supplementItemsRequested!: { code: string; description: string }[];
  @ApiProperty({ description: 'Supplements submitted so far' })
  supplementsSubmitted!: {
    code: string;
    description: string;
    submittedAt: string;
    round: number;
  }[];
  @ApiProperty({ nullable: true, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ nullable: true, description: '{code, reason}: the refusal in words' })
  refusal!: { code: string; reason: string } | null;
  @ApiProperty({ nullable: true, description: 'The issue decision (签发) of the hukou bureau' })
  issue!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true }) cardSerial!: string | null;
  @ApiProperty({ description: '{attempts, maxAttempts, history[]}' })
  production!: { attempts: number; maxAttempts: number; history: unknown[] };
  @ApiProperty({ nullable: true }) cancelReason!: string | null;
  @ApiProperty({ nullable: true, description: 'The command this case waits on another party for' })
  pendingCommand!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) lastSentAt!: string | null;
  @ApiProperty() resendCount!: number;
  @ApiProperty({ description: 'What a clerk can do now (workflow events of the residence side)' })
  clerkActions!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ type: [TimelineEntryView] }) timeline?: TimelineEntryView[];
}

export class CaseSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() receiptNumber!: string;
  @ApiProperty({ enum: CASE_STATUSES }) status!: string;
  @ApiProperty() idNumberMasked!: string;
  @ApiProperty() name!: string;
  @ApiProperty() hukouProvince!: string;
  @ApiProperty() feeYuan!: number;
  @ApiProperty({ type: OverdueView }) overdue!: OverdueView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class CasePageView {
  @ApiProperty({ type: [CaseSummaryView] }) items!: CaseSummaryView[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page (newest first); null on the last page',
  })
  nextCursor!: string | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The page number when paging with `page`; null when paging with `cursor`',
  })
  page!: number | null;
  @ApiProperty({ type: 'integer' }) pageSize!: number;
  @ApiProperty({ type: 'integer', description: 'Cases of the point (with the status filter)' })
  total!: number;
}
