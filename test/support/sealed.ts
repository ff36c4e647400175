import { Envelope, Keyring, openEnvelope } from '@app/messaging';

/**
 * Every key of a test system's keyring folder (the test plays every province), to open what the
 * services under test sealed for their recipients.
 */
export function keyringOf(system: { keyringDir: string }): Keyring {
  return Keyring.load(system.keyringDir, { provinces: [], autogenerate: false }).keyring;
}

/** Outbox rows (or anything holding an envelope) with their payloads opened, as the recipient reads them. */
export function openedRows<R extends { envelope: Envelope }>(keyring: Keyring, rows: R[]): R[] {
  return rows.map((row) => ({
    ...row,
    envelope: { ...row.envelope, payload: openEnvelope(keyring, row.envelope) },
  }));
}
