import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A case withdrawn before its card was started. A (reordered or late) production order for the
 * case is then ignored.
 */
@Entity({ schema: 'production', name: 'cancellations' })
export class Cancellation {
  @PrimaryColumn({ type: 'text' })
  caseId!: string;

  @Column({ type: 'text' })
  province!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'uuid' })
  messageId!: string;

  @Column({ type: 'timestamptz' })
  cancelledAt!: Date;
}
