import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { FreeText } from '@app/platform';
import { NEWBORN_STATUSES, NewbornStatus } from '@app/workflow';
import {
  DeadlinesView,
  OverdueView,
  TimelineEntryView,
} from '../../applications/dto/case-view.dto';

export class NewbornChildView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['M', 'F'] }) sex!: string;
  @ApiProperty() birthDate!: string;
  @ApiProperty() ethnicity!: string;
  @ApiProperty() birthPlaceCode!: string;
  @ApiProperty({ nullable: true, description: 'Civil Code art. 1015 exception code' })
  surnameReason!: string | null;
}

export class NewbornParentView {
  @ApiProperty({ enum: ['FATHER', 'MOTHER'] }) relation!: string;
  @ApiProperty() name!: string;
  @ApiProperty() ethnicity!: string;
  @ApiProperty({ nullable: true, example: '340104********511X', description: 'Masked' })
  idNumberMasked!: string | null;
}

export class HouseholdRegisterPageView {
  @ApiProperty({ description: '户号' }) householdNumber!: string;
  @ApiProperty() pageSerial!: string;
  @ApiProperty({ description: '姓名' }) name!: string;
  @ApiProperty({ description: '与户主关系 (子/女 of the declaring parent)' })
  relationToParent!: string;
  @ApiProperty({ enum: ['男', '女'] }) sex!: string;
  @ApiProperty({ description: '出生地' }) birthPlace!: string;
  @ApiProperty({ description: '民族' }) ethnicity!: string;
  @ApiProperty({ description: '籍贯' }) nativePlace!: string;
  @ApiProperty({ description: '出生日期' }) birthDate!: string;
  @ApiProperty({ description: '公民身份号码' }) citizenIdNumber!: string;
  @ApiProperty({ description: '住址' }) address!: string;
  @ApiProperty({ example: '出生登记' }) registrationReason!: string;
  @ApiProperty({ description: '登记日期' }) registeredOn!: string;
  @ApiProperty({ description: '承办单位' }) registeringAuthority!: string;
  @ApiProperty() registeringAuthorityCode!: string;
}

export class NewbornRegistrationView {
  @ApiProperty({ description: "The child's new citizen ID number (GB 11643)" })
  citizenIdNumber!: string;
  @ApiProperty({ description: '户号' }) householdNumber!: string;
  @ApiProperty({ type: HouseholdRegisterPageView }) page!: HouseholdRegisterPageView;
}

export class NewbornCaseView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['newborn'] }) kind!: string;
  @ApiProperty({ example: 'R330402-01-261123-0007' }) receiptNumber!: string;
  @ApiProperty({ enum: NEWBORN_STATUSES }) status!: string;
  @ApiProperty({ example: '审核中' }) statusZh!: string;
  @ApiProperty() acceptancePoint!: string;
  @ApiProperty() residenceProvince!: string;
  @ApiProperty() hukouProvince!: string;
  @ApiProperty({ type: NewbornChildView }) child!: NewbornChildView;
  @ApiProperty({ description: 'As declared (出生医学证明编号)' }) birthCertificateNumber!: string;
  @ApiProperty({ type: NewbornParentView }) parent!: NewbornParentView;
  @ApiProperty({ type: NewbornParentView, nullable: true }) otherParent!: NewbornParentView | null;
  @ApiProperty({ description: '{kind, number}' }) marriage!: {
    kind: string;
    number: string | null;
  };
  @ApiProperty({ description: '{addressCode, address}' }) hukou!: {
    addressCode: string;
    address: string;
  };
  @ApiProperty({ description: '{method, recipient, address, phone} of the page' }) delivery!: {
    method: string;
    recipient: string | null;
    address: string | null;
    phone: string | null;
  };
  @ApiProperty({ description: 'Which pilot rule opened the route for newborn registration' })
  eligibility!: { rule: string; reason: string };
  @ApiProperty() reviewRound!: number;
  @ApiProperty({ description: 'Items the hukou side asked for (SUPPLEMENT_REQUIRED)' })
  supplementRequested!: { code: string; description: string }[];
  @ApiProperty({ nullable: true, description: '{code, reason} when REFUSED' })
  refusal!: { code: string; reason: string } | null;
  @ApiProperty({
    type: NewbornRegistrationView,
    nullable: true,
    description: "Once registered: the child's citizen ID number and the household-register page",
  })
  registration!: NewbornRegistrationView | null;
  @ApiProperty({ nullable: true }) cancelReason!: string | null;
  @ApiProperty({ type: DeadlinesView }) deadlines!: DeadlinesView;
  @ApiProperty({ type: OverdueView }) overdue!: OverdueView;
  @ApiProperty({ description: 'Events the clerk may send now (SUPPLEMENT_SUBMITTED, CANCELLED)' })
  allowedActions!: string[];
  @ApiProperty({ type: [TimelineEntryView] }) timeline!: TimelineEntryView[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class NewbornSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() receiptNumber!: string;
  @ApiProperty({ enum: NEWBORN_STATUSES }) status!: string;
  @ApiProperty() childName!: string;
  @ApiProperty() hukouProvince!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class NewbornPageView {
  @ApiProperty({ type: [NewbornSummaryView] }) items!: NewbornSummaryView[];
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty() total!: number;
}

export class ListNewbornQueryDto {
  @ApiPropertyOptional({ enum: NEWBORN_STATUSES })
  @IsOptional()
  @IsIn(NEWBORN_STATUSES, { message: `status must be one of ${NEWBORN_STATUSES.join(', ')}` })
  status?: NewbornStatus;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

export class NewbornSupplementItemDto {
  @ApiProperty({ example: 'MARRIAGE_EVIDENCE', description: 'A code the hukou side asked for' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: '$property must be letters, digits, _ . -' })
  code!: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  @FreeText()
  note?: string;
}

export class NewbornSupplementDto {
  @ApiProperty({ type: [NewbornSupplementItemDto], minItems: 1, maxItems: 20 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => NewbornSupplementItemDto)
  items!: NewbornSupplementItemDto[];
}
