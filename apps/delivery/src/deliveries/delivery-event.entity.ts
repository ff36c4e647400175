import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Audit trail: one row per state change of a delivery, with the message it sent to intake. */
@Entity({ schema: 'delivery', name: 'delivery_events' })
export class DeliveryEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  @Column({ name: 'case_id', type: 'text' })
  caseId!: string;

  /** DISPATCHED, RETURNED, ARRIVED, COLLECTED, DELIVERED_BY_POST. */
  @Column({ type: 'text' })
  event!: string;

  @Column({ name: 'from_status', type: 'text', nullable: true })
  fromStatus!: string | null;

  @Column({ name: 'to_status', type: 'text' })
  toStatus!: string;

  /** Who caused it: `message:<id>` (an order), or the caller's subject (clerk, courier). */
  @Column({ type: 'text' })
  actor!: string;

  /** The outgoing message committed with the change. */
  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
