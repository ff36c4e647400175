import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CASE_STATUSES } from '@app/workflow';

export class TimelineEntryView {
  @ApiProperty({ type: String, nullable: true, description: 'null for the intake row' })
  from!: string | null;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'A workflow event (CaseEventType), or INTAKE for the first row' })
  event!: string;
  @ApiProperty({ enum: ['residence', 'hukou', 'system'] }) side!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The clerk, for actions taken over HTTP',
  })
  actor!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Province of the message sender' })
  senderProvince!: string | null;
  @ApiProperty({ type: String, nullable: true }) senderService!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) messageId!: string | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class ApplicantView {
  @ApiProperty({ example: '330402********001X', description: 'Masked: address code and last 4' })
  idNumberMasked!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['M', 'F'] }) sex!: string;
  @ApiProperty() ethnicity!: string;
  @ApiProperty({ format: 'date' }) birthDate!: string;
}

export class HukouView {
  @ApiProperty({ example: '330402', description: 'County division code of the hukou address' })
  addressCode!: string;
  @ApiProperty() address!: string;
}

export class FingerprintsView {
  @ApiProperty() captured!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Why none were captured' })
  missingReason!: string | null;
}

export class GuardianView {
  @ApiProperty() name!: string;
  @ApiProperty({ example: '330402********001X' }) idNumberMasked!: string;
  @ApiProperty({ example: '父亲' }) relation!: string;
}

export class ProxyView {
  @ApiProperty() name!: string;
  @ApiProperty({ example: '330402********001X' }) idNumberMasked!: string;
}

export class CaseDeliveryView {
  @ApiProperty({ enum: ['WINDOW', 'POST'] }) method!: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'POST only' })
  recipient?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'POST only' })
  address?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'POST only' })
  phone?: string | null;
  @ApiProperty({ description: 'The courier returned the card: window pickup from then on' })
  postalReturned!: boolean;
  @ApiPropertyOptional({ type: String, nullable: true }) trackingNumber?: string | null;
  @ApiPropertyOptional({ format: 'date-time' }) dispatchedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) arrivedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) returnedAt?: string;
  @ApiPropertyOptional() returnReason?: string;
  @ApiPropertyOptional({ format: 'date-time' }) completedAt?: string;
  @ApiPropertyOptional({ enum: ['APPLICANT', 'PROXY', 'ADDRESSEE'] }) collectedBy?: string;
}

export class EligibilityRefView {
  @ApiProperty({ description: 'The pilot-schedule rule that opened the route' }) rule!: string;
  @ApiProperty({ description: 'Why, in words' }) reason!: string;
}

export class SupplementItemView {
  @ApiProperty({ example: 'HOUSEHOLD_REGISTER_COPY' }) code!: string;
  @ApiProperty() description!: string;
}

export class SubmittedSupplementView extends SupplementItemView {
  @ApiProperty({ format: 'date-time' }) submittedAt!: string;
  @ApiProperty({ type: 'integer', description: 'The review round it answered' }) round!: number;
}

export class RefusalView {
  @ApiProperty() code!: string;
  @ApiProperty({ description: 'The refusal in words' }) reason!: string;
}

export class IssueView {
  @ApiProperty({ example: '嘉兴市公安局南湖区分局' }) issuingAuthority!: string;
  @ApiProperty({ example: '330402' }) issuingAuthorityCode!: string;
  @ApiProperty({ format: 'date' }) issueDate!: string;
  @ApiProperty({ format: 'date' }) validFrom!: string;
  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description: 'null: long-term (长期)',
  })
  validUntil!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: long-term' })
  validityYears!: number | null;
  @ApiProperty({ description: 'The address printed on the card' }) address!: string;
}

export class ProductionAttemptView {
  @ApiProperty({ type: 'integer' }) attempt!: number;
  @ApiPropertyOptional({ format: 'date-time' }) startedAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) failedAt?: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ format: 'date-time' }) completedAt?: string;
}

export class ProductionProgressView {
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: 'integer' }) maxAttempts!: number;
  @ApiProperty({ type: [ProductionAttemptView] }) history!: ProductionAttemptView[];
}

export class DeadlinesView {
  @ApiProperty({ format: 'date-time' }) reviewDueAt!: string;
  @ApiProperty({ format: 'date-time', description: '20 working days (pilot promise)' })
  promiseDueAt!: string;
  @ApiProperty({ format: 'date-time', description: 'Statutory limit (60 days)' })
  statutoryDueAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  pickupReminderDueAt!: string | null;
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
  @ApiProperty({ type: HukouView }) hukou!: HukouView;
  @ApiProperty({ format: 'uuid' }) photoId!: string;
  @ApiProperty({
    type: FingerprintsView,
    description: 'Whether fingerprints were taken (templates are never returned)',
  })
  fingerprints!: FingerprintsView;
  @ApiProperty({ type: GuardianView, nullable: true, description: 'Applicants under 16' })
  guardian!: GuardianView | null;
  @ApiProperty({ type: ProxyView, nullable: true, description: 'Who may collect instead' })
  proxy!: ProxyView | null;
  @ApiProperty({ type: CaseDeliveryView, description: 'The choice at intake and its progress' })
  delivery!: CaseDeliveryView;
  @ApiProperty({ type: 'integer', example: 0 }) feeYuan!: number;
  @ApiProperty() feeRule!: string;
  @ApiProperty() feeReason!: string;
  @ApiProperty({ type: EligibilityRefView, description: 'The route check at intake' })
  eligibility!: EligibilityRefView;
  @ApiProperty({ format: 'date', example: '2026-11-23' }) intakeDate!: string;
  @ApiProperty({ type: DeadlinesView }) deadlines!: DeadlinesView;
  @ApiProperty({ type: OverdueView }) overdue!: OverdueView;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'When the uncollected-card reminder fell due',
  })
  pickupRemindedAt!: string | null;
  @ApiProperty({ type: 'integer', description: 'Current review round (1, +1 per supplement)' })
  reviewRound!: number;
  @ApiProperty({
    type: [SupplementItemView],
    description: 'Items requested by the hukou side in the current round',
  })
  supplementItemsRequested!: SupplementItemView[];
  @ApiProperty({ type: [SubmittedSupplementView], description: 'Supplements submitted so far' })
  supplementsSubmitted!: SubmittedSupplementView[];
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ type: RefusalView, nullable: true, description: 'The refusal (不予签发)' })
  refusal!: RefusalView | null;
  @ApiProperty({
    type: IssueView,
    nullable: true,
    description: 'The issue decision (签发) of the hukou bureau',
  })
  issue!: IssueView | null;
  @ApiProperty({ type: String, nullable: true }) cardSerial!: string | null;
  @ApiProperty({ type: ProductionProgressView }) production!: ProductionProgressView;
  @ApiProperty({ type: String, nullable: true }) cancelReason!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['review.requested', 'production.ordered', 'delivery.ordered'],
    description: 'The command this case waits on another party for',
  })
  pendingCommand!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastSentAt!: string | null;
  @ApiProperty({ type: 'integer' }) resendCount!: number;
  @ApiProperty({
    type: [String],
    enum: ['CANCELLED', 'SUPPLEMENT_SUBMITTED'],
    description: 'What a clerk can do now (workflow events of the residence side)',
  })
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
  @ApiProperty({ type: 'integer' }) feeYuan!: number;
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
