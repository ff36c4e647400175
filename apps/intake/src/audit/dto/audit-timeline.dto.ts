import { ApiProperty } from '@nestjs/swagger';
import { ANY_CASE_STATUSES } from '@app/workflow';
import { TimelineEntryView } from '../../applications/dto/case-view.dto';

export class AuditTimelineEntryView extends TimelineEntryView {
  @ApiProperty({ description: 'Entry id (bigint as a string), what brokenAt names' })
  id!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Hash of the previous entry of the case (64 zeros for the first)',
  })
  prevHash!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'SHA-256 (hex) of the canonical JSON of the entry and prevHash',
  })
  hash!: string | null;
}

/** A case's audit trail and the verdict of recomputing its hash chain. */
export class AuditTimelineView {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty() receiptNumber!: string;
  @ApiProperty({ enum: ANY_CASE_STATUSES }) status!: string;
  @ApiProperty() acceptancePoint!: string;
  @ApiProperty() residenceProvince!: string;
  @ApiProperty() hukouProvince!: string;
  @ApiProperty({
    description:
      "Every entry's hash matches its content, links to the one before, and the last ends in the case's status",
  })
  verified!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Id of the first entry where the chain breaks',
  })
  brokenAt!: string | null;
  @ApiProperty({ type: 'integer', description: 'Number of entries checked' }) entries!: number;
  @ApiProperty({ type: String, nullable: true, description: 'What is wrong at brokenAt' })
  problem!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Hash of the last entry' })
  headHash!: string | null;
  @ApiProperty({ type: [AuditTimelineEntryView] }) timeline!: AuditTimelineEntryView[];
  @ApiProperty({ format: 'date-time' }) checkedAt!: string;
}
