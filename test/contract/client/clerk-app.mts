// A small clerk app written against the client generated from the OpenAPI document
// (openapi-typescript → api.d.ts beside this file, openapi-fetch at run time). The contract test
// type-checks it with tsc (a renamed or retyped field breaks the build) and runs it against a node.
// Usage (compiled): node clerk-app.mjs <baseUrl> <bearer token of a clerk>
import createClient from 'openapi-fetch';
import type { components, paths } from './api.js';

type CaseView = components['schemas']['CaseView'];
type ErrorBody = components['schemas']['ErrorBodyView'];

const [baseUrl, token] = process.argv.slice(2);
const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });

function describeError(error: ErrorBody): string {
  const first = error.details?.[0];
  return `${error.statusCode} ${error.error}${first ? ` (${first.field ?? '-'}: ${first.rule})` : ''}`;
}

function summary(c: CaseView): string {
  const guardian = c.guardian ? ` guardian ${c.guardian.relation}` : '';
  return `${c.receiptNumber} ${c.status} hukou ${c.hukou.addressCode}${guardian}`;
}

const live = await api.GET('/health/live');
const route = await api.GET('/api/v1/eligibility', {
  params: { query: { residence: '330402', hukou: '340104' } },
});
const badRoute = await api.GET('/api/v1/eligibility', {
  params: { query: { residence: '33', hukou: '340104' } },
});
const cases = await api.GET('/api/v1/applications', {});
const unknown = await api.GET('/api/v1/applications/{id}', {
  params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
});

const result = {
  live: live.data?.status ?? null,
  eligible: route.data ? route.data.eligible : null,
  rule: route.data?.rule?.id ?? null,
  badRoute: badRoute.error ? describeError(badRoute.error) : null,
  cases: cases.data ? cases.data.items.map((c) => `${c.receiptNumber} ${c.status}`) : null,
  unknownCase: unknown.error
    ? describeError(unknown.error)
    : unknown.data
      ? summary(unknown.data)
      : null,
};
console.log(JSON.stringify(result));
