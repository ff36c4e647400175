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

  @Column({ type: 'text', unique: true })
  caseId!: string;

  /** The residence province (of the acceptance point). */
  @Column({ type: 'text' })
  province!: string;

  @Column({ type: 'text' })
  receiptNumber!: string;

  @Column({ type: 'text' })
  acceptancePoint!: string;

  @Column({ type: 'text' })
  cardSerial!: string;

  /** As chosen at intake; a returned POST delivery stays POST (returnedAt says it came back). */
  @Column({ type: 'text' })
  method!: DeliveryMethod;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'text' })
  applicantName!: string;

  @Column({ type: 'text' })
  applicantIdNumber!: string;

  @Column({ type: 'text', nullable: true })
  proxyName!: string | null;

  @Column({ type: 'text', nullable: true })
  proxyIdNumber!: string | null;

  @Column({ type: 'text', nullable: true })
  postalRecipient!: string | null;

  @Column({ type: 'text', nullable: true })
  postalAddress!: string | null;

  @Column({ type: 'text', nullable: true })
  postalPhone!: string | null;

  @Column({ type: 'text', nullable: true, unique: true })
  trackingNumber!: string | null;

  /** Salted hash of the 6-digit pickup code (see pickup-code.ts). */
  @Column({ type: 'text', nullable: true })
  pickupCodeHash!: string | null;

  /** Wrong receipt numbers / pickup codes in a row, and the lock they caused (secret-guard.ts). */
  @Column({ type: 'integer', default: 0 })
  secretFailures!: number;

  @Column({ type: 'timestamptz', nullable: true })
  secretLockedUntil!: Date | null;

  @Column({ type: 'timestamptz' })
  dispatchedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  returnedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  returnReason!: string | null;

  /** When the card arrived at the acceptance point (start of the uncollected-card wait). */
  @Column({ type: 'timestamptz', nullable: true })
  readyAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** How the card was handed over: WINDOW (collection) or POST (delivered to the addressee). */
  @Column({ type: 'text', nullable: true })
  completedMethod!: DeliveryMethod | null;

  @Column({ type: 'text', nullable: true })
  collectedBy!: CollectedBy | null;

  /** The order that created the delivery, and the conversation its messages belong to. */
  @Column({ type: 'uuid' })
  orderMessageId!: string;

  @Column({ type: 'text' })
  correlationId!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
