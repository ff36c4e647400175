import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Caller } from '@app/platform';
import { CaseEntity } from '../case/case.entity';
import { toTimelineView } from '../applications/case-view';
import { TimelineEntity } from '../case/timeline.entity';
import { notFound } from '../common/http-problems';
import { AuditTimelineView } from './dto/audit-timeline.dto';
import { verifyTimelineChain } from '../case/timeline-chain';

/**
 * Who may audit a case: ops any case; an auditor the cases whose residence or hukou province is
 * their own. Everyone else never gets here (@Roles on the controller).
 */
export function mayAudit(
  caller: Pick<Caller, 'role' | 'province'>,
  c: Pick<CaseEntity, 'residenceProvince' | 'hukouProvince'>,
): boolean {
  if (caller.role === 'ops') return true;
  if (caller.role === 'auditor')
    return caller.province === c.residenceProvince || caller.province === c.hukouProvince;
  return false;
}

/** The auditor's read of a case's timeline, with the hash chain recomputed. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly dataSource: DataSource) {}

  async caseTimeline(caller: Caller, id: string): Promise<AuditTimelineView> {
    // One snapshot for the case and its entries, so a transition committing meanwhile cannot make
    // the last entry and the case status disagree.
    const read = await this.dataSource.transaction('REPEATABLE READ', async (m) => {
      const c = await m.findOne(CaseEntity, {
        where: { id },
        select: {
          id: true,
          receiptNumber: true,
          status: true,
          acceptancePoint: true,
          residenceProvince: true,
          hukouProvince: true,
        },
      });
      if (!c || !mayAudit(caller, c)) return null;
      const rows = await m.find(TimelineEntity, { where: { caseId: id }, order: { id: 'ASC' } });
      return { c, rows };
    });
    // 404 alike for an unknown case and one outside the auditor's province.
    if (!read) throw notFound(`case ${id} not found`);
    const { c, rows } = read;
    const verdict = verifyTimelineChain(rows, c.status);
    const meta = { caseId: c.id, auditor: caller.subject, role: caller.role };
    if (verdict.verified) this.logger.log('case timeline read for audit, chain verified', meta);
    else
      this.logger.error(`case timeline chain broken at entry ${verdict.brokenAt}`, {
        ...meta,
        brokenAt: verdict.brokenAt,
        problem: verdict.problem,
      });
    return {
      caseId: c.id,
      receiptNumber: c.receiptNumber,
      status: c.status,
      acceptancePoint: c.acceptancePoint,
      residenceProvince: c.residenceProvince,
      hukouProvince: c.hukouProvince,
      verified: verdict.verified,
      brokenAt: verdict.brokenAt,
      entries: verdict.entries,
      problem: verdict.problem,
      headHash: verdict.headHash,
      timeline: rows.map((t) => ({
        id: String(t.id),
        ...toTimelineView(t),
        prevHash: t.prevHash,
        hash: t.hash,
      })),
      checkedAt: new Date().toISOString(),
    };
  }
}
