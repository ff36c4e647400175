import { compareStored, idempotencyKeyProblem, requestHash } from './idempotency';

describe('idempotency', () => {
  describe('request hash', () => {
    it('is the same for the same document whatever the key order', () => {
      const a = {
        applicant: { name: '张三', sex: 'M' },
        photoId: 'p',
        delivery: { method: 'WINDOW' },
      };
      const b = {
        delivery: { method: 'WINDOW' },
        photoId: 'p',
        applicant: { sex: 'M', name: '张三' },
      };
      expect(requestHash(a)).toBe(requestHash(b));
      expect(requestHash(a)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('differs when any value, array order or nesting differs', () => {
      const base = { items: [{ code: 'A' }, { code: 'B' }], n: 1 };
      const h = requestHash(base);
      expect(requestHash({ ...base, n: 2 })).not.toBe(h);
      expect(requestHash({ ...base, items: [{ code: 'B' }, { code: 'A' }] })).not.toBe(h);
      expect(requestHash({ ...base, n: '1' })).not.toBe(h);
      expect(requestHash({ ...base, extra: null })).not.toBe(h);
    });

    it('ignores undefined fields (they are not in the JSON that was sent)', () => {
      expect(requestHash({ a: 1, b: undefined })).toBe(requestHash({ a: 1 }));
      expect(requestHash(undefined)).toBe(requestHash(null));
    });
  });

  describe('key', () => {
    it('is required and 8-128 visible ASCII characters', () => {
      expect(idempotencyKeyProblem(undefined)).toMatch(/required/);
      expect(idempotencyKeyProblem('')).toMatch(/required/);
      expect(idempotencyKeyProblem('1234567')).toMatch(/8-128/);
      expect(idempotencyKeyProblem('k'.repeat(129))).toMatch(/8-128/);
      expect(idempotencyKeyProblem('with space')).toMatch(/no spaces/);
      expect(idempotencyKeyProblem('密钥密钥密钥密钥')).toBeDefined();
      expect(idempotencyKeyProblem('3f1c2a7e-8b9d-4c1e-9f00-123456789abc')).toBeUndefined();
      expect(idempotencyKeyProblem('k'.repeat(128))).toBeUndefined();
    });
  });

  describe('a stored key against a new request', () => {
    const stored = { requestHash: 'h1', statusCode: 201, response: { id: 'c1' } };

    it('replays the first result for the same body', () => {
      expect(compareStored(stored, 'h1')).toEqual({
        kind: 'replay',
        result: { statusCode: 201, body: { id: 'c1' } },
      });
    });

    it('reports another body as a mismatch', () => {
      expect(compareStored(stored, 'h2')).toEqual({ kind: 'mismatch' });
    });

    it('reports a row without a result as pending', () => {
      expect(compareStored({ ...stored, statusCode: null }, 'h1')).toEqual({ kind: 'pending' });
    });
  });
});
