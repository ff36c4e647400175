import { maskCitizenId } from '@app/domain';
import {
  allowedEvents,
  CaseContext,
  CaseStatus,
  machineOf,
  Side,
  STATUS_INFO,
} from '@app/workflow';
import { CaseEntity, idCardParts } from '../case/case.entity';
import { contextOf as baseContextOf } from '../case/case-context';
import type {
  CaseSummaryView,
  CaseView,
  OverdueView,
  TimelineEntryView,
} from './dto/case-view.dto';
import type { TimelineEntity } from '../case/timeline.entity';

/** The workflow context of a stored case: the only facts the state machine reads. */
export function contextOf(c: CaseEntity): CaseContext {
  return baseContextOf(c) as CaseContext;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function overdueOf(c: CaseEntity, now: Date): OverdueView {
  return {
    review: c.reviewOverdue,
    promise:
      !machineOf(c.kind).terminal.includes(c.status) && now.getTime() > c.promiseDueAt.getTime(),
    statutory: c.statutoryOverdue,
  };
}

export function toTimelineView(t: Omit<TimelineEntity, 'id'>): TimelineEntryView {
  return {
    from: t.fromStatus,
    to: t.toStatus,
    event: t.event,
    side: t.side,
    actor: t.actor,
    senderProvince: t.senderProvince,
    senderService: t.senderService,
    messageId: t.messageId,
    reason: t.reason,
    at: t.at.toISOString(),
  };
}

/** The case as a clerk sees it: ID numbers masked, biometrics never included. */
export function toCaseView(
  c: CaseEntity,
  timeline: Omit<TimelineEntity, 'id'>[] | undefined,
  now: Date,
): CaseView {
  const d = c.delivery;
  return {
    id: c.id,
    receiptNumber: c.receiptNumber,
    status: c.status,
    statusZh: STATUS_INFO[c.status as CaseStatus].zh,
    acceptancePoint: c.acceptancePoint,
    residenceProvince: c.residenceProvince,
    hukouProvince: c.hukouProvince,
    applicant: {
      idNumberMasked: maskCitizenId(c.applicant.idNumber),
      name: c.applicant.name,
      sex: c.applicant.sex,
      ethnicity: c.applicant.ethnicity,
      birthDate: c.applicant.birthDate,
    },
    hukou: { addressCode: c.hukouCode, address: c.hukouAddress },
    photoId: idCardParts(c).photoId,
    fingerprints: {
      captured: idCardParts(c).fingerprints.captured,
      missingReason: idCardParts(c).fingerprints.missingReason,
    },
    guardian: c.guardian
      ? {
          name: c.guardian.name,
          idNumberMasked: maskCitizenId(c.guardian.idNumber),
          relation: c.guardian.relation,
        }
      : null,
    proxy: c.proxy ? { name: c.proxy.name, idNumberMasked: maskCitizenId(c.proxy.idNumber) } : null,
    delivery: {
      method: d.method,
      ...(d.method === 'POST'
        ? { recipient: d.recipient, address: d.address, phone: d.phone }
        : {}),
      postalReturned: c.postalReturned,
      ...c.deliveryProgress,
    },
    feeYuan: c.feeYuan,
    feeRule: c.feeRule,
    feeReason: c.feeReason,
    eligibility: { rule: c.eligibilityRule, reason: c.eligibilityReason },
    intakeDate: c.intakeDate,
    deadlines: {
      reviewDueAt: c.reviewDueAt.toISOString(),
      promiseDueAt: c.promiseDueAt.toISOString(),
      statutoryDueAt: c.statutoryDueAt.toISOString(),
      pickupReminderDueAt: iso(c.pickupReminderDueAt),
    },
    pickupRemindedAt: iso(c.pickupRemindedAt),
    overdue: overdueOf(c, now),
    reviewRound: c.reviewRound,
    supplementItemsRequested: c.supplementRequested,
    supplementsSubmitted: c.supplements,
    decidedAt: iso(c.decidedAt),
    refusal: c.refusalCode ? { code: c.refusalCode, reason: c.refusalReason ?? '' } : null,
    issue: c.issue,
    cardSerial: c.cardSerial,
    production: {
      attempts: c.productionAttempts,
      maxAttempts: c.maxProductionAttempts,
      history: c.productionHistory,
    },
    cancelReason: c.cancelReason,
    pendingCommand: c.pendingCommand,
    lastSentAt: iso(c.lastSentAt),
    resendCount: c.resendCount,
    clerkActions: allowedEvents(contextOf(c), Side.RESIDENCE).filter(
      (e) => e === 'CANCELLED' || e === 'SUPPLEMENT_SUBMITTED',
    ),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    ...(timeline ? { timeline: timeline.map(toTimelineView) } : {}),
  };
}

export function toCaseSummary(c: CaseEntity, now: Date): CaseSummaryView {
  return {
    id: c.id,
    receiptNumber: c.receiptNumber,
    status: c.status,
    idNumberMasked: maskCitizenId(c.applicant.idNumber),
    name: c.applicant.name,
    hukouProvince: c.hukouProvince,
    feeYuan: c.feeYuan,
    overdue: overdueOf(c, now),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
