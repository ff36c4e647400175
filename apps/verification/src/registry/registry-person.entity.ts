import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RegistryStatus } from './registry-record';

/** A person of the hukou population registry (table `verification.registry_persons`). */
@Entity({ schema: 'verification', name: 'registry_persons' })
export class RegistryPersonEntity {
  @PrimaryColumn({ type: 'text' })
  idNumber!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'char', length: 1 })
  sex!: 'M' | 'F';

  @Column({ type: 'text' })
  ethnicity!: string;

  /** TypeORM hydrates `date` columns as YYYY-MM-DD strings. */
  @Column({ type: 'date' })
  birthDate!: string;

  @Index('registry_persons_hukou_code_idx')
  @Column({ type: 'char', length: 6 })
  hukouAddressCode!: string;

  @Column({ type: 'text' })
  hukouAddress!: string;

  @Column({ type: 'text' })
  status!: RegistryStatus;

  @Column({ type: 'boolean' })
  cardIssued!: boolean;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  flags!: string[];

  /** 户号: the household the person belongs to (given at a newborn registration when missing). */
  @Column({ type: 'text', nullable: true })
  householdNumber!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
