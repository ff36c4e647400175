import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { RegistrationDecision } from './registration.rules';

/**
 * One review round of one newborn registration as decided on the hukou side (table
 * `verification.registrations`): reviewed once per (case, round); `decision` is the exact
 * `registration.decided` payload, re-sent unchanged to a repeated request.
 */
@Entity({ schema: 'verification', name: 'registrations' })
@Unique('registrations_case_round_key', ['caseId', 'round'])
export class RegistrationEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  caseId!: string;

  @Column({ type: 'integer' })
  round!: number;

  @Column({ type: 'char', length: 2 })
  hukouProvince!: string;

  @Column({ type: 'char', length: 2 })
  residenceProvince!: string;

  @Column({ type: 'uuid' })
  requestMessageId!: string;

  @Column({ type: 'text' })
  requestHash!: string;

  @Column({ type: 'text' })
  payloadHash!: string;

  @Column({ type: 'text' })
  outcome!: RegistrationDecision['outcome'];

  @Column({ type: 'text', nullable: true })
  refusalCode!: string | null;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  supplementCodes!: string[];

  /** The citizen ID number given to the child (REGISTERED only). */
  @Column({ type: 'text', nullable: true })
  childIdNumber!: string | null;

  @Column({ type: 'jsonb' })
  decision!: RegistrationDecision;

  @Column({ type: 'timestamptz' })
  decidedAt!: Date;

  @Column({ type: 'integer', default: 0 })
  resendCount!: number;

  @Column({ type: 'uuid', nullable: true })
  lastRequestMessageId!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastResentAt!: Date | null;
}
