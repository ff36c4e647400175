import { NATIONAL_ADDRESS, SEALING_ALG, SEALING_INFO } from '@app/messaging';
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { ZodTypeAny } from 'zod';
import { Catalog } from './catalog';
import { SERVICES } from './services';

/**
 * The AsyncAPI 3 document of the exchange, generated from the message catalog: one channel per
 * service and province (its queue), one message per type and schema version whose payload is the
 * signed envelope (payload sealed), the plaintext payload schema converted from the catalog's zod
 * schema (never written twice), and who sends and who receives each message. Served at
 * /api/docs/messages; the prose (canonical JSON, signature, sealing, dead-letter reasons) is
 * docs/protocol.md.
 */

type Json = Record<string, unknown>;

/**
 * Who sends and who consumes a type, as far as the catalog declares it: the consumer always; the
 * producing service, the parties of the case (residence or hukou side) and the request a reply
 * answers where the catalog states them.
 */
interface CatalogParties {
  consumer: string;
  consumerParty?: string;
  producer?: string;
  producerParty?: string;
  answers?: string;
}

/** JSON Schema (draft 7, the AsyncAPI schema format's base) of a zod schema, inlined. */
export function jsonSchemaOf(schema: ZodTypeAny): Json {
  // (The converter's generic signature is too deep for the compiler with a ZodTypeAny argument.)
  const convert = zodToJsonSchema as (schema: unknown, options: object) => Json;
  const converted = convert(schema, { target: 'jsonSchema7', $refStrategy: 'none' });
  delete converted.$schema;
  return converted;
}

const messageKey = (type: string, version: number) => `${type}.v${version}`;
const schemaKey = (type: string, version: number) => `${messageKey(type, version)}.payload`;
const channelKey = (service: string, province: string) => `${service}.${province}`;

const ADDRESS: Json = {
  type: 'object',
  required: ['province', 'service'],
  properties: {
    province: {
      type: 'string',
      pattern: `^(\\d{2}|${NATIONAL_ADDRESS.province})$`,
      description: `GB/T 2260 province code, or "${NATIONAL_ADDRESS.province}" for the national operations node`,
    },
    service: { type: 'string', enum: [...SERVICES, NATIONAL_ADDRESS.service] },
  },
};

const SEALED_PAYLOAD: Json = {
  type: 'object',
  description: `The payload sealed for the recipient province: X25519 with the recipient's published key, HKDF-SHA256 (salt epk ‖ recipient key, info "${SEALING_INFO}"), AES-256-GCM over the canonical JSON of the plaintext payload with the envelope's {caseId, id, recipient, schemaVersion, sender, type} as additional data. Binary fields are base64url without padding. See docs/protocol.md.`,
  required: ['alg', 'kid', 'epk', 'iv', 'ct'],
  additionalProperties: false,
  properties: {
    alg: { type: 'string', const: SEALING_ALG },
    kid: {
      type: 'string',
      description: "the recipient's encryption key id (RFC 7638 thumbprint of its X25519 key)",
    },
    epk: { type: 'string', description: 'ephemeral X25519 public key, 32 bytes' },
    iv: { type: 'string', description: 'AES-GCM nonce, 12 bytes' },
    ct: { type: 'string', description: 'ciphertext with its 16-byte tag appended' },
  },
};

const ENVELOPE: Json = {
  type: 'object',
  description:
    'The signed envelope every message travels in (the BullMQ job data). The signature is Ed25519 by the sender province over the canonical JSON of every other field.',
  required: [
    'id',
    'type',
    'schemaVersion',
    'caseId',
    'correlationId',
    'causationId',
    'sender',
    'recipient',
    'sentAt',
    'payload',
    'inReplyTo',
    'signature',
  ],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'message id (also the job id)' },
    type: { type: 'string' },
    schemaVersion: { type: 'integer' },
    caseId: { type: 'string' },
    correlationId: { type: 'string' },
    causationId: { type: ['string', 'null'] },
    sender: { $ref: '#/components/schemas/Address' },
    recipient: { $ref: '#/components/schemas/Address' },
    sentAt: { type: 'string', format: 'date-time' },
    deliverAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'a delayed message (durable timer): when it is due; absent otherwise',
    },
    payload: { $ref: '#/components/schemas/SealedPayload' },
    inReplyTo: {
      description:
        "for a reply: the request's id and the hex SHA-256 of the request envelope's canonical JSON",
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['messageId', 'hash'],
          properties: {
            messageId: { type: 'string', format: 'uuid' },
            hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
      ],
    },
    signature: { type: 'string', description: 'base64 Ed25519 signature (64 bytes)' },
  },
};

export interface AsyncApiOptions {
  /** Provinces whose queues the document lists. */
  provinces: readonly string[];
}

export function asyncApiDocument(options: AsyncApiOptions): Json {
  const definitions = Object.entries(
    Catalog as Record<
      string,
      CatalogParties & { version: number; description: string; schema: ZodTypeAny }
    >,
  );
  const schemas: Json = {
    Envelope: ENVELOPE,
    SealedPayload: SEALED_PAYLOAD,
    Address: ADDRESS,
  };
  const messages: Json = {};
  for (const [type, def] of definitions) {
    const key = messageKey(type, def.version);
    schemas[schemaKey(type, def.version)] = {
      ...jsonSchemaOf(def.schema),
      description: `The plaintext payload of ${type} v${def.version}, as the recipient reads it after opening the sealed payload.`,
    };
    const parties = partiesOf(def);
    messages[key] = {
      name: type,
      title: `${type} (schema version ${def.version})`,
      summary: def.description,
      description: [
        `${parties.sentence}.`,
        `On the wire the payload is sealed for the recipient province; its plaintext schema is components.schemas["${schemaKey(type, def.version)}"] (also under x-plaintext-payload).`,
      ].join(' '),
      contentType: 'application/json',
      payload: {
        allOf: [
          { $ref: '#/components/schemas/Envelope' },
          {
            type: 'object',
            properties: {
              type: { type: 'string', const: type },
              schemaVersion: { type: 'integer', const: def.version },
            },
          },
        ],
      },
      'x-plaintext-payload': { $ref: `#/components/schemas/${schemaKey(type, def.version)}` },
      ...parties.extensions,
    };
  }

  const channels: Json = {};
  const operations: Json = {};
  // Each service's queue in every province; the national operations node's one queue.
  const queues: [string, readonly string[]][] = [
    ...SERVICES.map((service): [string, readonly string[]] => [service, options.provinces]),
    [NATIONAL_ADDRESS.service, [NATIONAL_ADDRESS.province]],
  ];
  for (const [service, provinces] of queues) {
    const consumed = definitions.filter(([, def]) => def.consumer === service);
    if (!consumed.length) continue;
    for (const province of provinces) {
      const key = channelKey(service, province);
      const owner =
        province === NATIONAL_ADDRESS.province
          ? `${service} of the national operations node`
          : `${service} of province ${province}`;
      channels[key] = {
        address: key,
        title: owner,
        description: `The queue of ${owner}: BullMQ queue "{${key}}" under the deployment's QUEUE_PREFIX (the braces are a Redis Cluster hash tag). Job name = message type, job id = message id, job data = the envelope.`,
        messages: Object.fromEntries(
          consumed.map(([type, def]) => [
            messageKey(type, def.version),
            { $ref: `#/components/messages/${messageKey(type, def.version)}` },
          ]),
        ),
        'x-bullmq-queue': `{${key}}`,
      };
      operations[`${key}.receive`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${key}` },
        summary: `${service} of ${province} consumes these messages`,
        messages: consumed.map(([type, def]) => ({
          $ref: `#/channels/${key}/messages/${messageKey(type, def.version)}`,
        })),
      };
      operations[`${key}.send`] = {
        action: 'send',
        channel: { $ref: `#/channels/${key}` },
        summary: `sent to ${service} of ${province} by ${
          [...new Set(consumed.map(([, def]) => partiesOf(def).sender ?? 'its producers'))].join(
            ', ',
          ) || 'its producers'
        }`,
        messages: consumed.map(([type, def]) => ({
          $ref: `#/channels/${key}/messages/${messageKey(type, def.version)}`,
        })),
      };
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Cross-province exchange (跨省通办)',
      version: '1',
      description:
        'Messages between provinces for first ID card applications: every type and schema version, the queue of each service of each province, the signed envelope and the sealed payload. Canonical JSON, signature, sealing, replies, versioning and dead-letter reasons: docs/protocol.md; test vectors: libs/messaging/test-vectors/.',
    },
    defaultContentType: 'application/json',
    servers: {
      exchange: {
        host: 'exchange:6379',
        protocol: 'redis',
        description:
          'The Redis (Cluster in production) shared by all provinces; keys prefixed by QUEUE_PREFIX.',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

function partiesOf(def: CatalogParties): {
  sentence: string;
  sender?: string;
  extensions: Json;
} {
  const of = (service: string, party?: string) =>
    party === NATIONAL_ADDRESS.province
      ? `${service} of the national operations node`
      : party
        ? `${service} of the ${party} province of the case`
        : service;
  const sentence = [
    def.producer ? `Sent by ${of(def.producer, def.producerParty)}` : null,
    `${def.producer ? 'consumed' : 'Consumed'} by ${of(def.consumer, def.consumerParty)}`,
    def.answers ? `a reply to ${def.answers} (inReplyTo names the request)` : null,
  ]
    .filter(Boolean)
    .join('; ');
  const extensions: Json = { 'x-consumer': def.consumer };
  if (def.consumerParty) extensions['x-consumer-party'] = def.consumerParty;
  if (def.producer) extensions['x-producer'] = def.producer;
  if (def.producerParty) extensions['x-producer-party'] = def.producerParty;
  if (def.answers) extensions['x-answers'] = def.answers;
  return { sentence, sender: def.producer && of(def.producer, def.producerParty), extensions };
}
