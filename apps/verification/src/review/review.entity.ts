import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { ReviewDecision } from './review.rules';

/**
 * One review round of one case as decided on the hukou side (table `verification.reviews`). The
 * unique (case_id, round) makes a review happen once per round whatever the residence side re-sends;
 * `decision` is the exact `review.decided` payload, re-sent unchanged to a repeated request.
 */
@Entity({ schema: 'verification', name: 'reviews' })
@Unique('reviews_case_round_key', ['caseId', 'round'])
export class ReviewEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  caseId!: string;

  @Column({ type: 'integer' })
  round!: number;

  /** The province whose county bureau reviewed (the recipient of the request). */
  @Column({ type: 'char', length: 2 })
  hukouProvince!: string;

  /** The residence province that asked (the verified sender). */
  @Column({ type: 'char', length: 2 })
  residenceProvince!: string;

  @Column({ type: 'uuid' })
  requestMessageId!: string;

  /** `envelopeHash` of the signed request envelope this decision answered. */
  @Column({ type: 'text' })
  requestHash!: string;

  /** SHA-256 of the canonical request payload: tells a faithful re-send from a changed one. */
  @Column({ type: 'text' })
  payloadHash!: string;

  @Column({ type: 'text' })
  outcome!: ReviewDecision['outcome'];

  @Column({ type: 'text', nullable: true })
  refusalCode!: string | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  supplementCodes!: string[];

  @Column({ type: 'jsonb' })
  decision!: ReviewDecision;

  @Column({ type: 'timestamptz' })
  decidedAt!: Date;

  /** How many times the recorded decision was sent again to a repeated request. */
  @Column({ type: 'integer', default: 0 })
  resendCount!: number;

  @Column({ type: 'uuid', nullable: true })
  lastRequestMessageId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastResentAt!: Date | null;
}
