import { ApiProperty } from '@nestjs/swagger';

export class CardAttemptView {
  @ApiProperty({ example: 1 })
  attempt!: number;
  @ApiProperty({ enum: ['PASSED', 'FAILED'] })
  outcome!: string;
  @ApiProperty({ type: String, nullable: true })
  failureReason!: string | null;
  @ApiProperty()
  startedAt!: string;
  @ApiProperty()
  finishedAt!: string;
}

export class CardView {
  @ApiProperty()
  caseId!: string;
  @ApiProperty({ example: '33-20250527-0000042' })
  serial!: string;
  @ApiProperty({ enum: ['IN_PRODUCTION', 'PRODUCED', 'FAILED'] })
  status!: string;
  @ApiProperty({ example: '33' })
  province!: string;
  @ApiProperty({ example: '330402-01' })
  acceptancePoint!: string;
  @ApiProperty()
  issuingAuthority!: string;
  @ApiProperty({ example: '2025-05-27' })
  issueDate!: string;
  @ApiProperty({ example: '2025-05-27' })
  validFrom!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null = long-term (长期)' })
  validUntil!: string | null;
  @ApiProperty()
  photoId!: string;
  @ApiProperty()
  startedAt!: string;
  @ApiProperty({ type: String, nullable: true })
  producedAt!: string | null;
  @ApiProperty({ type: String, nullable: true })
  failedAt!: string | null;
  @ApiProperty({ type: [CardAttemptView] })
  attempts!: CardAttemptView[];
}
