import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Catalog, MessageType } from '@app/contracts';
import { caseDeadlines, listCounties, makeCitizenId, todayInChina } from '@app/domain';
import type { Envelope } from '@app/messaging';
import { CaseStatus, Side, TRANSITIONS } from '@app/workflow';
import {
  GENESIS_HASH,
  timelineContent,
  timelineEntryHash,
} from '../../../apps/intake/src/case/timeline-chain';

/**
 * Builders of intake case rows and their timelines, written with SQL the way intake writes them
 * (every NOT NULL column filled), with dates the test controls. Each case remembers its personal
 * data so a test can check ops never returns it.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface Step {
  status: CaseStatus;
  at: Date;
}

export interface CaseSpec {
  residence: string;
  hukou: string;
  /** Timeline: the statuses the case entered, in order, from ACCEPTED; the last is its status. */
  path: Step[];
  /** Extra timeline rows that do not change the status (timers, remakes): [status, at]. */
  selfLoops?: Step[];
  /** Intake date (China); default: the date of the first step in China. */
  intakeDate?: string;
  reviewDueAt?: Date;
  promiseDueAt?: Date;
  statutoryDueAt?: Date;
  reviewOverdue?: boolean;
  statutoryOverdue?: boolean;
  pendingCommand?: 'review.requested' | 'production.ordered' | 'delivery.ordered' | null;
  lastSentAt?: Date | null;
  resendCount?: number;
}

export interface WrittenCase extends CaseSpec {
  id: string;
  status: CaseStatus;
  intakeDate: string;
  reviewDueAt: Date;
  promiseDueAt: Date;
  statutoryDueAt: Date;
  idNumber: string;
  name: string;
  hukouAddress: string;
  point: string;
}

/** A path through the main statuses, each step `gaps[i]` ms after the previous one. */
export function pathOf(start: Date, statuses: CaseStatus[], gaps: number[]): Step[] {
  let t = start.getTime();
  return statuses.map((status, i) => {
    if (i > 0) t += gaps[i - 1] ?? 0;
    return { status, at: new Date(t) };
  });
}

const countyCache = new Map<string, string>();
/** The first county-level code of a province in the division data (a real code). */
export function countyOf(province: string): string {
  let code = countyCache.get(province);
  if (!code) {
    code = listCounties().find((c) => c.provinceCode === province)?.code;
    if (!code) throw new Error(`no county for province ${province}`);
    countyCache.set(province, code);
  }
  return code;
}

/** End of a China calendar day as an instant. */
export function endOfChinaDay(date: string): Date {
  return new Date(`${date}T23:59:59.999+08:00`);
}

export function chinaDateOf(at: Date): string {
  return todayInChina(at);
}

let serial = 0;

export class CaseFactory {
  private photoId?: string;
  private hashed?: boolean;
  readonly written: WrittenCase[] = [];

  constructor(private readonly dataSource: DataSource) {}

  /** Whether intake's timeline is a hash chain here (columns prev_hash, hash). */
  private async timelineIsChained(): Promise<boolean> {
    if (this.hashed === undefined) {
      const rows = await this.dataSource.query(
        `SELECT 1 FROM information_schema.columns
          WHERE table_schema = 'intake' AND table_name = 'case_timeline' AND column_name = 'hash'`,
      );
      this.hashed = rows.length > 0;
    }
    return this.hashed;
  }

  private async photo(): Promise<string> {
    if (this.photoId) return this.photoId;
    const id = randomUUID();
    const bytes = randomBytes(32);
    await this.dataSource.query(
      `INSERT INTO intake.photos (id, region, sha256, mime_type, size_bytes, width, height, captured_at, bytes, created_by)
       VALUES ($1, '31', $2, 'image/png', $3, 358, 441, now(), $4, 'test')`,
      [id, createHash('sha256').update(bytes).digest('hex'), bytes.length, bytes],
    );
    this.photoId = id;
    return id;
  }

  async write(spec: CaseSpec): Promise<WrittenCase> {
    if (!spec.path.length || spec.path[0].status !== CaseStatus.ACCEPTED)
      throw new Error('a case path starts with ACCEPTED');
    serial += 1;
    const id = randomUUID();
    const status = spec.path[spec.path.length - 1].status;
    const intakeAt = spec.path[0].at;
    const intakeDate = spec.intakeDate ?? chinaDateOf(intakeAt);
    const due = caseDeadlines(intakeDate);
    const residenceCode = countyOf(spec.residence);
    const hukouCode = countyOf(spec.hukou);
    const point = `${residenceCode}-01`;
    const birthDate = `200${serial % 10}-0${(serial % 9) + 1}-1${serial % 10}`;
    const idNumber = makeCitizenId({ addressCode: hukouCode, birthDate, sequence: serial % 1000 });
    const name = `测试${String.fromCharCode(0x4e00 + (serial % 2000))}${String.fromCharCode(0x4e00 + 2000 + (serial % 500))}`;
    const hukouAddress = `测试省测试市测试路${serial}号`;
    const written: WrittenCase = {
      ...spec,
      id,
      status,
      intakeDate,
      reviewDueAt: spec.reviewDueAt ?? endOfChinaDay(due.reviewDue),
      promiseDueAt: spec.promiseDueAt ?? endOfChinaDay(due.promiseDue),
      statutoryDueAt: spec.statutoryDueAt ?? endOfChinaDay(due.statutoryDue),
      idNumber,
      name,
      hukouAddress,
      point,
    };
    await this.dataSource.query(
      `INSERT INTO intake.cases (
         id, receipt_number, acceptance_point, residence_code, residence_province, hukou_code,
         hukou_province, hukou_address, status, delivery_method, max_production_attempts, applicant,
         photo_id, fingerprints, delivery, fee_yuan, fee_rule, fee_reason, eligibility_rule,
         eligibility_reason, intake_date, created_by, review_due_at, promise_due_at,
         statutory_due_at, review_overdue, statutory_overdue, pending_command, last_sent_at,
         resend_count, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'WINDOW', 3, $10, $11, $12, $13, 0, 'test',
         'test fixture', 'test', 'test fixture', $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
         $24, $25)`,
      [
        id,
        `R${point}-T${serial}-${id.slice(0, 6)}`,
        point,
        residenceCode,
        spec.residence,
        hukouCode,
        spec.hukou,
        hukouAddress,
        status,
        JSON.stringify({ idNumber, name, sex: 'F', ethnicity: '汉', birthDate }),
        await this.photo(),
        JSON.stringify({ captured: true, templates: null, missingReason: null }),
        JSON.stringify({ method: 'WINDOW', recipient: null, address: null, phone: null }),
        intakeDate,
        `clerk@${point}`,
        written.reviewDueAt,
        written.promiseDueAt,
        written.statutoryDueAt,
        spec.reviewOverdue ?? false,
        spec.statutoryOverdue ?? false,
        spec.pendingCommand ?? null,
        spec.lastSentAt ?? null,
        spec.resendCount ?? 0,
        intakeAt,
        spec.path[spec.path.length - 1].at,
      ],
    );
    const rows: { from: string | null; to: string; at: Date; event: string; side: string }[] = [];
    spec.path.forEach((step, i) => {
      const from = i === 0 ? null : spec.path[i - 1].status;
      const t = from ? TRANSITIONS.find((x) => x.from === from && x.to === step.status) : null;
      if (from && !t) throw new Error(`no transition ${from} → ${step.status}`);
      rows.push({
        from,
        to: step.status,
        at: step.at,
        event: t?.event ?? 'INTAKE',
        side: t?.side ?? Side.RESIDENCE,
      });
    });
    for (const loop of spec.selfLoops ?? []) {
      const t = TRANSITIONS.find((x) => x.from === loop.status && x.to === loop.status);
      if (!t) throw new Error(`no self-loop on ${loop.status}`);
      rows.push({ from: loop.status, to: loop.status, at: loop.at, event: t.event, side: t.side });
    }
    rows.sort((a, b) => a.at.getTime() - b.at.getTime());
    const chained = await this.timelineIsChained();
    let prevHash = GENESIS_HASH;
    for (const r of rows) {
      // Written as intake writes them: each entry chained to the one before (when the chain exists).
      const hash = timelineEntryHash(
        timelineContent({
          caseId: id,
          fromStatus: r.from,
          toStatus: r.to,
          event: r.event,
          side: r.side,
          actor: null,
          senderProvince: null,
          senderService: null,
          messageId: null,
          reason: null,
          at: r.at,
        }),
        prevHash,
      );
      await this.dataSource.query(
        chained
          ? `INSERT INTO intake.case_timeline (case_id, from_status, to_status, event, side, at, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
          : `INSERT INTO intake.case_timeline (case_id, from_status, to_status, event, side, at)
             VALUES ($1, $2, $3, $4, $5, $6)`,
        [id, r.from, r.to, r.event, r.side, r.at, ...(chained ? [prevHash, hash] : [])],
      );
      prevHash = hash;
    }
    this.written.push(written);
    return written;
  }

  /** Personal strings of every written case: none may appear in an ops answer. */
  personalStrings(): string[] {
    return this.written.flatMap((c) => [c.idNumber, c.name, c.hukouAddress]);
  }
}

/**
 * An envelope as a sender would publish it, with personal data in its payload (the catalog's
 * example of a review request); the signature is a placeholder: nothing here verifies it.
 */
export function anEnvelope(
  type: MessageType,
  opts: {
    caseId?: string;
    from: { province: string; service: string };
    to: { province: string; service: string };
    payload: Record<string, unknown>;
  },
): Envelope {
  const id = randomUUID();
  return {
    id,
    type,
    schemaVersion: Catalog[type].version,
    caseId: opts.caseId ?? randomUUID(),
    correlationId: id,
    causationId: null,
    sender: opts.from,
    recipient: opts.to,
    sentAt: new Date().toISOString(),
    payload: opts.payload,
    inReplyTo: null,
    signature: randomBytes(64).toString('base64'),
  };
}

let personSerial = 500;
/** Applicant particulars as a review request carries them. */
export function aReviewPayload(hukouCounty = '340104') {
  personSerial += 1;
  const idNumber = makeCitizenId({
    addressCode: hukouCounty,
    birthDate: '2008-03-15',
    sequence: personSerial % 1000,
  });
  const name = `信封${String.fromCharCode(0x4e00 + (personSerial % 3000))}`;
  return {
    idNumber,
    name,
    payload: {
      receiptNumber: `R310101-01-220701-${String(personSerial).padStart(4, '0')}`,
      acceptancePoint: '310101-01',
      residenceProvince: '31',
      round: 1,
      applicant: { idNumber, name, sex: 'M', ethnicity: '汉', birthDate: '2008-03-15' },
      hukou: { addressCode: hukouCounty, address: `安徽省合肥市蜀山区信封路${personSerial}号` },
      photo: {
        photoId: randomUUID(),
        sha256: createHash('sha256').update(String(personSerial)).digest('hex'),
        capturedAt: new Date().toISOString(),
      },
      fingerprints: { captured: true, missingReason: null },
      guardian: null,
      supplements: [],
    },
  };
}
