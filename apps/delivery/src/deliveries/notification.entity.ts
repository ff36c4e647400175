import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Messages to applicants waiting for the SMS gateway (not part of this system): the gateway reads
 * unsent rows, sends them and sets sent_at. Today only the pickup code of a postal delivery.
 */
@Entity({ schema: 'delivery', name: 'notifications' })
export class Notification {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid' })
  deliveryId!: string;

  @Column({ type: 'text' })
  caseId!: string;

  @Column({ type: 'text' })
  channel!: 'SMS';

  @Column({ type: 'text' })
  kind!: 'PICKUP_CODE';

  /** Phone number. */
  @Column({ type: 'text' })
  recipient!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt!: Date | null;
}
