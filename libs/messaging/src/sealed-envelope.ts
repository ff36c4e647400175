import { Envelope, signingBytes, UnsignedEnvelope } from './envelope';
import type { Keyring } from './keyring';
import { openPayload, SealedPayload, sealPayload } from './sealing';

/**
 * The two steps every outgoing message takes, in this order: its payload is sealed for the
 * recipient province's current encryption key, then the whole envelope (sealed payload included)
 * is signed by the sender province. This is what the outbox stores and the relay publishes.
 */
export function sealAndSign(
  keyring: Keyring,
  unsigned: UnsignedEnvelope<unknown>,
): Envelope<SealedPayload> {
  const sealed: UnsignedEnvelope<SealedPayload> = {
    ...unsigned,
    payload: sealPayload(
      unsigned.payload,
      keyring.encryptionKey(unsigned.recipient.province),
      unsigned,
    ),
  };
  return { ...sealed, signature: keyring.sign(unsigned.sender.province, signingBytes(sealed)) };
}

/**
 * The plaintext payload of a received envelope, opened with the recipient province's private key
 * named by the payload's key id. Check the signature first; throws SealingError.
 */
export function openEnvelope(keyring: Keyring, envelope: Envelope): unknown {
  return openPayload(
    envelope.payload,
    (kid) => keyring.decryptionKey(envelope.recipient.province, kid),
    envelope,
  );
}
