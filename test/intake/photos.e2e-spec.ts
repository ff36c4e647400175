import { createHash } from 'node:crypto';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { startTestSystem, TestSystem } from '../support/system';
import { ClerkClient, dataSourceOf } from './support/client';
import { aPortraitPng, aTinyJpeg } from '@app/fixtures';

/** POST /api/v1/photos: the regional photo library, over JSON and multipart. */
describe('intake: photo library', () => {
  let system: TestSystem;
  let clerk: ClerkClient;

  beforeAll(async () => {
    system = await startTestSystem([intakeFeature], { RECONCILE_INTERVAL_MS: '0' });
    clerk = new ClerkClient(system.url);
  });

  afterAll(async () => {
    await system?.close();
  });

  const multipart = async (
    parts: { name: string; value: Blob | string; filename?: string }[],
    c = clerk,
  ) => {
    const form = new FormData();
    for (const p of parts) {
      if (typeof p.value === 'string') form.append(p.name, p.value);
      else form.append(p.name, p.value, p.filename ?? 'portrait.png');
    }
    const res = await fetch(`${system.url}/api/v1/photos`, {
      method: 'POST',
      headers: c.headers(),
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('stores a PNG sent as JSON base64 once per region: 201, then 200 with the same photoId', async () => {
    const image = aPortraitPng();
    const first = await clerk.uploadPhoto(image, '2026-01-10T09:30:00+08:00');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      sha256: createHash('sha256').update(image).digest('hex'),
      region: '33',
      capturedAt: '2026-01-10T01:30:00.000Z',
      mimeType: 'image/png',
      width: 90,
      height: 110,
    });
    const again = await clerk.uploadPhoto(image);
    expect(again.status).toBe(200);
    expect(again.body.photoId).toBe(first.body.photoId);
    // The same image in another region's library is another photo.
    const shanghai = new ClerkClient(system.url, '310101-01');
    const there = await shanghai.uploadPhoto(image);
    expect(there.status).toBe(201);
    expect(there.body).toMatchObject({ region: '31' });
    expect(there.body.photoId).not.toBe(first.body.photoId);
    const [{ n }] = await dataSourceOf(system).query(
      `SELECT count(*)::int AS n FROM intake.photos WHERE sha256 = $1`,
      [first.body.sha256],
    );
    expect(n).toBe(2);
  });

  it('stores the bytes in Postgres (bytea), exactly as sent', async () => {
    const image = aTinyJpeg(120, 160);
    const res = await clerk.uploadPhoto(image);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mimeType: 'image/jpeg', width: 120, height: 160 });
    const [row] = await dataSourceOf(system).query(
      `SELECT bytes FROM intake.photos WHERE id = $1`,
      [res.body.photoId],
    );
    expect(Buffer.compare(row.bytes, image)).toBe(0);
  });

  it('accepts a large portrait as multipart/form-data (beyond the JSON body limit)', async () => {
    const image = aPortraitPng({ padTo: 1_500_000 });
    const res = await multipart([
      { name: 'image', value: new Blob([image], { type: 'image/png' }) },
      { name: 'capturedAt', value: new Date().toISOString() },
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sizeBytes: image.length, mimeType: 'image/png' });
  });

  it('refuses a portrait over 2 MB (413) and a file that is not a JPEG/PNG by its bytes (400)', async () => {
    const big = aPortraitPng({ padTo: 2 * 1024 * 1024 + 10 });
    const tooBig = await multipart([{ name: 'image', value: new Blob([big]) }]);
    expect(tooBig.status).toBe(413);
    const gif = Buffer.from('GIF89a................................');
    const notImage = await multipart([
      { name: 'image', value: new Blob([gif], { type: 'image/png' }), filename: 'lies.png' },
    ]);
    expect(notImage.status).toBe(400);
    expect(notImage.body).toMatchObject({ details: [{ field: 'image', rule: 'image.type' }] });
    const truncated = await clerk.uploadPhoto(aPortraitPng().subarray(0, 20));
    expect(truncated.status).toBe(400);
  });

  it('refuses a missing image, both kinds at once, a future capture time and unknown fields (400)', async () => {
    expect((await clerk.post('/api/v1/photos', {})).status).toBe(400);
    const both = await multipart([
      { name: 'image', value: new Blob([aPortraitPng()]) },
      { name: 'imageBase64', value: aPortraitPng().toString('base64') },
    ]);
    expect(both.status).toBe(400);
    const future = await clerk.uploadPhoto(
      aPortraitPng(),
      new Date(Date.now() + 3_600_000).toISOString(),
    );
    expect(future.status).toBe(400);
    expect(future.body.details![0].field).toBe('capturedAt');
    const extra = await clerk.post('/api/v1/photos', { imageBase64: 'iVBORw0K', camera: 'x' });
    expect(extra.status).toBe(400);
    expect((await clerk.post('/api/v1/photos', { imageBase64: '%%%' })).status).toBe(400);
  });

  it('is for clerks only (403)', async () => {
    const ops = new ClerkClient(system.url, '330402-01', 'ops');
    expect((await ops.uploadPhoto()).status).toBe(403);
  });
});
