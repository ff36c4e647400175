import { createHash } from 'node:crypto';
import {
  ChainedRow,
  GENESIS_HASH,
  timelineContent,
  timelineEntryHash,
  verifyTimelineChain,
} from './timeline-chain';

const CASE = '8f7d5b2b-a20d-4f6f-974f-0df4a3cf8478';

/** Builds a correctly chained timeline from (from, to, event) steps. */
function chain(steps: [string | null, string, string][]): ChainedRow[] {
  let prev = GENESIS_HASH;
  return steps.map(([from, to, event], i) => {
    const row = {
      id: String(10 + i),
      caseId: CASE,
      fromStatus: from,
      toStatus: to,
      event,
      side: i === 2 ? 'hukou' : 'residence',
      actor: i < 2 ? 'clerk@330402-01' : null,
      senderProvince: i === 2 ? '34' : null,
      senderService: i === 2 ? 'verification' : null,
      messageId: i === 2 ? '3a277f21-aac7-4d09-9c09-5b126e2f9122' : null,
      reason: i === 1 ? 'round 1' : null,
      at: new Date(Date.UTC(2026, 10, 23, 2, 51, 51, 817 + i)),
    };
    const hash = timelineEntryHash(timelineContent(row), prev);
    const out = { ...row, prevHash: prev, hash };
    prev = hash;
    return out;
  });
}

const STEPS: [string | null, string, string][] = [
  [null, 'ACCEPTED', 'INTAKE'],
  ['ACCEPTED', 'UNDER_REVIEW', 'REVIEW_REQUESTED'],
  ['UNDER_REVIEW', 'APPROVED', 'REVIEW_APPROVED'],
];

describe('timeline hash chain', () => {
  it('hashes the canonical JSON of the content and the previous hash with SHA-256', () => {
    const [first] = chain(STEPS);
    const canonical =
      '{"actor":"clerk@330402-01","at":"2026-11-23T02:51:51.817Z","caseId":"' +
      CASE +
      '","event":"INTAKE","from":null,"messageId":null,"prevHash":"' +
      GENESIS_HASH +
      '","reason":null,"senderProvince":null,"senderService":null,"side":"residence","to":"ACCEPTED"}';
    expect(first.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(first.prevHash).toBe('0'.repeat(64));
  });

  it('verifies an intact chain and names its head', () => {
    const rows = chain(STEPS);
    expect(verifyTimelineChain(rows, 'APPROVED')).toEqual({
      verified: true,
      brokenAt: null,
      entries: 3,
      problem: null,
      headHash: rows[2].hash,
    });
  });

  it('finds a changed entry', () => {
    const rows = chain(STEPS);
    rows[1] = { ...rows[1], reason: 'round 2' };
    expect(verifyTimelineChain(rows, 'APPROVED')).toMatchObject({
      verified: false,
      brokenAt: '11',
      problem: expect.stringMatching(/content was changed/),
    });
  });

  it('finds a changed entry whose hash was recomputed, at the next entry', () => {
    const rows = chain(STEPS);
    const forged = { ...rows[1], reason: 'round 2' };
    forged.hash = timelineEntryHash(timelineContent(forged), forged.prevHash!);
    rows[1] = forged;
    expect(verifyTimelineChain(rows, 'APPROVED')).toMatchObject({
      verified: false,
      brokenAt: '12',
      problem: expect.stringMatching(/does not link/),
    });
  });

  it('finds a removed, a reordered and an unhashed entry', () => {
    const rows = chain(STEPS);
    expect(verifyTimelineChain([rows[0], rows[2]], 'APPROVED').brokenAt).toBe('12');
    expect(verifyTimelineChain([rows[1], rows[0], rows[2]], 'APPROVED').brokenAt).toBe('11');
    const unhashed = [rows[0], { ...rows[1], hash: null }, rows[2]];
    expect(verifyTimelineChain(unhashed, 'APPROVED')).toMatchObject({
      brokenAt: '11',
      problem: expect.stringMatching(/no hash/),
    });
  });

  it('finds entries cut off the end by comparing with the case status', () => {
    const rows = chain(STEPS).slice(0, 2);
    expect(verifyTimelineChain(rows)).toMatchObject({ verified: true });
    expect(verifyTimelineChain(rows, 'APPROVED')).toMatchObject({
      verified: false,
      brokenAt: '11',
      problem: expect.stringMatching(/ends in UNDER_REVIEW but the case is APPROVED/),
    });
    expect(verifyTimelineChain([], 'APPROVED')).toMatchObject({ verified: false, entries: 0 });
  });

  it('normalises as PostgreSQL stores: uuids in lower case, text without lone surrogates', () => {
    const [row] = chain(STEPS);
    const upper = timelineContent({ ...row, caseId: CASE.toUpperCase(), reason: 'a\ud800b' });
    expect(upper.caseId).toBe(CASE);
    expect(upper.reason).toBe('a\ufffdb');
    expect(Buffer.from(upper.reason!, 'utf8').toString('utf8')).toBe(upper.reason);
  });
});
