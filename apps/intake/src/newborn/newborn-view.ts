import { maskCitizenId } from '@app/domain';
import { machineOf, NEWBORN_STATUS_INFO, NewbornStatus, runMachine, Side } from '@app/workflow';
import { contextOf } from '../case/case-context';
import { CaseEntity, newbornPart } from '../case/case.entity';
import type { TimelineEntity } from '../case/timeline.entity';
import { overdueOf, toTimelineView } from '../applications/case-view';
import type { NewbornCaseView, NewbornSummaryView } from './dto/newborn-view.dto';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The clerk's view of a newborn registration; ID numbers of parents are masked. */
export function toNewbornView(
  c: CaseEntity,
  timeline: Omit<TimelineEntity, 'id'>[],
  now: Date,
): NewbornCaseView {
  const n = newbornPart(c);
  const machine = machineOf(c.kind);
  return {
    id: c.id,
    kind: c.kind,
    receiptNumber: c.receiptNumber,
    status: c.status,
    statusZh: NEWBORN_STATUS_INFO[c.status as NewbornStatus]?.zh ?? c.status,
    acceptancePoint: c.acceptancePoint,
    residenceProvince: c.residenceProvince,
    hukouProvince: c.hukouProvince,
    child: n.child,
    birthCertificateNumber: n.birthCertificateNumber,
    parent: {
      relation: n.parent.relation,
      name: n.parent.name,
      ethnicity: n.parent.ethnicity,
      idNumberMasked: maskCitizenId(n.parent.idNumber),
    },
    otherParent: n.otherParent
      ? {
          relation: n.otherParent.relation,
          name: n.otherParent.name,
          ethnicity: n.otherParent.ethnicity,
          idNumberMasked: n.otherParent.idNumber ? maskCitizenId(n.otherParent.idNumber) : null,
        }
      : null,
    marriage: n.marriage,
    hukou: { addressCode: c.hukouCode, address: c.hukouAddress },
    delivery: c.delivery,
    eligibility: { rule: c.eligibilityRule, reason: c.eligibilityReason },
    reviewRound: c.reviewRound,
    supplementRequested: c.supplementRequested,
    refusal: c.refusalCode ? { code: c.refusalCode, reason: c.refusalReason ?? '' } : null,
    registration: n.registration,
    cancelReason: c.cancelReason,
    deadlines: {
      reviewDueAt: c.reviewDueAt.toISOString(),
      promiseDueAt: c.promiseDueAt.toISOString(),
      statutoryDueAt: c.statutoryDueAt.toISOString(),
      pickupReminderDueAt: iso(c.pickupReminderDueAt),
    },
    overdue: overdueOf(c, now),
    allowedActions: ['SUPPLEMENT_SUBMITTED', 'CANCELLED'].filter(
      (type) => runMachine(machine, contextOf(c), { type, side: Side.RESIDENCE }).ok,
    ),
    timeline: timeline.map(toTimelineView),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function toNewbornSummary(c: CaseEntity): NewbornSummaryView {
  return {
    id: c.id,
    receiptNumber: c.receiptNumber,
    status: c.status,
    childName: newbornPart(c).child.name,
    hukouProvince: c.hukouProvince,
    createdAt: c.createdAt.toISOString(),
  };
}
