import { randomUUID } from 'node:crypto';
import { computeCheckDigit } from '@app/domain';
import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { productionFeature } from '../../apps/production/src/production.feature';
import { importRegistryRecords } from '../../apps/verification/src/registry/registry-import';
import { verificationFeature } from '../../apps/verification/src/verification.feature';
import { authHeaders, TestCaller } from '../support/auth';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf } from '../intake/support/client';
import {
  ApplicationBody,
  anApplication,
  aPerson,
  Person,
  registryRecordOf,
} from '../intake/support/factories';
import {
  changedTables,
  DatabaseSnapshot,
  rowCountChanges,
  SERVICE_SCHEMAS,
  snapshotTables,
} from './support/snapshot';
import { bearer, claimsFor, tamperedBearer, unsignedBearer } from './support/tokens';

/**
 * Bad requests across the API, as a table. Every row says what is sent (method, path, headers,
 * body: an object sent as JSON or a raw string) and what must come back (status, a message naming
 * the problem, the JSON error shape `{statusCode, error, message, details?}`), and, by default,
 * that nothing was written anywhere: every table of the intake, verification, production and
 * delivery schemas has the same rows, and the same content, before and after.
 *
 * Hostile text is data. `'; DROP TABLE intake.cases; --` in a name or an address is accepted and
 * stored verbatim (every query is parameterised) and intake.cases is still there. Markup and
 * control characters are refused in names, addresses and other identity fields (rule "plain
 * text": none of them needs < or >, and PostgreSQL cannot store NUL); in free text (a withdrawal
 * reason) `<script>` is kept verbatim and only ever returned as JSON data
 * (Content-Type: application/json), never rendered.
 */

const POINT_A = '330402-01'; // 浙江 嘉兴 南湖区: the point of most rows
const POINT_B = '330421-01'; // another point of the same province
const POINT_C = '340104-01'; // a point of another province (安徽 合肥 蜀山区)
const SQL = "'; DROP TABLE intake.cases; --";
const SCRIPT = '<script>alert("x")</script>';

/** Test people whose hukou is in 江苏 (32): this node serves only 33 and 34, so no one answers
 * their review request and a case of theirs stays UNDER_REVIEW without any writes behind the test's back. */
const quietPerson = (over: Parameters<typeof aPerson>[0] = {}) =>
  aPerson({ hukouAddressCode: '320102', hukouAddress: '江苏省南京市玄武区中山路1号', ...over });

interface Seed {
  /** A case at point A whose card waits at the window (delivery READY_FOR_PICKUP). */
  ready: { id: string; receiptNumber: string; person: Person };
  /** Cases UNDER_REVIEW at points A, B and C. */
  pendingA: string;
  pendingB: string;
  pendingC: string;
  /** A case at point A for the withdrawal with markup in its reason. */
  toCancel: string;
  photoA: string;
}

type Body = unknown;
type Headers = Record<string, string>;

interface BadRequest {
  name: string;
  method: 'GET' | 'POST';
  path: string | ((s: Seed) => string);
  /** Default: a clerk of point A. */
  headers?: Headers | ((s: Seed) => Headers);
  /** An object (sent as JSON) or a raw string (sent as is, Content-Type: application/json). */
  body?: Body | ((s: Seed) => Body);
  expectStatus: number;
  expectMessage: RegExp;
  /** Exact row-count changes expected; absent = nothing written at all. */
  writes?: Record<string, number>;
  /** Further checks on the answer (and the database). */
  then?: (res: Answer, s: Seed) => Promise<void> | void;
  /** A known defect outside this folder: the row runs as `it.failing` until it is fixed. */
  knownIssue?: string;
}

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  json: Record<string, unknown> | null;
}

const clerk = (point = POINT_A): TestCaller => ({ role: 'clerk', point });
const as = (caller: TestCaller, extra: Headers = {}): Headers => ({
  ...authHeaders(caller),
  ...extra,
});
const newKey = () => ({ 'idempotency-key': randomUUID() });

let valid: () => ApplicationBody;

/** POST /applications as the clerk of point A with a fresh key and the body varied by `change`. */
function create(
  name: string,
  change: (b: ApplicationBody) => void,
  expectStatus: number,
  expectMessage: RegExp,
  more: Partial<BadRequest> = {},
): BadRequest {
  return {
    name,
    method: 'POST',
    path: '/api/v1/applications',
    headers: () => as(clerk(), newKey()),
    body: () => {
      const b = valid();
      change(b);
      return b;
    },
    expectStatus,
    expectMessage,
    ...more,
  };
}

/** An ID number with a given birth date in it (even impossible ones) and a correct check digit. */
function idNumberBornOn(yyyymmdd: string, sequence = '123'): string {
  const first17 = `320102${yyyymmdd}${sequence}`;
  return first17 + computeCheckDigit(first17);
}

const ANY_CASE = '/api/v1/applications/00000000-0000-4000-8000-000000000000';
const clerkClaims = () => claimsFor('clerk', { province: '33', point: POINT_A });

const TABLE: BadRequest[] = [
  // ── body: syntax, size, shape ─────────────────────────────────────────────────────────────
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/api/v1/applications',
    headers: () => as(clerk(), newKey()),
    body: '{"applicant": {"idNumber": ',
    expectStatus: 400,
    expectMessage: /JSON/,
  },
  {
    name: 'a JSON string instead of an object',
    method: 'POST',
    path: '/api/v1/applications',
    headers: () => as(clerk(), newKey()),
    body: '"an application"',
    expectStatus: 400,
    expectMessage: /is not valid JSON/,
  },
  {
    name: 'a JSON array instead of an object',
    method: 'POST',
    path: '/api/v1/applications',
    headers: () => as(clerk(), newKey()),
    body: '[]',
    expectStatus: 400,
    expectMessage: /applicant should not be null or undefined/,
  },
  {
    name: 'oversized JSON body (> 256 KB)',
    method: 'POST',
    path: '/api/v1/applications',
    headers: () => as(clerk(), newKey()),
    body: () => ({ ...valid(), padding: 'x'.repeat(300 * 1024) }),
    expectStatus: 413,
    expectMessage: /too large/i,
  },
  create(
    'wrong type: applicant.name is a number',
    (b) => (b.applicant.name = 123 as never),
    400,
    /applicant\.name must be a string/,
  ),
  create(
    'wrong type: applicant is a string',
    (b) => (b.applicant = 'someone' as never),
    400,
    /applicant must be an object/,
  ),
  create(
    'wrong type: fingerprints.templates is a string',
    (b) => (b.fingerprints = { templates: 'AAAA' as never }),
    400,
    /fingerprints\.templates must be an array/,
  ),
  create(
    'unknown top-level field',
    (b) => Object.assign(b, { isAdmin: true }),
    400,
    /property isAdmin should not exist/,
  ),
  create(
    'unknown nested field',
    (b) => Object.assign(b.applicant, { role: 'ops' }),
    400,
    /applicant\.role: property role should not exist/,
  ),
  create(
    '__proto__ key (prototype pollution attempt)',
    (b) => Object.defineProperty(b, '__proto__', { value: { isAdmin: true }, enumerable: true }),
    400,
    /property __proto__ should not exist/,
  ),
  // ── strings, numbers and dates ──────────────────────────────────────────────────────────────
  create(
    'over-long name (65 characters)',
    (b) => (b.applicant.name = '张'.repeat(65)),
    400,
    /applicant\.name must be shorter than or equal to 64 characters/,
  ),
  create(
    'over-long hukou address (201 characters)',
    (b) => (b.hukou.address = '路'.repeat(201)),
    400,
    /hukou\.address must be shorter than or equal to 200 characters/,
  ),
  create(
    'wrong check digit',
    (b) => {
      const id = b.applicant.idNumber;
      b.applicant.idNumber = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    },
    400,
    /applicant\.idNumber: check digit is \w but ISO 7064 MOD 11-2 gives \w/,
  ),
  create(
    'impossible birth date in the ID number (2023-02-30)',
    (b) => {
      b.applicant.idNumber = idNumberBornOn('20230230');
      b.applicant.birthDate = '2023-02-30';
    },
    400,
    /applicant\.idNumber: birth date \(digits 7-14\) is not a real calendar date/,
  ),
  create(
    'impossible birth date field (2023-02-30) with a valid ID number',
    (b) => (b.applicant.birthDate = '2023-02-30'),
    400,
    /applicant\.birthDate: 2023-02-30 does not agree with the birth date in the ID number/,
  ),
  create(
    'birth date disagreeing with the ID number',
    (b) => (b.applicant.birthDate = b.applicant.birthDate.replace(/-01$/, '-02')),
    400,
    /applicant\.birthDate: \d{4}-\d\d-02 does not agree with the birth date in the ID number/,
  ),
  create(
    'birth date not a date',
    (b) => (b.applicant.birthDate = 'yesterday'),
    400,
    /applicant\.birthDate must be a date as YYYY-MM-DD/,
  ),
  create(
    'hukou code of 5 digits',
    (b) => (b.hukou.addressCode = '32010'),
    400,
    /hukou\.addressCode must be a 6-digit division code/,
  ),
  create('photoId not a UUID', (b) => (b.photoId = '1 OR 1=1'), 400, /photoId must be a UUID/),
  // ── enums ──────────────────────────────────────────────────────────────────────────────────
  create(
    'sex X',
    (b) => (b.applicant.sex = 'X'),
    400,
    /applicant\.sex must be one of the following values: M, F/,
  ),
  create(
    'delivery method DRONE',
    (b) => (b.delivery = { method: 'DRONE' }),
    400,
    /delivery\.method must be one of the following values: WINDOW, POST/,
  ),
  {
    name: 'status filter LOST',
    method: 'GET',
    path: '/api/v1/applications?status=LOST',
    expectStatus: 400,
    expectMessage: /status must be one of ACCEPTED, UNDER_REVIEW/,
  },
  // ── hostile text ───────────────────────────────────────────────────────────────────────────
  create(
    'SQL fragment in the name: stored verbatim as data',
    (b) => (b.applicant.name = SQL),
    201,
    /.*/,
    {
      writes: {
        'intake.cases': 1,
        'intake.case_timeline': 2,
        'intake.outbox': 3,
        'intake.case_requests': 1,
        'intake.idempotency_keys': 1,
      },
      then: async (res) => {
        const id = String(res.json!.id);
        const stored = await dataSourceOf(system).query(
          `SELECT applicant->>'name' AS name, to_regclass('intake.cases')::text AS t,
                (SELECT count(*)::int FROM intake.cases) AS n
         FROM intake.cases WHERE id = $1`,
          [id],
        );
        expect(stored).toEqual([{ name: SQL, t: 'intake.cases', n: expect.any(Number) }]);
        expect(stored[0].n).toBeGreaterThanOrEqual(5);
        expect((await new ClerkClient(system.url, POINT_A).case(id)).applicant.name).toBe(SQL);
      },
    },
  ),
  create(
    'SQL fragment in the hukou address: stored verbatim as data',
    (b) => (b.hukou.address = `南京市${SQL}`),
    201,
    /.*/,
    {
      writes: {
        'intake.cases': 1,
        'intake.case_timeline': 2,
        'intake.outbox': 3,
        'intake.case_requests': 1,
        'intake.idempotency_keys': 1,
      },
      then: async (res) => {
        const c = await new ClerkClient(system.url, POINT_A).case(String(res.json!.id));
        expect(c.hukou.address).toBe(`南京市${SQL}`);
        const [t] = await dataSourceOf(system).query(
          `SELECT to_regclass('intake.cases')::text AS t`,
        );
        expect(t.t).toBe('intake.cases');
      },
    },
  ),
  create(
    '<script> in the name: refused',
    (b) => (b.applicant.name = SCRIPT),
    400,
    /applicant\.name must be plain text: no control characters, no < or >/,
  ),
  create(
    'a right-to-left override (U+202E) in the name: refused',
    (b) => (b.applicant.name = '张\u202e三'),
    400,
    /applicant\.name must be plain text: .*invisible or bidirectional formatting characters/,
  ),
  create(
    'a zero-width space (U+200B) in the hukou address: refused',
    (b) => (b.hukou.address = `南京市\u200b玄武区`),
    400,
    /hukou\.address must be plain text: .*invisible or bidirectional/,
  ),
  create(
    'a zero-width joiner in the guardian-free postal recipient: refused',
    (b) =>
      (b.delivery = {
        method: 'POST',
        recipient: '收\u200d件人',
        address: '嘉兴市南湖区',
        phone: '13800138000',
      }),
    400,
    /delivery\.recipient must be plain text/,
  ),
  create(
    '<script> in the postal address: refused',
    (b) =>
      (b.delivery = {
        method: 'POST',
        recipient: '收件人',
        address: `嘉兴市${SCRIPT}`,
        phone: '13800138000',
      }),
    400,
    /delivery\.address must be plain text/,
  ),
  create(
    'NUL character in the name: refused (PostgreSQL cannot store it)',
    (b) => (b.applicant.name = '张\u0000三'),
    400,
    /applicant\.name: must not contain the NUL character/,
  ),
  {
    name: '<script> in a withdrawal reason: kept verbatim, returned only as JSON data',
    method: 'POST',
    path: (s) => `/api/v1/applications/${s.toCancel}/cancel`,
    body: { reason: SCRIPT },
    expectStatus: 200,
    expectMessage: /.*/,
    // The timeline row, and review.withdrawn to the hukou side (the reason stays at intake).
    writes: { 'intake.case_timeline': 1, 'intake.outbox': 1 },
    then: (res) => {
      expect(res.contentType).toMatch(/^application\/json/);
      expect(res.json).toMatchObject({ status: 'CANCELLED', cancelReason: SCRIPT });
      // Escaped by JSON only where JSON requires it: the markup is data inside a string.
      expect(res.text).toContain(`"cancelReason":"<script>alert(\\"x\\")</script>"`);
    },
  },
  {
    name: 'control character in a withdrawal reason',
    method: 'POST',
    path: (s) => `/api/v1/applications/${s.pendingA}/cancel`,
    body: { reason: 'moved\u0000away' },
    expectStatus: 400,
    expectMessage: /reason: must not contain the NUL character/,
  },
  {
    name: 'other control character (BEL) in a withdrawal reason',
    method: 'POST',
    path: (s) => `/api/v1/applications/${s.pendingA}/cancel`,
    body: { reason: 'moved\u0007away' },
    expectStatus: 400,
    expectMessage: /reason must not contain control characters/,
  },
  {
    name: 'over-long withdrawal reason (201 characters)',
    method: 'POST',
    path: (s) => `/api/v1/applications/${s.pendingA}/cancel`,
    body: { reason: 'r'.repeat(201) },
    expectStatus: 400,
    expectMessage: /reason must be shorter than or equal to 200 characters/,
  },
  {
    name: 'supplements with no items',
    method: 'POST',
    path: (s) => `/api/v1/applications/${s.pendingA}/supplements`,
    body: { items: [] },
    expectStatus: 400,
    expectMessage: /items must contain at least 1 elements/,
  },
  {
    name: 'photo that is not base64',
    method: 'POST',
    path: '/api/v1/photos',
    body: { imageBase64: 'not base64!' },
    expectStatus: 400,
    expectMessage: /imageBase64 must be base64 encoded/,
  },
  // ── Idempotency-Key ────────────────────────────────────────────────────────────────────────
  create('missing Idempotency-Key', () => undefined, 400, /Idempotency-Key header is required/, {
    headers: () => as(clerk()),
  }),
  create(
    'Idempotency-Key of 129 characters',
    () => undefined,
    400,
    /Idempotency-Key must be 8-128 visible ASCII characters/,
    {
      headers: () => as(clerk(), { 'idempotency-key': 'k'.repeat(129) }),
    },
  ),
  // ── roles ──────────────────────────────────────────────────────────────────────────────────
  create(
    'a reviewer creating an application',
    () => undefined,
    403,
    /only a clerk at an acceptance point may do this \(caller role: reviewer\)/,
    {
      headers: () => as({ role: 'reviewer', province: '33' }, newKey()),
    },
  ),
  create(
    'a clerk creating at another point',
    () => undefined,
    403,
    /acceptancePoint: 330402-01 is not your acceptance point \(330421-01\)/,
    {
      headers: () => as(clerk(POINT_B), newKey()),
    },
  ),
  {
    name: 'a clerk calling the ops resend',
    method: 'POST',
    path: (s) => `/api/v1/ops/cases/${s.pendingA}/resend`,
    expectStatus: 403,
    expectMessage: /role clerk may not do this \(allowed: ops\)/,
  },
  {
    name: 'a clerk calling the courier callback',
    method: 'POST',
    path: (s) => `/api/v1/deliveries/${s.ready.id}/courier`,
    body: { event: 'RETURNED', reason: 'addressee unknown' },
    expectStatus: 403,
    expectMessage: /role clerk may not report postal delivery status \(allowed: delivery\)/,
  },
  {
    name: 'a clerk reading the audit trail',
    method: 'GET',
    path: (s) => `/api/v1/audit/cases/${s.pendingA}/timeline`,
    expectStatus: 403,
    expectMessage: /role clerk may not do this \(allowed: auditor, ops\)/,
  },
  // ── tokens ─────────────────────────────────────────────────────────────────────────────────
  {
    name: 'missing token',
    method: 'GET',
    path: '/api/v1/applications',
    headers: {},
    expectStatus: 401,
    expectMessage: /missing bearer token/,
  },
  {
    name: 'Bearer with garbage',
    method: 'GET',
    path: '/api/v1/applications',
    headers: { authorization: 'Bearer garbage!' },
    expectStatus: 401,
    expectMessage: /invalid token: token is not a compact JWT/,
  },
  {
    name: 'another scheme (Basic)',
    method: 'GET',
    path: '/api/v1/applications',
    headers: { authorization: 'Basic Y2xlcms6c2VjcmV0' },
    expectStatus: 401,
    expectMessage: /Authorization header must be "Bearer <jwt>"/,
  },
  {
    name: 'expired token',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () =>
      bearer(
        claimsFor(
          'clerk',
          { province: '33', point: POINT_A },
          { exp: Math.floor(Date.now() / 1000) - 120 },
        ),
      ),
    expectStatus: 401,
    expectMessage: /invalid token: token has expired/,
  },
  {
    name: 'tampered token (payload changed to role ops)',
    method: 'POST',
    path: (s) => `/api/v1/ops/cases/${s.pendingA}/resend`,
    headers: () => tamperedBearer(clerkClaims(), { role: 'ops' }),
    expectStatus: 401,
    expectMessage: /invalid token: token signature is invalid/,
  },
  {
    name: 'token signed with another secret',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () => bearer(clerkClaims(), 'another-secret-that-is-long-enough-for-hs256'),
    expectStatus: 401,
    expectMessage: /invalid token: token signature is invalid/,
  },
  {
    name: 'unsigned token (alg none)',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () => unsignedBearer(clerkClaims()),
    expectStatus: 401,
    expectMessage: /invalid token: token algorithm none is not accepted/,
  },
  {
    name: 'wrong issuer',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () => bearer({ ...clerkClaims(), iss: 'someone-else' }),
    expectStatus: 401,
    expectMessage: /invalid token: token issuer is not accepted/,
  },
  {
    name: 'wrong audience',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () => bearer({ ...clerkClaims(), aud: 'another-api' }),
    expectStatus: 401,
    expectMessage: /invalid token: token audience is not accepted/,
  },
  {
    name: 'unknown role in the token',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () => bearer({ ...clerkClaims(), role: 'admin' }),
    expectStatus: 401,
    expectMessage: /token role must be one of clerk, reviewer/,
  },
  {
    name: 'clerk token without an acceptance point',
    method: 'GET',
    path: '/api/v1/applications',
    headers: () => bearer(claimsFor('clerk', { province: '33' })),
    expectStatus: 401,
    expectMessage: /a clerk token must name an acceptance point/,
  },
  // ── scope: other points, other provinces ───────────────────────────────────────────────────
  {
    name: "another province's case",
    method: 'GET',
    path: (s) => `/api/v1/applications/${s.pendingC}`,
    expectStatus: 404,
    expectMessage: /application [0-9a-f-]{36} not found/,
  },
  {
    name: "another point's case",
    method: 'GET',
    path: (s) => `/api/v1/applications/${s.pendingB}`,
    expectStatus: 404,
    expectMessage: /application [0-9a-f-]{36} not found/,
  },
  {
    name: "withdrawing another point's case",
    method: 'POST',
    path: (s) => `/api/v1/applications/${s.pendingB}/cancel`,
    body: { reason: 'not mine' },
    expectStatus: 404,
    expectMessage: /application [0-9a-f-]{36} not found/,
  },
  {
    name: "the delivery of another point's case",
    method: 'GET',
    path: (s) => `/api/v1/deliveries/${s.ready.id}`,
    headers: () => as(clerk(POINT_B)),
    expectStatus: 404,
    expectMessage: /no delivery for case [0-9a-f-]{36} at acceptance point 330421-01/,
  },
  {
    name: "arrival at another point's delivery",
    method: 'POST',
    path: (s) => `/api/v1/deliveries/${s.ready.id}/arrived`,
    headers: () => as(clerk(POINT_B)),
    expectStatus: 404,
    expectMessage: /no delivery for case [0-9a-f-]{36} at acceptance point 330421-01/,
  },
  {
    name: "handing over another point's card",
    method: 'POST',
    path: (s) => `/api/v1/deliveries/${s.ready.id}/collected`,
    headers: () => as(clerk(POINT_B)),
    body: (s: Seed) => ({
      receiptNumber: s.ready.receiptNumber,
      collector: {
        type: 'APPLICANT',
        name: s.ready.person.name,
        idNumber: s.ready.person.idNumber,
      },
    }),
    expectStatus: 404,
    expectMessage: /no delivery for case [0-9a-f-]{36} at acceptance point 330421-01/,
  },
  {
    name: 'an auditor of another province reading the audit trail',
    method: 'GET',
    path: (s) => `/api/v1/audit/cases/${s.pendingA}/timeline`,
    headers: () => as({ role: 'auditor', province: '11' }),
    expectStatus: 404,
    expectMessage: /case [0-9a-f-]{36} not found/,
  },
  // ── delivery checks ────────────────────────────────────────────────────────────────────────
  {
    name: 'collected with a wrong receipt number',
    method: 'POST',
    path: (s) => `/api/v1/deliveries/${s.ready.id}/collected`,
    body: (s: Seed) => ({
      receiptNumber: 'R330402-01-200101-0001',
      collector: {
        type: 'APPLICANT',
        name: s.ready.person.name,
        idNumber: s.ready.person.idNumber,
      },
    }),
    expectStatus: 422,
    expectMessage: /receiptNumber does not match the pickup receipt/,
    // The wrong receipt number is counted against guessing and audited; nothing else changes.
    writes: { 'delivery.delivery_events': 1 },
  },
  {
    name: 'collected by someone who is not the applicant',
    method: 'POST',
    path: (s) => `/api/v1/deliveries/${s.ready.id}/collected`,
    body: (s: Seed) => ({
      receiptNumber: s.ready.receiptNumber,
      collector: { type: 'APPLICANT', name: s.ready.person.name, idNumber: quietPerson().idNumber },
    }),
    expectStatus: 422,
    expectMessage: /collector\.idNumber is not the applicant's ID number/,
  },
  {
    name: 'collected with a malformed collector ID number',
    method: 'POST',
    path: (s) => `/api/v1/deliveries/${s.ready.id}/collected`,
    body: (s: Seed) => ({
      receiptNumber: s.ready.receiptNumber,
      collector: { type: 'APPLICANT', name: s.ready.person.name, idNumber: '12345' },
    }),
    expectStatus: 400,
    expectMessage: /collector\.idNumber must be an 18-character citizen ID number/,
  },
  // ── ids ────────────────────────────────────────────────────────────────────────────────────
  {
    name: 'unknown UUID',
    method: 'GET',
    path: ANY_CASE,
    expectStatus: 404,
    expectMessage: /application 00000000-0000-4000-8000-000000000000 not found/,
  },
  {
    name: 'ops resend of an unknown UUID',
    method: 'POST',
    path: `/api/v1/ops/cases/${randomUUID()}/resend`,
    headers: () => as({ role: 'ops', province: '33' }),
    expectStatus: 404,
    expectMessage: /case [0-9a-f-]{36} is not handled by this node/,
  },
  {
    name: 'non-UUID id',
    method: 'GET',
    path: "/api/v1/applications/1'%20OR%20'1'='1",
    expectStatus: 400,
    expectMessage: /id: must be a UUID/,
  },
  {
    name: 'non-UUID id when withdrawing',
    method: 'POST',
    path: '/api/v1/applications/42/cancel',
    body: { reason: 'moved' },
    expectStatus: 400,
    expectMessage: /id: must be a UUID/,
  },
  {
    name: 'non-UUID id for the ops resend',
    method: 'POST',
    path: '/api/v1/ops/cases/42/resend',
    headers: () => as({ role: 'ops', province: '33' }),
    expectStatus: 400,
    expectMessage: /caseId: must be a UUID/,
  },
  {
    name: 'non-UUID id for the audit trail',
    method: 'GET',
    path: '/api/v1/audit/cases/42/timeline',
    headers: () => as({ role: 'auditor', province: '33' }),
    expectStatus: 400,
    expectMessage: /id: must be a UUID/,
  },
  // ── paging and query parameters ────────────────────────────────────────────────────────────
  ...(
    [
      ['0', /page must not be less than 1/],
      ['-1', /page must not be less than 1/],
      ['abc', /page must be an integer number/],
      ['1.5', /page must be an integer number/],
    ] as const
  ).map(([page, message]): BadRequest => ({
    name: `page=${page}`,
    method: 'GET',
    path: `/api/v1/applications?page=${page}`,
    expectStatus: 400,
    expectMessage: message,
  })),
  {
    name: 'pageSize=1000',
    method: 'GET',
    path: '/api/v1/applications?pageSize=1000',
    expectStatus: 400,
    expectMessage: /pageSize must not be greater than 100/,
  },
  {
    name: 'eligibility on an impossible date (2023-02-30)',
    method: 'GET',
    path: '/api/v1/eligibility?residence=330402&hukou=320102&date=2023-02-30',
    expectStatus: 400,
    expectMessage: /date.*2023-02-30|2023-02-30.*date/,
  },
  {
    name: 'eligibility without the hukou code',
    method: 'GET',
    path: '/api/v1/eligibility?residence=330402',
    expectStatus: 400,
    expectMessage: /hukou must be a 6-digit division code/,
  },
];

let system: TestSystem;

describe('security: bad requests get a clear 4xx and write nothing', () => {
  let seed: Seed;

  beforeAll(async () => {
    system = await startTestSystem(
      [intakeFeature, verificationFeature, productionFeature, deliveryFeature],
      { RECONCILE_INTERVAL_MS: '0', PROVINCES: '33,34' },
    );
    const a = new ClerkClient(system.url, POINT_A);
    const b = new ClerkClient(system.url, POINT_B);
    const c = new ClerkClient(system.url, POINT_C);
    const photoA = await a.photoId();
    const photoB = await b.photoId();
    const photoC = await c.photoId();
    valid = () => anApplication(quietPerson(), photoA).build();

    // A card waiting at the window of point A: the whole flow, with the real hukou side.
    const person = aPerson({ hukouAddressCode: '340104' });
    await importRegistryRecords(dataSourceOf(system), [registryRecordOf(person)]);
    const created = await a.apply(anApplication(person, photoA).build());
    expect(created.status).toBe(201);
    const id = created.body.id;
    await waitFor(
      'dispatch to the point',
      () => a.case(id),
      (x) => x.status === 'DISPATCHED',
    );
    expect((await a.post(`/api/v1/deliveries/${id}/arrived`, {})).status).toBe(200);
    await waitFor(
      'the card at the window',
      () => a.case(id),
      (x) => x.status === 'READY_FOR_PICKUP',
    );

    const pending = async (client: ClerkClient, photo: string, point: string) => {
      const res = await client.apply(anApplication(quietPerson(), photo).at(point).build());
      expect(res.status).toBe(201);
      return res.body.id;
    };
    seed = {
      ready: { id, receiptNumber: created.body.receiptNumber, person },
      pendingA: await pending(a, photoA, POINT_A),
      pendingB: await pending(b, photoB, POINT_B),
      pendingC: await pending(c, photoC, POINT_C),
      toCancel: await pending(a, photoA, POINT_A),
      photoA,
    };
  });

  afterAll(async () => {
    await system?.close();
  });

  /** Waits until every outbox row is published and the database stops changing. */
  async function settle(): Promise<DatabaseSnapshot> {
    const ds = dataSourceOf(system);
    await waitFor(
      'every outbox row published',
      async () =>
        (
          await ds.query(
            SERVICE_SCHEMAS.map(
              (s) => `SELECT count(*)::int AS n FROM "${s}".outbox WHERE sent_at IS NULL`,
            ).join(' UNION ALL '),
          )
        ).reduce((sum: number, r: { n: number }) => sum + r.n, 0),
      (n) => n === 0,
    );
    let last = await snapshotTables(ds);
    await waitFor(
      'the database to be still',
      async () => {
        await new Promise((r) => setTimeout(r, 50));
        const now = await snapshotTables(ds);
        const still = changedTables(last, now).length === 0;
        last = now;
        return still;
      },
      Boolean,
    );
    return last;
  }

  async function send(row: BadRequest): Promise<Answer> {
    const resolve = <T>(v: T | ((s: Seed) => T)): T =>
      typeof v === 'function' ? (v as (s: Seed) => T)(seed) : v;
    const path = resolve(row.path);
    const headers: Headers = row.headers === undefined ? as(clerk()) : resolve(row.headers);
    const body = row.body === undefined ? undefined : resolve(row.body);
    const raw =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${system.url}${path}`, {
      method: row.method,
      headers: { ...headers, ...(raw !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: raw,
    });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, contentType: res.headers.get('content-type'), text, json };
  }

  it('has at least 40 rows', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(TABLE.map((r) => r.name)).size).toBe(TABLE.length);
  });

  for (const row of TABLE) {
    const test = row.knownIssue ? it.failing : it;
    test(`${row.method} ${row.name} → ${row.expectStatus}`, async () => {
      const before = await settle();
      const res = await send(row);
      expect({ status: res.status, body: res.json ?? res.text }).toMatchObject({
        status: row.expectStatus,
      });
      expect(res.contentType).toMatch(/^application\/json/);
      expect(res.json).not.toBeNull();
      if (row.expectStatus >= 400) {
        const body = res.json!;
        expect(
          Object.keys(body).filter(
            (k) => !['statusCode', 'error', 'message', 'details'].includes(k),
          ),
        ).toEqual([]);
        expect(body.statusCode).toBe(row.expectStatus);
        expect(typeof body.error).toBe('string');
        expect(String(body.error).length).toBeGreaterThan(0);
        expect(typeof body.message).toBe('string');
        expect(body.message).toMatch(row.expectMessage);
        if (body.details !== undefined) expect(Array.isArray(body.details)).toBe(true);
        // Never an echo of internals.
        expect(res.text).not.toMatch(/QueryFailedError|at .*\.ts:\d+|node_modules/);
      }
      const after = await snapshotTables(dataSourceOf(system));
      if (row.writes) {
        expect(rowCountChanges(before, after)).toEqual(row.writes);
      } else {
        expect(changedTables(before, after)).toEqual([]);
      }
      await row.then?.(res, seed);
    });
  }

  it('left every table in place', async () => {
    const [t] = await dataSourceOf(system).query(
      `SELECT to_regclass('intake.cases')::text AS cases, to_regclass('intake.case_timeline')::text AS timeline`,
    );
    expect(t).toEqual({ cases: 'intake.cases', timeline: 'intake.case_timeline' });
  });
});
