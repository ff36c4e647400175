import type { CallerRole } from '@app/platform';
import { authHeaders } from '../../support/auth';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Envelope } from '@app/messaging';
import type {
  CaseView,
  TimelineEntryView,
} from '../../../apps/intake/src/applications/dto/case-view.dto';
import type { TestSystem } from '../../support/system';
import { aPortraitPng } from '@app/fixtures';
import { DEFAULT_POINT } from './factories';

/** The contract's error body. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: { field?: string; rule: string; message: string; decision?: Record<string, unknown> }[];
}

/** A response body as tests read it: the success shape, or (on 4xx) the error fields. */
export type Body<T> = T & Partial<ErrorBody>;
export type Loose = Record<string, unknown>;

export interface ApiResponse<T = Loose> {
  status: number;
  headers: Headers;
  body: Body<T>;
}

export interface PhotoBody {
  photoId: string;
  sha256: string;
  capturedAt: string;
  region: string;
  mimeType: string;
  sizeBytes: number;
  width: number;
  height: number;
}

/** HTTP calls as a clerk of an acceptance point (a development bearer token). */
export class ClerkClient {
  constructor(
    readonly baseUrl: string,
    readonly point = DEFAULT_POINT,
    readonly role = 'clerk',
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...authHeaders({
        role: this.role as CallerRole,
        point: this.point,
        subject: `clerk-${this.point}`,
      }),
      ...extra,
    };
  }

  async request<T = Loose>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...this.headers(headers),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
  }

  get<T = Loose>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = Loose>(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.request<T>('POST', path, body, headers);
  }

  apply(body: unknown, key: string = randomUUID()) {
    return this.post<CaseView>('/api/v1/applications', body, { 'idempotency-key': key });
  }

  application(id: string) {
    return this.get<CaseView>(`/api/v1/applications/${id}`);
  }

  /** The case (fails the test on any error). */
  async case(id: string): Promise<CaseView & { timeline: TimelineEntryView[] }> {
    const res = await this.application(id);
    if (res.status !== 200) throw new Error(`GET case ${id}: ${res.status} ${res.body.message}`);
    return res.body as CaseView & { timeline: TimelineEntryView[] };
  }

  supplement(id: string, body: unknown) {
    return this.post<CaseView>(`/api/v1/applications/${id}/supplements`, body);
  }

  cancel(id: string, body: unknown) {
    return this.post<CaseView>(`/api/v1/applications/${id}/cancel`, body);
  }

  async uploadPhoto(
    image: Buffer = aPortraitPng(),
    capturedAt?: string,
  ): Promise<ApiResponse<PhotoBody>> {
    return this.post<PhotoBody>('/api/v1/photos', {
      imageBase64: image.toString('base64'),
      ...(capturedAt ? { capturedAt } : {}),
    });
  }

  async photoId(capturedAt?: string): Promise<string> {
    const res = await this.uploadPhoto(aPortraitPng(), capturedAt);
    if (res.status !== 201) throw new Error(`photo upload failed: ${JSON.stringify(res.body)}`);
    return res.body.photoId;
  }
}

export function dataSourceOf(system: TestSystem): DataSource {
  return system.node.app.get(DataSource);
}

/** Row counts of the intake tables (to prove a refused request wrote nothing). */
export async function intakeCounts(system: TestSystem) {
  const [row] = await dataSourceOf(system).query(
    `SELECT (SELECT count(*)::int FROM intake.cases) AS cases,
            (SELECT count(*)::int FROM intake.case_timeline) AS timeline,
            (SELECT count(*)::int FROM intake.outbox) AS outbox,
            (SELECT count(*)::int FROM intake.idempotency_keys) AS keys,
            (SELECT count(*)::int FROM intake.receipt_counters) AS counters`,
  );
  return row as { cases: number; timeline: number; outbox: number; keys: number; counters: number };
}

/** A row of intake.outbox as tests read it. */
export interface OutboxRow {
  type: string;
  queue: string;
  delay_ms: number;
  envelope: Envelope<Loose>;
}

export interface DeadLetterRow {
  reason: string;
  error: string;
  type: string;
}
