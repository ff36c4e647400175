import { Column, Entity, PrimaryColumn } from 'typeorm';

export const CardStatus = {
  /** Being made (in memory while the attempts run; the card is written in its final state). */
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

  @Column({ type: 'text', unique: true })
  caseId!: string;

  /** The production centre's province (the residence province). */
  @Column({ type: 'text' })
  province!: string;

  /** See card-serial.ts for the format. */
  @Column({ type: 'text', unique: true })
  serial!: string;

  @Column({ type: 'text' })
  status!: CardStatus;

  @Column({ type: 'text' })
  receiptNumber!: string;

  @Column({ type: 'text' })
  acceptancePoint!: string;

  @Column({ type: 'text' })
  idNumber!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  sex!: string;

  @Column({ type: 'text' })
  ethnicity!: string;

  @Column({ type: 'date' })
  birthDate!: string;

  /** The address printed on the card (hukou address, from the issue decision). */
  @Column({ type: 'text' })
  address!: string;

  @Column({ type: 'text' })
  issuingAuthority!: string;

  @Column({ type: 'text' })
  issuingAuthorityCode!: string;

  @Column({ type: 'date' })
  issueDate!: string;

  @Column({ type: 'date' })
  validFrom!: string;

  /** null = long-term (长期). */
  @Column({ type: 'date', nullable: true })
  validUntil!: string | null;

  @Column({ type: 'int', nullable: true })
  validityYears!: number | null;

  @Column({ type: 'uuid' })
  photoId!: string;

  /** Attempts made so far (rows in card_attempts). */
  @Column({ type: 'int' })
  attempts!: number;

  /** The order that created the card, and the conversation it belongs to. */
  @Column({ type: 'uuid' })
  orderMessageId!: string;

  @Column({ type: 'text' })
  correlationId!: string;

  @Column({ type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  producedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  voidedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  voidReason!: string | null;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
