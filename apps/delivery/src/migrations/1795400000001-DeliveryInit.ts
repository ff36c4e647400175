import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

/** The delivery schema: messaging tables, deliveries (one per case), their audit trail, SMS queue. */
export class DeliveryInit1795400000001 implements MigrationInterface {
  name = 'DeliveryInit1795400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('delivery')) await queryRunner.query(sql);
    await queryRunner.query(
      `CREATE SEQUENCE delivery.tracking_serial_seq AS bigint START 1 MAXVALUE 99999999`,
    );
    await queryRunner.query(`
      CREATE TABLE delivery.deliveries (
        id uuid PRIMARY KEY,
        case_id text NOT NULL,
        province text NOT NULL CHECK (province ~ '^\\d{2}$'),
        receipt_number text NOT NULL,
        acceptance_point text NOT NULL,
        card_serial text NOT NULL,
        method text NOT NULL CHECK (method IN ('WINDOW', 'POST')),
        status text NOT NULL CHECK (status IN ('DISPATCHED', 'RETURNED', 'READY_FOR_PICKUP', 'DELIVERED')),
        applicant_name text NOT NULL,
        applicant_id_number text NOT NULL,
        proxy_name text,
        proxy_id_number text,
        postal_recipient text,
        postal_address text,
        postal_phone text,
        tracking_number text,
        pickup_code_hash text,
        dispatched_at timestamptz NOT NULL,
        returned_at timestamptz,
        return_reason text,
        ready_at timestamptz,
        completed_at timestamptz,
        completed_method text CHECK (completed_method IN ('WINDOW', 'POST')),
        collected_by text CHECK (collected_by IN ('APPLICANT', 'PROXY', 'ADDRESSEE')),
        order_message_id uuid NOT NULL,
        correlation_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT deliveries_case_id_key UNIQUE (case_id),
        CONSTRAINT deliveries_tracking_number_key UNIQUE (tracking_number),
        CONSTRAINT deliveries_post_has_tracking CHECK (
          method <> 'POST' OR (tracking_number IS NOT NULL AND pickup_code_hash IS NOT NULL)),
        CONSTRAINT deliveries_ready_has_time CHECK (status <> 'READY_FOR_PICKUP' OR ready_at IS NOT NULL),
        CONSTRAINT deliveries_delivered_has_time CHECK (
          status <> 'DELIVERED' OR (completed_at IS NOT NULL AND collected_by IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX deliveries_point_status_idx ON delivery.deliveries (acceptance_point, status)`,
    );
    await queryRunner.query(`
      CREATE TABLE delivery.delivery_events (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES delivery.deliveries (id),
        case_id text NOT NULL,
        event text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor text NOT NULL,
        message_id uuid,
        at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX delivery_events_case_idx ON delivery.delivery_events (case_id, id)`,
    );
    await queryRunner.query(`
      CREATE TABLE delivery.notifications (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES delivery.deliveries (id),
        case_id text NOT NULL,
        channel text NOT NULL,
        kind text NOT NULL,
        recipient text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL,
        sent_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX notifications_unsent_idx ON delivery.notifications (created_at) WHERE sent_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS delivery.notifications`);
    await queryRunner.query(`DROP TABLE IF EXISTS delivery.delivery_events`);
    await queryRunner.query(`DROP TABLE IF EXISTS delivery.deliveries`);
    await queryRunner.query(`DROP SEQUENCE IF EXISTS delivery.tracking_serial_seq`);
    for (const sql of messagingTablesDown('delivery')) await queryRunner.query(sql);
  }
}
