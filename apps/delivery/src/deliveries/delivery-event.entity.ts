import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Audit trail: one row per state change of a delivery, with the message it sent to intake. */
@Entity({ schema: 'delivery', name: 'delivery_events' })
export class DeliveryEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid' })
  deliveryId!: string;

  @Column({ type: 'text' })
  caseId!: string;

  /** DISPATCHED, RETURNED, ARRIVED, COLLECTED, DELIVERED_BY_POST. */
  @Column({ type: 'text' })
  event!: string;

  @Column({ type: 'text', nullable: true })
  fromStatus!: string | null;

  @Column({ type: 'text' })
  toStatus!: string;

  /** Who caused it: `message:<id>` (an order), or the caller's subject (clerk, courier). */
  @Column({ type: 'text' })
  actor!: string;

  /** The outgoing message committed with the change. */
  @Column({ type: 'uuid', nullable: true })
  messageId!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
