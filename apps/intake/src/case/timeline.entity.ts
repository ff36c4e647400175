import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row per transition of a case (and the intake itself), written with the transition. Append
 * only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained per case: see
 * audit/timeline-chain.ts.
 */
@Entity({ schema: 'intake', name: 'case_timeline' })
export class TimelineEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid' })
  caseId!: string;

  /** null for the intake row. */
  @Column({ type: 'text', nullable: true })
  fromStatus!: string | null;

  @Column({ type: 'text' })
  toStatus!: string;

  /** A CaseEventType, or INTAKE for the row that created the case. */
  @Column({ type: 'text' })
  event!: string;

  /** residence, hukou or system. */
  @Column({ type: 'text' })
  side!: string;

  /** The clerk (subject) for HTTP actions; null for messages. */
  @Column({ type: 'text', nullable: true })
  actor!: string | null;

  @Column({ type: 'text', nullable: true })
  senderProvince!: string | null;

  @Column({ type: 'text', nullable: true })
  senderService!: string | null;

  @Column({ type: 'uuid', nullable: true })
  messageId!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;

  /** The hash of the case's previous entry (64 zeros for the first). */
  @Column({ type: 'text', nullable: true })
  prevHash!: string | null;

  /** SHA-256 of this entry's content and prevHash (timelineEntryHash). */
  @Column({ type: 'text', nullable: true })
  hash!: string | null;
}
