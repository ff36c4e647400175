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
  MaxLength,
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
  @ApiProperty({ format: 'date' }) birthDate!: string;
  @ApiProperty() ethnicity!: string;
  @ApiProperty({ example: '330402', description: 'Division code of the place of birth' })
  birthPlaceCode!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Civil Code art. 1015 exception code',
  })
  surnameReason!: string | null;
}

export class NewbornParentView {
  @ApiProperty({ enum: ['FATHER', 'MOTHER'] }) relation!: string;
  @ApiProperty() name!: string;
  @ApiProperty() ethnicity!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '340104********511X',
    description: "Masked (null: the other parent's number was not given)",
  })
  idNumberMasked!: string | null;
}

export class MarriageEvidenceView {
  @ApiProperty({ description: 'Kind of marriage evidence' }) kind!: string;
  @ApiProperty({ type: String, nullable: true }) number!: string | null;
}

export class NewbornHukouView {
  @ApiProperty({ example: '330402', description: 'County division code of the hukou address' })
  addressCode!: string;
  @ApiProperty() address!: string;
}

export class NewbornDeliveryView {
  @ApiProperty({ enum: ['WINDOW', 'POST'] }) method!: string;
  @ApiProperty({ type: String, nullable: true, description: 'POST only' })
  recipient!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'POST only' })
  address!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'POST only' })
  phone!: string | null;
}

export class NewbornEligibilityView {
  @ApiProperty({ description: 'The pilot-schedule rule that opened the route' }) rule!: string;
  @ApiProperty({ description: 'Why, in words' }) reason!: string;
}

export class NewbornSupplementItemView {
  @ApiProperty({ example: 'MARRIAGE_EVIDENCE' }) code!: string;
  @ApiProperty() description!: string;
}

export class NewbornRefusalView {
  @ApiProperty() code!: string;
  @ApiProperty({ description: 'The refusal in words' }) reason!: string;
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
  @ApiProperty({ format: 'date', description: '出生日期' }) birthDate!: string;
  @ApiProperty({ description: '公民身份号码' }) citizenIdNumber!: string;
  @ApiProperty({ description: '住址' }) address!: string;
  @ApiProperty({ example: '出生登记' }) registrationReason!: string;
  @ApiProperty({ format: 'date', description: '登记日期' }) registeredOn!: string;
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
  @ApiProperty({ type: MarriageEvidenceView }) marriage!: MarriageEvidenceView;
  @ApiProperty({ type: NewbornHukouView }) hukou!: NewbornHukouView;
  @ApiProperty({ type: NewbornDeliveryView, description: 'How the page is handed over' })
  delivery!: NewbornDeliveryView;
  @ApiProperty({
    type: NewbornEligibilityView,
    description: 'Which pilot rule opened the route for newborn registration',
  })
  eligibility!: NewbornEligibilityView;
  @ApiProperty({ type: 'integer', description: 'Current review round (1, +1 per supplement)' })
  reviewRound!: number;
  @ApiProperty({
    type: [NewbornSupplementItemView],
    description: 'Items the hukou side asked for (SUPPLEMENT_REQUIRED)',
  })
  supplementRequested!: NewbornSupplementItemView[];
  @ApiProperty({ type: NewbornRefusalView, nullable: true, description: 'When REFUSED' })
  refusal!: NewbornRefusalView | null;
  @ApiProperty({
    type: NewbornRegistrationView,
    nullable: true,
    description: "Once registered: the child's citizen ID number and the household-register page",
  })
  registration!: NewbornRegistrationView | null;
  @ApiProperty({ type: String, nullable: true }) cancelReason!: string | null;
  @ApiProperty({ type: DeadlinesView }) deadlines!: DeadlinesView;
  @ApiProperty({ type: OverdueView }) overdue!: OverdueView;
  @ApiProperty({
    type: [String],
    enum: ['SUPPLEMENT_SUBMITTED', 'CANCELLED'],
    description: 'Events the clerk may send now (workflow events of the residence side)',
  })
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
  @ApiProperty({
    type: 'integer',
    description: 'Registrations of the point (with the status filter)',
  })
  total!: number;
}

export class ListNewbornQueryDto {
  @ApiPropertyOptional({ enum: NEWBORN_STATUSES })
  @IsOptional()
  @IsIn(NEWBORN_STATUSES, { message: `status must be one of ${NEWBORN_STATUSES.join(', ')}` })
  status?: NewbornStatus;

  @ApiPropertyOptional({
    description: 'Opaque keyset cursor: the `nextCursor` of the previous page.',
  })
  @IsOptional()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;

  @ApiPropertyOptional({
    minimum: 1,
    default: 1,
    description: 'Page number (offset paging): use `cursor` instead. Not together with `cursor`.',
    deprecated: true,
  })
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
