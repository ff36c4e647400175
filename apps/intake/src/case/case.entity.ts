import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApplicantT, IssueDecisionT, SupplementItemT } from '@app/contracts';
import type { CaseKind, CaseStatus, DeliveryMethod } from '@app/workflow';

/** Stored fingerprint capture: two templates, or why they could not be taken. */
export interface FingerprintsRecord {
  captured: boolean;
  /** Base64 templates (biometric data: never logged, never returned by the API). */
  templates: string[] | null;
  missingReason: string | null;
}

export interface GuardianRecord {
  name: string;
  idNumber: string;
  relation: string;
}

export interface ProxyRecord {
  name: string;
  idNumber: string;
}

export interface DeliveryChoice {
  method: DeliveryMethod;
  recipient: string | null;
  address: string | null;
  phone: string | null;
}

export interface DeliveryProgress {
  trackingNumber?: string | null;
  dispatchedAt?: string;
  arrivedAt?: string;
  returnedAt?: string;
  returnReason?: string;
  completedAt?: string;
  collectedBy?: string;
}

export interface SubmittedSupplement extends SupplementItemT {
  submittedAt: string;
  /** The review round this material was submitted for (the round it was asked in). */
  round: number;
}

export interface ProductionAttempt {
  attempt: number;
  startedAt?: string;
  failedAt?: string;
  reason?: string;
  completedAt?: string;
}

/** Commands a case waits on another party to answer; the reconciler re-sends them. */
export type PendingCommand = 'review.requested' | 'production.ordered' | 'delivery.ordered';

const numeric = {
  to: (v: number) => v,
  from: (v: string | number | null) => (v === null ? null : Number(v)),
};

/** The one canonical case record (residence side). */
@Entity({ schema: 'intake', name: 'cases' })
export class CaseEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** The kind of case: which workflow machine it runs (see MACHINES in @app/workflow). */
  @Column({ type: 'text', default: 'idcard' })
  kind!: CaseKind;

  @Column({ name: 'receipt_number', type: 'text', unique: true })
  receiptNumber!: string;

  @Column({ name: 'acceptance_point', type: 'text' })
  acceptancePoint!: string;

  /** County code of the acceptance point (the residence side of the route). */
  @Column({ name: 'residence_code', type: 'text' })
  residenceCode!: string;

  @Column({ name: 'residence_province', type: 'text' })
  residenceProvince!: string;

  @Column({ name: 'hukou_code', type: 'text' })
  hukouCode!: string;

  @Column({ name: 'hukou_province', type: 'text' })
  hukouProvince!: string;

  @Column({ name: 'hukou_address', type: 'text' })
  hukouAddress!: string;

  // --- workflow context ---
  @Column({ type: 'text' })
  status!: CaseStatus;

  @Column({ name: 'delivery_method', type: 'text' })
  deliveryMethod!: DeliveryMethod;

  @Column({ name: 'postal_returned', type: 'boolean', default: false })
  postalReturned!: boolean;

  @Column({ name: 'production_attempts', type: 'integer', default: 0 })
  productionAttempts!: number;

  @Column({ name: 'max_production_attempts', type: 'integer' })
  maxProductionAttempts!: number;

  // --- what was taken at intake ---
  @Column({ type: 'jsonb' })
  applicant!: ApplicantT;

  @Column({ name: 'photo_id', type: 'uuid' })
  photoId!: string;

  @Column({ type: 'jsonb' })
  fingerprints!: FingerprintsRecord;

  @Column({ type: 'jsonb', nullable: true })
  guardian!: GuardianRecord | null;

  @Column({ type: 'jsonb', nullable: true })
  proxy!: ProxyRecord | null;

  @Column({ type: 'jsonb' })
  delivery!: DeliveryChoice;

  @Column({ name: 'fee_yuan', type: 'numeric', precision: 8, scale: 2, transformer: numeric })
  feeYuan!: number;

  @Column({ name: 'fee_rule', type: 'text' })
  feeRule!: string;

  @Column({ name: 'fee_reason', type: 'text' })
  feeReason!: string;

  @Column({ name: 'eligibility_rule', type: 'text' })
  eligibilityRule!: string;

  @Column({ name: 'eligibility_reason', type: 'text' })
  eligibilityReason!: string;

  @Column({ name: 'intake_date', type: 'date' })
  intakeDate!: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  // --- deadlines and flags ---
  @Column({ name: 'review_due_at', type: 'timestamptz' })
  reviewDueAt!: Date;

  @Column({ name: 'promise_due_at', type: 'timestamptz' })
  promiseDueAt!: Date;

  @Column({ name: 'statutory_due_at', type: 'timestamptz' })
  statutoryDueAt!: Date;

  @Column({ name: 'review_overdue', type: 'boolean', default: false })
  reviewOverdue!: boolean;

  @Column({ name: 'statutory_overdue', type: 'boolean', default: false })
  statutoryOverdue!: boolean;

  @Column({ name: 'pickup_reminder_due_at', type: 'timestamptz', nullable: true })
  pickupReminderDueAt!: Date | null;

  @Column({ name: 'pickup_reminded_at', type: 'timestamptz', nullable: true })
  pickupRemindedAt!: Date | null;

  // --- review ---
  @Column({ name: 'review_round', type: 'integer', default: 1 })
  reviewRound!: number;

  /** Items the hukou side asked for in the current SUPPLEMENT_REQUIRED round. */
  @Column({ name: 'supplement_requested', type: 'jsonb', default: () => "'[]'" })
  supplementRequested!: SupplementItemT[];

  /** Every supplement submitted so far (sent with each later review request). */
  @Column({ name: 'supplements', type: 'jsonb', default: () => "'[]'" })
  supplements!: SubmittedSupplement[];

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ name: 'refusal_code', type: 'text', nullable: true })
  refusalCode!: string | null;

  @Column({ name: 'refusal_reason', type: 'text', nullable: true })
  refusalReason!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  issue!: IssueDecisionT | null;

  // --- production and delivery ---
  @Column({ name: 'production_history', type: 'jsonb', default: () => "'[]'" })
  productionHistory!: ProductionAttempt[];

  @Column({ name: 'card_serial', type: 'text', nullable: true })
  cardSerial!: string | null;

  @Column({ name: 'delivery_progress', type: 'jsonb', default: () => "'{}'" })
  deliveryProgress!: DeliveryProgress;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason!: string | null;

  // --- reconciliation ---
  @Column({ name: 'pending_command', type: 'text', nullable: true })
  pendingCommand!: PendingCommand | null;

  @Column({ name: 'last_sent_at', type: 'timestamptz', nullable: true })
  lastSentAt!: Date | null;

  @Column({ name: 'resend_count', type: 'integer', default: 0 })
  resendCount!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
