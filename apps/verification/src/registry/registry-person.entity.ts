import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RegistryStatus } from './registry-record';

/** A person of the hukou population registry (table `verification.registry_persons`). */
@Entity({ schema: 'verification', name: 'registry_persons' })
export class RegistryPersonEntity {
  @PrimaryColumn({ name: 'id_number', type: 'text' })
  idNumber!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'char', length: 1 })
  sex!: 'M' | 'F';

  @Column({ type: 'text' })
  ethnicity!: string;

  /** TypeORM hydrates `date` columns as YYYY-MM-DD strings. */
  @Column({ name: 'birth_date', type: 'date' })
  birthDate!: string;

  @Index('registry_persons_hukou_code_idx')
  @Column({ name: 'hukou_address_code', type: 'char', length: 6 })
  hukouAddressCode!: string;

  @Column({ name: 'hukou_address', type: 'text' })
  hukouAddress!: string;

  @Column({ type: 'text' })
  status!: RegistryStatus;

  @Column({ name: 'card_issued', type: 'boolean' })
  cardIssued!: boolean;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  flags!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
