import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AttemptOutcome = { PASSED: 'PASSED', FAILED: 'FAILED' } as const;
export type AttemptOutcome = (typeof AttemptOutcome)[keyof typeof AttemptOutcome];

/** One production attempt of a card and its quality-check outcome (unique per card and number). */
@Entity({ schema: 'production', name: 'card_attempts' })
export class CardAttempt {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid' })
  cardId!: string;

  @Column({ type: 'text' })
  caseId!: string;

  /** 1-based. */
  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'timestamptz' })
  startedAt!: Date;

  @Column({ type: 'timestamptz' })
  finishedAt!: Date;

  @Column({ type: 'text' })
  outcome!: AttemptOutcome;

  @Column({ type: 'text', nullable: true })
  failureReason!: string | null;
}
