import type { Envelope } from '@app/messaging';
import type { OpeningRead } from '@app/persistence';
import { registrationColumns } from './registration/registration.service';
import type { RegistrationRequestPayload } from './registration/registration.rules';
import { casePartiesRead, reviewColumns } from './review/review.service';
import type { ReviewRequestPayload } from './review/review.rules';

/**
 * What verification's handlers read first for a request (see HostedService.openingRead), sent with
 * the message's opening: the case's parties, whether it was withdrawn, this round's recorded
 * decision and, for a review, the applicant in the registry. Other messages (withdrawals) read for
 * themselves.
 */
export function verificationOpeningRead(
  envelope: Envelope,
  payload: unknown,
): OpeningRead | undefined {
  switch (envelope.type) {
    case 'review.requested':
      return casePartiesRead(envelope, 'reviews', reviewColumns(payload as ReviewRequestPayload));
    case 'registration.requested':
      return casePartiesRead(
        envelope,
        'registrations',
        registrationColumns(payload as RegistrationRequestPayload),
      );
    default:
      return undefined;
  }
}
