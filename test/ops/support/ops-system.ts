import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { FeatureDefinition } from '@app/platform';
import { deliveryFeature } from '../../../apps/delivery/src/delivery.feature';
import { intakeFeature } from '../../../apps/intake/src/intake.feature';
import { opsFeature } from '../../../apps/ops/src/ops.feature';
import { productionFeature } from '../../../apps/production/src/production.feature';
import { verificationFeature } from '../../../apps/verification/src/verification.feature';
import { authHeaders, TestCaller } from '../../support/auth';
import { startTestSystem, TestSystem } from '../../support/system';

@Module({})
class ServiceSchemasModule {}

/**
 * The four services' tables (their migrations, whatever they become) without their modules: no
 * consumer takes a replayed message off its queue, no reconciler or timer moves the cases a test
 * wrote with fixed dates. Ops reads these schemas exactly as it does next to the real services.
 */
export const serviceSchemas: FeatureDefinition = {
  module: ServiceSchemasModule,
  database: {
    entities: [],
    migrations: [
      ...(intakeFeature.database.migrations as unknown[]),
      ...(verificationFeature.database.migrations as unknown[]),
      ...(productionFeature.database.migrations as unknown[]),
      ...(deliveryFeature.database.migrations as unknown[]),
    ] as FeatureDefinition['database']['migrations'],
  },
};

export interface OpsSystem {
  sys: TestSystem;
  url: string;
  dataSource: DataSource;
  close(): Promise<void>;
}

export async function startOpsSystem(
  env: Record<string, string> = {},
  extra: FeatureDefinition[] = [],
): Promise<OpsSystem> {
  const sys = await startTestSystem([opsFeature, serviceSchemas, ...extra], env);
  return {
    sys,
    url: sys.url,
    dataSource: sys.node.app.get(DataSource),
    close: () => sys.close(),
  };
}

export const OPS: TestCaller = { role: 'ops', province: '31' };
export const AUDITOR: TestCaller = { role: 'auditor', province: '33' };

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One HTTP call to the running system as `caller` (null: no identity at all). */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  caller: TestCaller | null = OPS,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(caller ? authHeaders(caller) : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...extraHeaders,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (a page or an asset)
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}
