import { Column, Entity, PrimaryColumn } from 'typeorm';
import type {
  ApplicantT,
  IssueDecisionT,
  MarriageEvidenceT,
  NewbornChildT,
  NewbornOtherParentT,
  NewbornParentT,
  NewbornRegistrationT,
  SupplementItemT,
} from '@app/contracts';
import type {
  CaseKind,
  CaseStatus,
  DeadlineKind,
  DeliveryMethod,
  NewbornStatus,
} from '@app/workflow';

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

/** What only a newborn registration (kind `newborn`) has. */
export interface NewbornRecord {
  child: NewbornChildT;
  birthCertificateNumber: string;
  /** The parent applying, whose household the child joins (also the case's `applicant`). */
  parent: NewbornParentT;
  otherParent: NewbornOtherParentT | null;
  marriage: MarriageEvidenceT;
  /** Once registered: the child's citizen ID number, the household and its register page. */
  registration: NewbornRegistrationT | null;
}

/** Commands a case waits on another party to answer; the reconciler re-sends them. */
export type PendingCommand =
  'review.requested' | 'registration.requested' | 'production.ordered' | 'delivery.ordered';

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

  @Column({ type: 'text', unique: true })
  receiptNumber!: string;

  @Column({ type: 'text' })
  acceptancePoint!: string;

  /** County code of the acceptance point (the residence side of the route). */
  @Column({ type: 'text' })
  residenceCode!: string;

  @Column({ type: 'text' })
  residenceProvince!: string;

  @Column({ type: 'text' })
  hukouCode!: string;

  @Column({ type: 'text' })
  hukouProvince!: string;

  @Column({ type: 'text' })
  hukouAddress!: string;

  // --- workflow context ---
  /** A status of the case kind's machine (the ID-card or the newborn machine). */
  @Column({ type: 'text' })
  status!: CaseStatus | NewbornStatus;

  @Column({ type: 'text' })
  deliveryMethod!: DeliveryMethod;

  @Column({ type: 'boolean', default: false })
  postalReturned!: boolean;

  @Column({ type: 'integer', default: 0 })
  productionAttempts!: number;

  @Column({ type: 'integer' })
  maxProductionAttempts!: number;

  // --- what was taken at intake ---
  @Column({ type: 'jsonb' })
  applicant!: ApplicantT;

  /** ID cards only (null for a newborn registration). */
  @Column({ type: 'uuid', nullable: true })
  photoId!: string | null;

  /** ID cards only (null for a newborn registration). */
  @Column({ type: 'jsonb', nullable: true })
  fingerprints!: FingerprintsRecord | null;

  /** Newborn registrations only (null for an ID card). */
  @Column({ type: 'jsonb', nullable: true })
  newborn!: NewbornRecord | null;

  @Column({ type: 'jsonb', nullable: true })
  guardian!: GuardianRecord | null;

  @Column({ type: 'jsonb', nullable: true })
  proxy!: ProxyRecord | null;

  @Column({ type: 'jsonb' })
  delivery!: DeliveryChoice;

  @Column({ type: 'numeric', precision: 8, scale: 2, transformer: numeric })
  feeYuan!: number;

  @Column({ type: 'text' })
  feeRule!: string;

  @Column({ type: 'text' })
  feeReason!: string;

  @Column({ type: 'text' })
  eligibilityRule!: string;

  @Column({ type: 'text' })
  eligibilityReason!: string;

  @Column({ type: 'date' })
  intakeDate!: string;

  @Column({ type: 'text' })
  createdBy!: string;

  // --- deadlines and flags ---
  @Column({ type: 'timestamptz' })
  reviewDueAt!: Date;

  @Column({ type: 'timestamptz' })
  promiseDueAt!: Date;

  @Column({ type: 'timestamptz' })
  statutoryDueAt!: Date;

  @Column({ type: 'boolean', default: false })
  reviewOverdue!: boolean;

  @Column({ type: 'boolean', default: false })
  statutoryOverdue!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  pickupReminderDueAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  pickupRemindedAt!: Date | null;

  // --- review ---
  @Column({ type: 'integer', default: 1 })
  reviewRound!: number;

  /** Items the hukou side asked for in the current SUPPLEMENT_REQUIRED round. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  supplementRequested!: SupplementItemT[];

  /** Every supplement submitted so far (sent with each later review request). */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  supplements!: SubmittedSupplement[];

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  refusalCode!: string | null;

  @Column({ type: 'text', nullable: true })
  refusalReason!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  issue!: IssueDecisionT | null;

  // --- production and delivery ---
  @Column({ type: 'jsonb', default: () => "'[]'" })
  productionHistory!: ProductionAttempt[];

  @Column({ type: 'text', nullable: true })
  cardSerial!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  deliveryProgress!: DeliveryProgress;

  @Column({ type: 'text', nullable: true })
  cancelReason!: string | null;

  // --- reconciliation ---
  @Column({ type: 'text', nullable: true })
  pendingCommand!: PendingCommand | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastSentAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  resendCount!: number;

  /**
   * The job id of the reminder (a delayed case.timer message) now waiting for each deadline: it is
   * withdrawn once the case no longer waits for that deadline (see CaseService). Empty for a case
   * written before the column: its reminders fire and find the case moved on.
   */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  timerJobs!: Partial<Record<DeadlineKind, string>>;

  /**
   * The hash of the last timeline entry (read with the case's lock; an append chains to it and
   * moves it). Null for a case not yet created or one written before the column existed: the head
   * is then read from the timeline once.
   */
  @Column({ type: 'text', nullable: true, default: null })
  timelineHead!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** The portrait and fingerprints of an ID-card case (a newborn registration has none). */
export function idCardParts(c: CaseEntity): { photoId: string; fingerprints: FingerprintsRecord } {
  if (c.photoId === null || c.fingerprints === null) {
    throw new Error(`case ${c.id} (${c.kind}) has no portrait and fingerprints`);
  }
  return { photoId: c.photoId, fingerprints: c.fingerprints };
}

/** The newborn part of a newborn registration. */
export function newbornPart(c: CaseEntity): NewbornRecord {
  if (c.newborn === null) throw new Error(`case ${c.id} (${c.kind}) is not a newborn registration`);
  return c.newborn;
}
