import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AttemptOutcome = { PASSED: 'PASSED', FAILED: 'FAILED' } as const;
export type AttemptOutcome = (typeof AttemptOutcome)[keyof typeof AttemptOutcome];

/** One production attempt of a card and its quality-check outcome (unique per card and number). */
@Entity({ schema: 'production', name: 'card_attempts' })
export class CardAttempt {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'card_id', type: 'uuid' })
  cardId!: string;

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  /** 1-based. */
  @Column({ type: 'int' })
  attempt!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz' })
  finishedAt!: Date;

  @Column({ type: 'text' })
  outcome!: AttemptOutcome;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;
}
