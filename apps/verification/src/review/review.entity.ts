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

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  @Column({ type: 'integer' })
  round!: number;

  /** The province whose county bureau reviewed (the recipient of the request). */
  @Column({ name: 'hukou_province', type: 'char', length: 2 })
  hukouProvince!: string;

  /** The residence province that asked (the verified sender). */
  @Column({ name: 'residence_province', type: 'char', length: 2 })
  residenceProvince!: string;

  @Column({ name: 'request_message_id', type: 'uuid' })
  requestMessageId!: string;

  /** `envelopeHash` of the signed request envelope this decision answered. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  /** SHA-256 of the canonical request payload: tells a faithful re-send from a changed one. */
  @Column({ name: 'payload_hash', type: 'text' })
  payloadHash!: string;

  @Column({ type: 'text' })
  outcome!: ReviewDecision['outcome'];

  @Column({ name: 'refusal_code', type: 'text', nullable: true })
  refusalCode!: string | null;

  @Column({ name: 'supplement_codes', type: 'text', array: true, default: () => `'{}'` })
  supplementCodes!: string[];

  @Column({ type: 'jsonb' })
  decision!: ReviewDecision;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;

  /** How many times the recorded decision was sent again to a repeated request. */
  @Column({ name: 'resend_count', type: 'integer', default: 0 })
  resendCount!: number;

  @Column({ name: 'last_request_message_id', type: 'uuid', nullable: true })
  lastRequestMessageId!: string | null;

  @Column({ name: 'last_resent_at', type: 'timestamptz', nullable: true })
  lastResentAt!: Date | null;
}
