import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ERROR_BODY_SCHEMA, ErrorStatus, RETRY_AFTER_HEADER } from './api-errors';
import { ErrorBodyView, ErrorDetailView } from './error-body.dto';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * What the platform answers on any route, whatever the controller declares (bootstrap's body
 * parser, auth guard, rate limit and error filter): added to every operation that does not
 * declare the status itself, so the controllers declare only their own errors.
 */
const PLATFORM_ERRORS: {
  status: ErrorStatus;
  when: (op: OperationObject) => boolean;
  description: string;
}[] = [
  {
    status: 400,
    when: (op) => op.requestBody !== undefined,
    description: 'The body is not valid JSON, or fails validation (details name each field)',
  },
  {
    status: 413,
    when: (op) => op.requestBody !== undefined,
    description: 'The body is larger than the route accepts (256 KB for JSON)',
  },
  {
    status: 401,
    when: authenticated,
    description: 'Missing, malformed, expired or forged bearer token',
  },
  { status: 403, when: authenticated, description: "The token's role or scope may not do this" },
  {
    status: 429,
    when: authenticated,
    description: 'Rate limit of the token subject exceeded (RATE_LIMIT_PER_MINUTE)',
  },
  {
    status: 503,
    when: authenticated,
    description:
      'PostgreSQL or Redis is unavailable (nothing was written), or this node is shutting down; retry later',
  },
  {
    status: 503,
    when: (op) => !authenticated(op),
    description: 'This node is shutting down; retry on another node',
  },
  {
    status: 500,
    when: () => true,
    description: 'Unexpected error; the request was not applied',
  },
];

function authenticated(op: OperationObject): boolean {
  return (op.security?.length ?? 0) > 0;
}

/**
 * The OpenAPI 3.0 document served at /api/docs-json: Nest's document from the controllers'
 * decorators, completed with what every route shares (the error body, the platform's error answers,
 * X-Request-Id, `security: []` on public routes). It is the contract clerk apps generate code from.
 */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cross-province first ID card applications (跨省通办)')
    .setDescription(
      'Clerk, delivery and operations API. Every error is JSON {statusCode, error, message, details?} (schema ErrorBodyView); details name the field and the rule.',
    )
    .setVersion('1')
    .setLicense('UNLICENSED', 'https://spdx.org/licenses/')
    .addServer('/', 'this node')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorBodyView, ErrorDetailView],
  });
  return completeDocument(document);
}

/** Adds what every operation shares to a generated document (see buildApiDocument). */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    'X-Request-Id': {
      description:
        'The id of this request in the logs (echoed from the request header when valid, else generated)',
      schema: { type: 'string' },
      required: false,
    },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      // Routes that declare no bearer requirement are public (health, metrics).
      if (!op.security?.length) op.security = [];
      for (const platform of PLATFORM_ERRORS) {
        if (op.responses[platform.status] || !platform.when(op)) continue;
        op.responses[platform.status] = {
          description: platform.description,
          content: { 'application/json': { schema: ERROR_BODY_SCHEMA } },
          ...(platform.status === 429 || platform.status === 503
            ? { headers: { ...RETRY_AFTER_HEADER } }
            : {}),
        };
      }
      for (const response of Object.values(op.responses) as ResponseObject[]) {
        response.headers = {
          ...response.headers,
          'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
        };
      }
    }
  }
  return document;
}
