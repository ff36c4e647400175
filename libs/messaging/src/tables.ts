/**
 * The messaging tables every service keeps in its own schema: the outbox it publishes from, the
 * inbox that makes consumption idempotent, and the dead letters of messages it could not handle.
 * Service migrations call these so the tables are the same everywhere.
 */
export function messagingTablesUp(schema: string): string[] {
  assertSchemaName(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    `CREATE TABLE "${schema}".outbox (
       id uuid PRIMARY KEY,
       -- commit order within the outbox: created_at is the same for every row of one transaction
       seq bigserial NOT NULL,
       queue text NOT NULL,
       type text NOT NULL,
       case_id text NOT NULL,
       envelope jsonb NOT NULL,
       delay_ms bigint NOT NULL DEFAULT 0,
       job_id text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       sent_at timestamptz,
       publish_attempts integer NOT NULL DEFAULT 0,
       last_error text
     )`,
    `CREATE INDEX outbox_pending_idx ON "${schema}".outbox (seq) WHERE sent_at IS NULL`,
    `CREATE TABLE "${schema}".inbox (
       message_id uuid PRIMARY KEY,
       type text NOT NULL,
       case_id text NOT NULL,
       sender_province text NOT NULL,
       received_at timestamptz NOT NULL DEFAULT now()
     )`,
    `CREATE TABLE "${schema}".dead_letters (
       id bigserial PRIMARY KEY,
       message_id text,
       queue text NOT NULL,
       type text,
       case_id text,
       reason text NOT NULL,
       error text NOT NULL,
       attempts integer NOT NULL,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       replay_count integer NOT NULL DEFAULT 0,
       replayed_at timestamptz
     )`,
    `CREATE INDEX dead_letters_created_idx ON "${schema}".dead_letters (created_at DESC)`,
  ];
}

export function messagingTablesDown(schema: string): string[] {
  assertSchemaName(schema);
  return [
    `DROP TABLE IF EXISTS "${schema}".dead_letters`,
    `DROP TABLE IF EXISTS "${schema}".inbox`,
    `DROP TABLE IF EXISTS "${schema}".outbox`,
  ];
}

export function assertSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`schema name "${schema}" must be lowercase letters, digits and _`);
}
