import { MigrationInterface, QueryRunner } from 'typeorm';
import { messagingTablesDown, messagingTablesUp } from '@app/messaging';

/** The intake schema: messaging tables, the photo library, cases, their timeline, idempotency keys. */
export class IntakeInit1795400990138 implements MigrationInterface {
  name = 'IntakeInit1795400990138';

  async up(q: QueryRunner): Promise<void> {
    for (const sql of messagingTablesUp('intake')) await q.query(sql);
    await q.query(`
      CREATE TABLE intake.photos (
        id uuid PRIMARY KEY,
        region text NOT NULL CHECK (region ~ '^[0-9]{2}$'),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        mime_type text NOT NULL CHECK (mime_type IN ('image/jpeg', 'image/png')),
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        width integer NOT NULL,
        height integer NOT NULL,
        captured_at timestamptz NOT NULL,
        bytes bytea NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT photos_region_sha256_key UNIQUE (region, sha256)
      )`);
    await q.query(`
      CREATE TABLE intake.cases (
        id uuid PRIMARY KEY,
        receipt_number text NOT NULL CONSTRAINT cases_receipt_number_key UNIQUE,
        acceptance_point text NOT NULL,
        residence_code text NOT NULL,
        residence_province text NOT NULL,
        hukou_code text NOT NULL,
        hukou_province text NOT NULL,
        hukou_address text NOT NULL,
        status text NOT NULL CHECK (status IN ('ACCEPTED', 'UNDER_REVIEW', 'SUPPLEMENT_REQUIRED',
          'REFUSED', 'APPROVED', 'IN_PRODUCTION', 'PRODUCED', 'DISPATCHED', 'READY_FOR_PICKUP',
          'DELIVERED', 'CANCELLED')),
        delivery_method text NOT NULL CHECK (delivery_method IN ('WINDOW', 'POST')),
        postal_returned boolean NOT NULL DEFAULT false,
        production_attempts integer NOT NULL DEFAULT 0,
        max_production_attempts integer NOT NULL,
        applicant jsonb NOT NULL,
        photo_id uuid NOT NULL REFERENCES intake.photos (id),
        fingerprints jsonb NOT NULL,
        guardian jsonb,
        proxy jsonb,
        delivery jsonb NOT NULL,
        fee_yuan numeric(8, 2) NOT NULL,
        fee_rule text NOT NULL,
        fee_reason text NOT NULL,
        eligibility_rule text NOT NULL,
        eligibility_reason text NOT NULL,
        intake_date date NOT NULL,
        created_by text NOT NULL,
        review_due_at timestamptz NOT NULL,
        promise_due_at timestamptz NOT NULL,
        statutory_due_at timestamptz NOT NULL,
        review_overdue boolean NOT NULL DEFAULT false,
        statutory_overdue boolean NOT NULL DEFAULT false,
        pickup_reminder_due_at timestamptz,
        pickup_reminded_at timestamptz,
        review_round integer NOT NULL DEFAULT 1,
        supplement_requested jsonb NOT NULL DEFAULT '[]',
        supplements jsonb NOT NULL DEFAULT '[]',
        decided_at timestamptz,
        refusal_code text,
        refusal_reason text,
        issue jsonb,
        production_history jsonb NOT NULL DEFAULT '[]',
        card_serial text,
        delivery_progress jsonb NOT NULL DEFAULT '{}',
        cancel_reason text,
        pending_command text,
        last_sent_at timestamptz,
        resend_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX cases_point_created_idx ON intake.cases (acceptance_point, created_at DESC)`,
    );
    await q.query(`CREATE INDEX cases_point_status_idx ON intake.cases (acceptance_point, status)`);
    await q.query(
      `CREATE INDEX cases_pending_idx ON intake.cases (last_sent_at) WHERE pending_command IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE intake.case_timeline (
        id bigserial PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES intake.cases (id),
        from_status text,
        to_status text NOT NULL,
        event text NOT NULL,
        side text NOT NULL,
        actor text,
        sender_province text,
        sender_service text,
        message_id uuid,
        reason text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_timeline_case_idx ON intake.case_timeline (case_id, id)`);
    await q.query(`
      CREATE TABLE intake.idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        case_id uuid REFERENCES intake.cases (id),
        status_code integer,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`
      CREATE TABLE intake.receipt_counters (
        acceptance_point text NOT NULL,
        day date NOT NULL,
        last integer NOT NULL,
        PRIMARY KEY (acceptance_point, day)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS intake.receipt_counters`);
    await q.query(`DROP TABLE IF EXISTS intake.idempotency_keys`);
    await q.query(`DROP TABLE IF EXISTS intake.case_timeline`);
    await q.query(`DROP TABLE IF EXISTS intake.cases`);
    await q.query(`DROP TABLE IF EXISTS intake.photos`);
    for (const sql of messagingTablesDown('intake')) await q.query(sql);
  }
}
