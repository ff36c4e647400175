import { Column, Entity, PrimaryColumn } from 'typeorm';

export const DeliveryStatus = {
  /** On its way: to the acceptance point (WINDOW) or with the courier (POST). */
  DISPATCHED: 'DISPATCHED',
  /** POST only: the courier could not deliver; the card goes to the acceptance point. */
  RETURNED: 'RETURNED',
  /** At the acceptance point, waiting for the applicant or proxy (readyAt set). */
  READY_FOR_PICKUP: 'READY_FOR_PICKUP',
  /** Handed over at the window, or delivered by post. */
  DELIVERED: 'DELIVERED',
} as const;
export type DeliveryStatus = (typeof DeliveryStatus)[keyof typeof DeliveryStatus];

export type DeliveryMethod = 'WINDOW' | 'POST';
export type CollectedBy = 'APPLICANT' | 'PROXY' | 'ADDRESSEE';

/** One delivery per case (unique case_id). */
@Entity({ schema: 'delivery', name: 'deliveries' })
export class Delivery {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'case_id', type: 'text', unique: true })
  caseId!: string;

  /** The residence province (of the acceptance point). */
  @Column({ type: 'text' })
  province!: string;

  @Column({ name: 'receipt_number', type: 'text' })
  receiptNumber!: string;

  @Column({ name: 'acceptance_point', type: 'text' })
  acceptancePoint!: string;

  @Column({ name: 'card_serial', type: 'text' })
  cardSerial!: string;

  /** As chosen at intake; a returned POST delivery stays POST (returnedAt says it came back). */
  @Column({ type: 'text' })
  method!: DeliveryMethod;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ name: 'applicant_name', type: 'text' })
  applicantName!: string;

  @Column({ name: 'applicant_id_number', type: 'text' })
  applicantIdNumber!: string;

  @Column({ name: 'proxy_name', type: 'text', nullable: true })
  proxyName!: string | null;

  @Column({ name: 'proxy_id_number', type: 'text', nullable: true })
  proxyIdNumber!: string | null;

  @Column({ name: 'postal_recipient', type: 'text', nullable: true })
  postalRecipient!: string | null;

  @Column({ name: 'postal_address', type: 'text', nullable: true })
  postalAddress!: string | null;

  @Column({ name: 'postal_phone', type: 'text', nullable: true })
  postalPhone!: string | null;

  @Column({ name: 'tracking_number', type: 'text', nullable: true, unique: true })
  trackingNumber!: string | null;

  /** Salted hash of the 6-digit pickup code (see pickup-code.ts). */
  @Column({ name: 'pickup_code_hash', type: 'text', nullable: true })
  pickupCodeHash!: string | null;

  /** Wrong receipt numbers / pickup codes in a row, and the lock they caused (secret-guard.ts). */
  @Column({ name: 'secret_failures', type: 'integer', default: 0 })
  secretFailures!: number;

  @Column({ name: 'secret_locked_until', type: 'timestamptz', nullable: true })
  secretLockedUntil!: Date | null;

  @Column({ name: 'dispatched_at', type: 'timestamptz' })
  dispatchedAt!: Date;

  @Column({ name: 'returned_at', type: 'timestamptz', nullable: true })
  returnedAt!: Date | null;

  @Column({ name: 'return_reason', type: 'text', nullable: true })
  returnReason!: string | null;

  /** When the card arrived at the acceptance point (start of the uncollected-card wait). */
  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** How the card was handed over: WINDOW (collection) or POST (delivered to the addressee). */
  @Column({ name: 'completed_method', type: 'text', nullable: true })
  completedMethod!: DeliveryMethod | null;

  @Column({ name: 'collected_by', type: 'text', nullable: true })
  collectedBy!: CollectedBy | null;

  /** The order that created the delivery, and the conversation its messages belong to. */
  @Column({ name: 'order_message_id', type: 'uuid' })
  orderMessageId!: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
