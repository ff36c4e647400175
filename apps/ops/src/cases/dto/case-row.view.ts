import { ApiProperty } from '@nestjs/swagger';
import { ANY_CASE_STATUSES } from '@app/workflow';
import type { CaseRow } from '../case-sql';

/** OpenAPI shape of CaseRow (the compiler keeps the two in step through `implements`). */
export class CaseRowView implements CaseRow {
  @ApiProperty({ format: 'uuid' }) caseId!: string;
  @ApiProperty({ enum: ANY_CASE_STATUSES }) status!: string;
  @ApiProperty({ type: String, nullable: true, example: '审核中' }) statusZh!: string | null;
  @ApiProperty({ example: '31' }) residenceProvince!: string;
  @ApiProperty({ example: '上海' }) residenceProvinceName!: string;
  @ApiProperty({ example: '33' }) hukouProvince!: string;
  @ApiProperty({ example: '浙江' }) hukouProvinceName!: string;
  @ApiProperty({ example: '310101-01' }) acceptancePoint!: string;
  @ApiProperty({ format: 'date' }) intakeDate!: string;
  @ApiProperty({ example: '330402********123X' }) maskedIdNumber!: string;
  @ApiProperty({ format: 'date-time' }) reviewDueAt!: string;
  @ApiProperty({ format: 'date-time' }) promiseDueAt!: string;
  @ApiProperty({ format: 'date-time' }) statutoryDueAt!: string;
  @ApiProperty() reviewOverdue!: boolean;
  @ApiProperty() statutoryOverdue!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['review.requested', 'production.ordered', 'delivery.ordered'],
  })
  pendingCommand!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastSentAt!: string | null;
  @ApiProperty({ type: 'integer' }) resendCount!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'Last status change (timeline)',
  })
  lastMovedAt!: string | null;
}
