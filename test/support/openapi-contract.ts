import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The OpenAPI document holds the server to its word: every HTTP response a test receives from a
 * node is checked against the document that node serves at /api/docs-json (operation found by
 * method + path template, then the status, the media type, the body's schema and the contract's
 * headers). A response whose status, media type or schema the document does not declare is a
 * violation, and the test that received it fails.
 *
 * test/support/openapi-contract.setup.ts installs `contractFetch` as the global `fetch` for every
 * test file, so the e2e clients (which all call `fetch`) and the tests' own calls are checked alike.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

interface ResponseObject {
  description?: string;
  headers?: Record<string, { $ref?: string; required?: boolean; schema?: Schema }>;
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  responses: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema>; headers?: Record<string, ResponseObject> };
}

/** Pages served beside the API that are not part of the JSON contract (HTML, the queue board, the docs themselves). */
const OUTSIDE_THE_CONTRACT: RegExp[] = [
  /^\/api\/docs(?:[-/].*)?$/,
  /^\/ops\/?$/,
  /^\/ops\/(?:assets|queues)(?:\/.*)?$/,
];

/** Response headers that are part of the contract: when the server sends one, the response must declare it. */
const CONTRACT_HEADERS = ['idempotent-replayed', 'retry-after', 'x-request-id', 'location'];

/** OpenAPI's own formats, which JSON Schema does not know: checked loosely (the type already is). */
const OPENAPI_FORMATS = ['int32', 'int64', 'float', 'double', 'binary', 'password'];

const SCHEMAS_ID = 'https://contract.invalid/components';

/** Keywords of OpenAPI 3.0 schemas that are annotations only (JSON Schema has no use for them). */
const ANNOTATIONS = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'deprecated']);

/**
 * An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes `anyOf [..., null]`, component refs
 * point at the components schema, and an object that lists its properties admits no other
 * (a response field the document does not declare is drift too).
 */
export function toJsonSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key) || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', `${SCHEMAS_ID}#/$defs/`);
    } else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, s]) => [name, toJsonSchema(s)]),
      );
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      out[key] = typeof value === 'object' ? toJsonSchema(value) : value;
    } else {
      out[key] = value;
    }
  }
  if (
    out.properties !== undefined &&
    out.additionalProperties === undefined &&
    !out.allOf &&
    !out.anyOf &&
    !out.oneOf
  ) {
    out.additionalProperties = false;
  }
  return schema.nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  operation: Operation;
}

const mediaType = (contentType: string | null) =>
  (contentType ?? '').split(';')[0].trim().toLowerCase();

/** One node's document, compiled for checking responses. */
export class ApiContract {
  private readonly ajv: Ajv;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenApiDocument) {
    if (!/^3\.0\./.test(document.openapi))
      throw new Error(`expected an OpenAPI 3.0 document, got ${document.openapi}`);
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const format of OPENAPI_FORMATS) this.ajv.addFormat(format, true);
    const schemas = document.components?.schemas ?? {};
    this.ajv.addSchema({
      $id: SCHEMAS_ID,
      $defs: Object.fromEntries(
        Object.entries(schemas).map(([name, schema]) => [name, toJsonSchema(schema)]),
      ),
    });
    this.routes = Object.entries(document.paths)
      .flatMap(([template, item]) =>
        Object.entries(item)
          .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map(([method, operation]) => ({
            method: method.toUpperCase(),
            template,
            params: (template.match(/\{/g) ?? []).length,
            pattern: new RegExp(
              `^${template
                .split(/\{[^}]+\}/)
                .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
                .join('[^/]+')}$`,
            ),
            operation,
          })),
      )
      // The most literal template first: /dead-letters/replay before /dead-letters/{schema}.
      .sort((a, b) => a.params - b.params);
  }

  /** The operation a request reaches, if the document has one. */
  route(method: string, pathname: string): Route | undefined {
    return this.routes.find((r) => r.method === method && r.pattern.test(pathname));
  }

  /** What in this response the document does not declare (empty: it tells the truth). */
  problemsWith(
    method: string,
    pathname: string,
    status: number,
    headers: Headers,
    text: string,
  ): string[] {
    const route = this.route(method, pathname);
    if (!route) {
      // An unknown route (or method) gets the platform's 404, in the shared error body.
      if (status !== 404) return [`no operation ${method} ${pathname} in the document`];
      return this.bodyProblems(`${SCHEMAS_ID}#/$defs/ErrorBodyView`, text, 'unknown route 404');
    }
    const where = `${method} ${route.template} → ${status}`;
    const response = route.operation.responses[String(status)];
    if (!response) {
      return [
        `${where}: status ${status} is not declared (declared: ${Object.keys(route.operation.responses).join(', ')})`,
      ];
    }
    const problems: string[] = [];
    const declared = new Map(
      Object.entries(response.headers ?? {}).map(([name, h]) => [
        name.toLowerCase(),
        h.$ref ? this.headerRef(h.$ref) : h,
      ]),
    );
    for (const name of CONTRACT_HEADERS) {
      const value = headers.get(name);
      if (value === null) continue;
      const header = declared.get(name);
      if (!header) problems.push(`${where}: header ${name} is sent but not declared`);
      else if (header.schema?.type === 'integer' && !/^\d+$/.test(value))
        problems.push(`${where}: header ${name} should be an integer, got ${value}`);
    }
    for (const [name, header] of declared) {
      if (header?.required && headers.get(name) === null)
        problems.push(`${where}: required header ${name} is missing`);
    }
    const content = response.content ?? {};
    const type = mediaType(headers.get('content-type'));
    if (text === '') {
      if (Object.keys(content).length)
        problems.push(
          `${where}: declares a body (${Object.keys(content).join(', ')}) but got none`,
        );
      return problems;
    }
    const media = content[type];
    if (!media) {
      problems.push(
        `${where}: media type ${type || '(none)'} is not declared (declared: ${Object.keys(content).join(', ') || 'no body'})`,
      );
      return problems;
    }
    if (!media.schema) {
      problems.push(`${where}: ${type} has no schema`);
      return problems;
    }
    return [
      ...problems,
      ...this.bodyProblems(
        `${method} ${route.template} ${status} ${type}`,
        text,
        where,
        media.schema,
        type,
      ),
    ];
  }

  private headerRef(ref: string) {
    return this.document.components?.headers?.[ref.split('/').pop() as string] as
      { required?: boolean; schema?: Schema } | undefined;
  }

  private bodyProblems(
    key: string,
    text: string,
    where: string,
    schema?: Schema,
    type = 'application/json',
  ): string[] {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = schema
        ? this.ajv.compile(toJsonSchema(schema) as Schema)
        : this.ajv.compile({ $ref: key });
      this.validators.set(key, validate);
    }
    let body: unknown = text;
    if (type === 'application/json' || type.endsWith('+json')) {
      try {
        body = JSON.parse(text);
      } catch {
        return [`${where}: body is not JSON: ${text.slice(0, 80)}`];
      }
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e: ErrorObject) => `${where}: ${describe(e)}`);
  }
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(body)';
  if (e.keyword === 'additionalProperties')
    return `${at} has undeclared property ${(e.params as { additionalProperty: string }).additionalProperty}`;
  return `${at} ${e.message ?? e.keyword}`;
}

/** A response that breaks the document. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

// The real fetch, before any test replaces it.
const realFetch: typeof fetch = globalThis.fetch.bind(globalThis);
/** Per origin: the node's document, or null when the origin is not a node (a JWKS server, …). */
const contracts = new Map<string, Promise<ApiContract | null>>();

async function loadContract(origin: string): Promise<ApiContract | null> {
  const res = await realFetch(`${origin}/api/docs-json`).catch(() => null);
  if (!res || res.status !== 200) return null;
  const doc = (await res.json().catch(() => null)) as OpenApiDocument | null;
  return doc && typeof doc.openapi === 'string' && doc.paths ? new ApiContract(doc) : null;
}

/**
 * The document a node serves, or null for an origin that serves none (the servers a test starts
 * for the node to call, e.g. a JWKS endpoint). Fetched once per origin; again when a route is
 * missing, as a new node may have taken the port.
 */
export async function contractOf(origin: string, fresh = false): Promise<ApiContract | null> {
  let contract = fresh ? undefined : contracts.get(origin);
  if (!contract) {
    contract = loadContract(origin);
    contracts.set(origin, contract);
  }
  return contract;
}

/** Violations seen in the current test (the setup file fails the test on them in afterEach too). */
export const violations: string[] = [];

/** Checks one response of a node against its document; throws ContractViolation if it breaks it. */
export async function checkResponse(method: string, url: URL, res: Response): Promise<void> {
  if (OUTSIDE_THE_CONTRACT.some((p) => p.test(url.pathname))) return;
  const text = method === 'HEAD' ? '' : await res.clone().text();
  let contract = await contractOf(url.origin);
  if (contract && !contract.route(method, url.pathname))
    contract = await contractOf(url.origin, true);
  if (!contract) return; // not a node: a server the test started for the node to call
  const problems = contract.problemsWith(method, url.pathname, res.status, res.headers, text);
  if (problems.length) {
    const message = `response breaks the OpenAPI document:\n  ${problems.join('\n  ')}`;
    violations.push(message);
    throw new ContractViolation(message);
  }
}

function isLocal(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** `fetch`, and every answer of a local node checked against that node's OpenAPI document. */
export const contractFetch: typeof fetch = async (input, init) => {
  const res = await realFetch(input, init);
  const request = input instanceof Request ? input : undefined;
  const url = new URL(request ? request.url : String(input));
  if (!isLocal(url)) return res;
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  await checkResponse(method, url, res);
  return res;
};
