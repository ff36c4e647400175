import { Column, Entity, PrimaryColumn } from 'typeorm';

export const CardStatus = {
  /** Being made (only inside the production transaction; never committed in this state today). */
  IN_PRODUCTION: 'IN_PRODUCTION',
  /** Passed the quality check; production.completed was sent. */
  PRODUCED: 'PRODUCED',
  /** Failed the quality check on every allowed attempt: ops must step in. */
  FAILED: 'FAILED',
  /** Made for a case that was withdrawn meanwhile: to be destroyed, never dispatched. */
  VOIDED: 'VOIDED',
} as const;
export type CardStatus = (typeof CardStatus)[keyof typeof CardStatus];

/** One card per case (unique case_id): a repeated order finds this row and never makes another. */
@Entity({ schema: 'production', name: 'cards' })
export class Card {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'case_id', type: 'text', unique: true })
  caseId!: string;

  /** The production centre's province (the residence province). */
  @Column({ type: 'text' })
  province!: string;

  /** See card-serial.ts for the format. */
  @Column({ type: 'text', unique: true })
  serial!: string;

  @Column({ type: 'text' })
  status!: CardStatus;

  @Column({ name: 'receipt_number', type: 'text' })
  receiptNumber!: string;

  @Column({ name: 'acceptance_point', type: 'text' })
  acceptancePoint!: string;

  @Column({ name: 'id_number', type: 'text' })
  idNumber!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  sex!: string;

  @Column({ type: 'text' })
  ethnicity!: string;

  @Column({ name: 'birth_date', type: 'date' })
  birthDate!: string;

  /** The address printed on the card (hukou address, from the issue decision). */
  @Column({ type: 'text' })
  address!: string;

  @Column({ name: 'issuing_authority', type: 'text' })
  issuingAuthority!: string;

  @Column({ name: 'issuing_authority_code', type: 'text' })
  issuingAuthorityCode!: string;

  @Column({ name: 'issue_date', type: 'date' })
  issueDate!: string;

  @Column({ name: 'valid_from', type: 'date' })
  validFrom!: string;

  /** null = long-term (长期). */
  @Column({ name: 'valid_until', type: 'date', nullable: true })
  validUntil!: string | null;

  @Column({ name: 'validity_years', type: 'int', nullable: true })
  validityYears!: number | null;

  @Column({ name: 'photo_id', type: 'uuid' })
  photoId!: string;

  /** Attempts made so far (rows in card_attempts). */
  @Column({ type: 'int' })
  attempts!: number;

  /** The order that created the card, and the conversation it belongs to. */
  @Column({ name: 'order_message_id', type: 'uuid' })
  orderMessageId!: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'produced_at', type: 'timestamptz', nullable: true })
  producedAt!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt!: Date | null;

  @Column({ name: 'void_reason', type: 'text', nullable: true })
  voidReason!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
