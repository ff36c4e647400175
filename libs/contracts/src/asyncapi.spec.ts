import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { asyncApiDocument } from './asyncapi';
import { Catalog } from './catalog';
import { SERVICES } from './services';

import { PROVINCE_CODES } from '@app/domain';

const PROVINCES = PROVINCE_CODES;

describe('AsyncAPI 3 document generated from the catalog', () => {
  const doc = asyncApiDocument({ provinces: PROVINCES });

  it('parses with the AsyncAPI parser with no errors', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    // Every type and version of the catalog is a message, every service × province a channel, and
    // the national operations node's queue one more.
    const names = document!
      .components()
      .messages()
      .all()
      .map((m) => m.id())
      .sort();
    expect(names).toEqual(
      Object.entries(Catalog)
        .map(([type, def]) => `${type}.v${def.version}`)
        .sort(),
    );
    expect(document!.channels().length).toBe(SERVICES.length * PROVINCES.length + 1);
    expect(document!.channels().length).toBe(125);
    expect(
      document!
        .channels()
        .get('ops.national')!
        .messages()
        .all()
        .map((m) => m.name()),
    ).toEqual(['stats.published']);
    const channel = document!.channels().get('verification.33')!;
    expect(
      channel
        .messages()
        .all()
        .map((m) => m.name()),
    ).toEqual([
      'review.requested',
      'review.withdrawn',
      'registration.requested',
      'registration.withdrawn',
    ]);
    // Who sends and who consumes each message, as the catalog declares it.
    for (const [type, def] of Object.entries(Catalog)) {
      const message = document!.components().messages().get(`${type}.v${def.version}`)!;
      const ext = (name: string) => message.extensions().get(name)?.value();
      expect([type, ext('x-consumer'), ext('x-producer')]).toEqual([
        type,
        def.consumer,
        def.producer,
      ]);
    }
  });

  it('the payload schemas are the catalog zod schemas converted, and the envelope schema fits the test vectors', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const schemas = doc.components as { schemas: Record<string, object> };
    for (const [name, schema] of Object.entries(schemas.schemas))
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    const vectors = JSON.parse(
      readFileSync(join(__dirname, '../../messaging/test-vectors/envelopes.json'), 'utf8'),
    );
    for (const v of vectors.envelopes) {
      const { type, schemaVersion } = v.envelope;
      const envelope = ajv.getSchema('#/components/schemas/Envelope')!;
      expect([type, envelope(v.envelope), envelope.errors]).toEqual([type, true, null]);
      const payload = ajv.getSchema(`#/components/schemas/${type}.v${schemaVersion}.payload`)!;
      expect([type, payload(v.plaintextPayload), payload.errors]).toEqual([type, true, null]);
      // A payload the catalog refuses (first field of the wrong type), the converted schema refuses too.
      const wrong = { ...v.plaintextPayload, [Object.keys(v.plaintextPayload)[0]]: {} };
      const zod = Catalog[type as keyof typeof Catalog].schema;
      expect([type, zod.safeParse(wrong).success, payload(wrong)]).toEqual([type, false, false]);
    }
  });
});
