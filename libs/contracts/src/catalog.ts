import { defineCatalog, MessageTypeOf, NATIONAL_ADDRESS, Party, PayloadOf } from '@app/messaging';
import { z } from 'zod';
import { RegistrationDecidedPayload, RegistrationRequestedPayload } from './newborn';
import { StatsSnapshotPayload } from './stats';
import { Service } from './services';

/**
 * Every message of the cross-province flow: type → schema version, who may send it (producing
 * service and its party of the case), who consumes it (service and party), the request a reply
 * answers, and the payload schema. Producers (through the outbox, which addresses the message from
 * it) and handlers (through the transport and the case's party checks) both hold to this one map.
 * Types are never renamed; a changed payload gets a new version.
 *
 * Payloads carry what the receiver needs and cannot read itself: the hukou side has no access to the
 * residence side's database, so a review request carries the applicant's particulars.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const isoTime = z.string().datetime({ offset: true });
const provinceCode = z.string().regex(/^\d{2}$/, 'expected a 2-digit province code');
const divisionCode = z.string().regex(/^\d{6}$/, 'expected a 6-digit division code');
const pointId = z.string().regex(/^\d{6}-\d{2}$/, 'expected an acceptance point id like 330402-01');
const idNumber = z.string().regex(/^\d{17}[\dX]$/, 'expected an 18-character citizen ID number');
const sex = z.enum(['M', 'F']);

export const Applicant = z.object({
  idNumber,
  name: z.string().min(1).max(64),
  sex,
  ethnicity: z.string().min(1).max(32),
  birthDate: isoDate,
});

export const SupplementItem = z.object({
  code: z.string().min(1).max(64),
  description: z.string().min(1).max(500),
});

/** The hukou county bureau's issue decision (签发): what the card will say. */
export const IssueDecision = z.object({
  issuingAuthority: z.string().min(1).max(100),
  issuingAuthorityCode: divisionCode,
  issueDate: isoDate,
  validFrom: isoDate,
  /** null = long-term (长期). */
  validUntil: isoDate.nullable(),
  validityYears: z.number().int().nullable(),
  /** The address printed on the card: the hukou address from the registry. */
  address: z.string().min(1).max(200),
});

export const ReviewOutcome = z.enum(['APPROVED', 'REFUSED', 'SUPPLEMENT_REQUIRED']);

/** A withdrawal notice to the hukou side (`review.withdrawn`, `registration.withdrawn`). */
const Withdrawal = z.object({
  residenceProvince: provinceCode,
  /** The last round the residence side asked for. */
  round: z.number().int().min(1),
  withdrawnAt: isoTime,
});

export const Catalog = defineCatalog({
  /** Residence intake → hukou verification: please review and issue. */
  'review.requested': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.VERIFICATION,
    consumerParty: Party.HUKOU,
    description: 'an application to review against the hukou population registry',
    schema: z.object({
      receiptNumber: z.string().min(1).max(40),
      acceptancePoint: pointId,
      residenceProvince: provinceCode,
      /** 1 for the first review, +1 after each supplement. */
      round: z.number().int().min(1),
      applicant: Applicant,
      hukou: z.object({ addressCode: divisionCode, address: z.string().min(1).max(200) }),
      photo: z.object({
        photoId: z.string().uuid(),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        capturedAt: isoTime,
      }),
      fingerprints: z.object({
        captured: z.boolean(),
        missingReason: z.string().max(200).nullable(),
      }),
      guardian: z
        .object({ name: z.string().min(1).max(64), idNumber, relation: z.string().min(1).max(32) })
        .nullable(),
      supplements: z.array(SupplementItem.extend({ submittedAt: isoTime })).max(50),
    }),
  },
  /** Hukou verification → residence intake: the decision on one review round. */
  'review.decided': {
    version: 1,
    producer: Service.VERIFICATION,
    producerParty: Party.HUKOU,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    answers: 'review.requested',
    description: 'approval with an issue decision, refusal with a reason, or a supplement request',
    schema: z.object({
      round: z.number().int().min(1),
      outcome: ReviewOutcome,
      decidedAt: isoTime,
      issue: IssueDecision.nullable(),
      refusal: z
        .object({ code: z.string().min(1).max(64), reason: z.string().min(1).max(500) })
        .nullable(),
      supplement: z.object({ items: z.array(SupplementItem).min(1).max(20) }).nullable(),
    }),
  },
  /**
   * Residence intake → hukou verification: the applicant withdrew the case (a notice, not
   * answered). The hukou side releases the person's open-application claim and reviews no later
   * round of the case. Sent on withdrawal whenever a review request has gone out.
   */
  'review.withdrawn': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.VERIFICATION,
    consumerParty: Party.HUKOU,
    description:
      'the case was withdrawn at the residence side: release its claim on the person, review no later round',
    schema: Withdrawal,
  },
  /** Intake → its own province's production centre: make the card. */
  'production.ordered': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.PRODUCTION,
    consumerParty: Party.RESIDENCE,
    description: 'make the card of an approved case',
    schema: z.object({
      receiptNumber: z.string().min(1).max(40),
      acceptancePoint: pointId,
      applicant: Applicant,
      issue: IssueDecision,
      photoId: z.string().uuid(),
    }),
  },
  /** Intake → production: the case was withdrawn; do not start. */
  'production.cancelled': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.PRODUCTION,
    consumerParty: Party.RESIDENCE,
    description: 'the case was withdrawn before production started',
    schema: z.object({ reason: z.string().max(200) }),
  },
  'production.started': {
    version: 1,
    producer: Service.PRODUCTION,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    answers: 'production.ordered',
    description: 'the production centre started making the card',
    schema: z.object({ attempt: z.number().int().min(1), startedAt: isoTime }),
  },
  'production.attempt_failed': {
    version: 1,
    producer: Service.PRODUCTION,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    answers: 'production.ordered',
    description: 'a card failed the quality check and is being remade',
    schema: z.object({
      attempt: z.number().int().min(1),
      reason: z.string().max(200),
      failedAt: isoTime,
    }),
  },
  'production.completed': {
    version: 1,
    producer: Service.PRODUCTION,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    answers: 'production.ordered',
    description: 'the card is made',
    schema: z.object({
      cardSerial: z.string().min(1).max(40),
      attempts: z.number().int().min(1),
      producedAt: isoTime,
    }),
  },
  /** Intake → delivery of its province: get the card to the applicant. */
  'delivery.ordered': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.DELIVERY,
    consumerParty: Party.RESIDENCE,
    description: 'deliver a produced card to the acceptance point or by post',
    schema: z.object({
      receiptNumber: z.string().min(1).max(40),
      acceptancePoint: pointId,
      cardSerial: z.string().min(1).max(40),
      method: z.enum(['WINDOW', 'POST']),
      applicant: z.object({ idNumber, name: z.string().min(1).max(64) }),
      proxy: z.object({ name: z.string().min(1).max(64), idNumber }).nullable(),
      postal: z
        .object({
          recipient: z.string().min(1).max(64),
          address: z.string().min(1).max(200),
          phone: z.string().min(5).max(20),
        })
        .nullable(),
    }),
  },
  'delivery.dispatched': {
    version: 1,
    producer: Service.DELIVERY,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    description:
      'the card left the production centre (to the point, or by post with a tracking number)',
    schema: z.object({
      method: z.enum(['WINDOW', 'POST']),
      trackingNumber: z.string().max(40).nullable(),
      dispatchedAt: isoTime,
    }),
  },
  'delivery.arrived': {
    version: 1,
    producer: Service.DELIVERY,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    description: 'the card arrived at the acceptance point and awaits pickup',
    schema: z.object({ arrivedAt: isoTime }),
  },
  'delivery.returned': {
    version: 1,
    producer: Service.DELIVERY,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    description: 'postal delivery failed; the card goes back to the acceptance point',
    schema: z.object({ reason: z.string().max(200), returnedAt: isoTime }),
  },
  'delivery.completed': {
    version: 1,
    producer: Service.DELIVERY,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    description: 'the card was handed over (window collection or postal delivery)',
    schema: z.object({
      method: z.enum(['WINDOW', 'POST']),
      collectedBy: z.enum(['APPLICANT', 'PROXY', 'ADDRESSEE']),
      completedAt: isoTime,
    }),
  },
  /** Residence intake → hukou verification: please register this newborn (新生儿落户). */
  'registration.requested': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.VERIFICATION,
    consumerParty: Party.HUKOU,
    description:
      'a newborn registration to review against the hukou registry and register into the parent household',
    schema: RegistrationRequestedPayload,
  },
  /** Hukou verification → residence intake: the decision on one registration round. */
  'registration.decided': {
    version: 1,
    producer: Service.VERIFICATION,
    producerParty: Party.HUKOU,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    answers: 'registration.requested',
    description:
      "registration (the child's citizen ID number and household-register page), refusal with a reason, or a supplement request",
    schema: RegistrationDecidedPayload,
  },
  /**
   * Residence intake → hukou verification: the parent withdrew the newborn registration before it
   * was made (a notice, not answered). The hukou side registers no later round of the case, so a
   * request still on its way does not use the birth certificate.
   */
  'registration.withdrawn': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.VERIFICATION,
    consumerParty: Party.HUKOU,
    description:
      'the newborn registration was withdrawn at the residence side: register no later round',
    schema: Withdrawal,
  },
  /** Intake → itself, delayed: a durable timer backed by a deadline stored on the case. */
  'case.timer': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: Service.INTAKE,
    consumerParty: Party.RESIDENCE,
    description: 'a case deadline fell due (review, statutory limit, uncollected card)',
    schema: z.object({
      kind: z.enum(['REVIEW_DEADLINE', 'STATUTORY_DEADLINE', 'PICKUP_REMINDER']),
      dueAt: isoTime,
    }),
  },
  /**
   * A province's intake → the national operations node: the province's statistics snapshot (counts
   * of the cases it holds as the residence side, no personal data). Not about one case: its caseId
   * is `stats:<province>`.
   */
  'stats.published': {
    version: 1,
    producer: Service.INTAKE,
    producerParty: Party.RESIDENCE,
    consumer: NATIONAL_ADDRESS.service,
    consumerParty: Party.NATIONAL,
    description:
      "a province's statistics snapshot: current cases by kind, hukou province and status, and per-day counts of the last 35 days",
    schema: StatsSnapshotPayload,
  },
});

export type Catalog = typeof Catalog;
export type MessageType = MessageTypeOf<Catalog>;
export type Payload<T extends MessageType> = PayloadOf<Catalog, T>;
export type ApplicantT = z.infer<typeof Applicant>;
export type IssueDecisionT = z.infer<typeof IssueDecision>;
export type SupplementItemT = z.infer<typeof SupplementItem>;
