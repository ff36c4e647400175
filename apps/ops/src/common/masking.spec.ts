import { makeCitizenId, maskCitizenId } from '@app/domain';
import { maskEnvelope, maskPayload, maskText } from './masking';

describe('ops masking', () => {
  const idNumber = makeCitizenId({ addressCode: '340104', birthDate: '2008-03-15', sequence: 123 });

  it('masks ID-number-like and mobile-like runs in free text, as maskCitizenId does', () => {
    expect(maskText(`lookup failed for ${idNumber}: reset`)).toBe(
      `lookup failed for ${maskCitizenId(idNumber)}: reset`,
    );
    expect(maskText('call 13912345678 now')).toBe('call 139****5678 now');
    expect(maskText('身份证号34010420080315123X有误')).toBe('身份证号340104********123X有误');
    // Longer digit runs (card serials, timestamps in ms) are left alone.
    expect(maskText('serial 1234567890123456789012')).toBe('serial 1234567890123456789012');
  });

  it('keeps what a message is and withholds who it is about', () => {
    const masked = maskEnvelope({
      id: 'b9d7c7a2-6f7e-4a53-9d2a-1b2f3c4d5e6f',
      type: 'review.requested',
      schemaVersion: 1,
      caseId: 'c1',
      correlationId: 'c2',
      causationId: null,
      sender: { province: '31', service: 'intake' },
      recipient: { province: '34', service: 'verification' },
      sentAt: '2022-07-01T02:00:00.000Z',
      payload: {
        round: 2,
        acceptancePoint: '310101-01',
        applicant: { idNumber, name: '张三' },
        receiptNumber: 'R310101-01-220701-0001',
        outcome: 'APPROVED',
      },
      inReplyTo: { messageId: 'm0', hash: 'abc' },
      signature: 'c2lnbmF0dXJl',
      extra: 'x',
    });
    expect(masked).toMatchObject({
      isObject: true,
      type: 'review.requested',
      sender: { province: '31', service: 'intake' },
      recipient: { province: '34', service: 'verification' },
      inReplyTo: { messageId: 'm0' },
      signed: true,
      otherFields: ['extra'],
      payload: {
        fields: ['round', 'acceptancePoint', 'applicant', 'receiptNumber', 'outcome'],
        safe: { round: 2, acceptancePoint: '310101-01', outcome: 'APPROVED' },
        withheld: ['applicant', 'receiptNumber'],
      },
    });
    const text = JSON.stringify(masked);
    for (const s of [idNumber, '张三', 'R310101-01-220701-0001', 'c2lnbmF0dXJl', 'abc'])
      expect(text).not.toContain(s);
  });

  it('withholds a "safe" field when its value is not a short scalar', () => {
    expect(maskPayload({ outcome: { name: '张三' }, round: 'x'.repeat(100) })).toEqual({
      fields: ['outcome', 'round'],
      safe: {},
      withheld: ['outcome', 'round'],
    });
  });

  it('copes with anything that is not an envelope', () => {
    for (const junk of [null, 'text', 42, [1, 2]])
      expect(maskEnvelope(junk)).toMatchObject({ isObject: false, payload: null });
    expect(maskEnvelope({ sender: 'x', payload: 'y' })).toMatchObject({
      isObject: true,
      sender: null,
      payload: null,
      signed: false,
    });
  });
});
