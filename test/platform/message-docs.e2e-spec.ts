import { load } from 'js-yaml';
import { asyncApiDocument } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import { startTestSystem, TestSystem } from '../support/system';

/**
 * The AsyncAPI document is served by every node, without a token (like /api/docs), as JSON and
 * YAML; it is the document the contracts spec parses with the AsyncAPI parser.
 */
describe('GET /api/docs/messages (AsyncAPI 3)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem([]);
  });
  afterAll(async () => system?.close());

  it('serves the document generated from the catalog as JSON, for every province', async () => {
    const res = await fetch(`${system.url}/api/docs/messages`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as { asyncapi: string; channels: Record<string, unknown> };
    expect(doc).toEqual(asyncApiDocument({ provinces: PROVINCE_CODES }));
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.keys(doc.channels)).toHaveLength(125);
  });

  it('and the same document as YAML', async () => {
    const [json, yaml] = await Promise.all([
      fetch(`${system.url}/api/docs/messages`).then((r) => r.json()),
      fetch(`${system.url}/api/docs/messages.yaml`),
    ]);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(load(await yaml.text())).toEqual(json);
  });
});
