import { ApiProperty } from '@nestjs/swagger';
import { CardStatus } from '../card.entity';

export class CardAttemptView {
  @ApiProperty({ type: 'integer', example: 1 })
  attempt!: number;
  @ApiProperty({ enum: ['PASSED', 'FAILED'] })
  outcome!: string;
  @ApiProperty({ type: String, nullable: true })
  failureReason!: string | null;
  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
  @ApiProperty({ format: 'date-time' })
  finishedAt!: string;
}

export class CardView {
  @ApiProperty({ format: 'uuid' })
  caseId!: string;
  @ApiProperty({ example: '33-20250527-0000042' })
  serial!: string;
  @ApiProperty({
    enum: Object.values(CardStatus),
    description: 'VOIDED: withdrawn after it was made',
  })
  status!: string;
  @ApiProperty({ example: '33' })
  province!: string;
  @ApiProperty({ example: '330402-01' })
  acceptancePoint!: string;
  @ApiProperty()
  issuingAuthority!: string;
  @ApiProperty({ format: 'date', example: '2025-05-27' })
  issueDate!: string;
  @ApiProperty({ format: 'date', example: '2025-05-27' })
  validFrom!: string;
  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description: 'null = long-term (长期)',
  })
  validUntil!: string | null;
  @ApiProperty({ format: 'uuid' })
  photoId!: string;
  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  producedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  failedAt!: string | null;
  @ApiProperty({ type: [CardAttemptView] })
  attempts!: CardAttemptView[];
}
