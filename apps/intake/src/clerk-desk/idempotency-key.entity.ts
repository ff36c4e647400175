import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The first result of a POST /applications, by (acceptance point, Idempotency-Key). */
@Entity({ schema: 'intake', name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'text' })
  scope!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  @Column({ type: 'text' })
  requestHash!: string;

  @Column({ type: 'uuid', nullable: true })
  caseId!: string | null;

  @Column({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  response!: unknown;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
