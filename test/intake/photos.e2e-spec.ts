import { createHash } from 'node:crypto';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { startTestSystem, TestSystem } from '../support/system';
import { ClerkClient, dataSourceOf } from './support/client';
import sharp from 'sharp';
import { aPngDeclaring, aPortraitPng, aTinyJpeg } from '@app/fixtures';

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

  const photoCount = async (): Promise<number> => {
    const [{ n }] = await dataSourceOf(system).query(
      `SELECT count(*)::int AS n FROM intake.photos`,
    );
    return n;
  };
  const storedBytes = async (photoId: unknown): Promise<Buffer> => {
    const [row] = await dataSourceOf(system).query(
      `SELECT bytes FROM intake.photos WHERE id = $1`,
      [photoId],
    );
    return row.bytes;
  };

  it('stores the decoded, normalised portrait once per region: 201, then 200 with the same photoId', async () => {
    const image = aPortraitPng();
    const first = await clerk.uploadPhoto(image, '2026-01-10T09:30:00+08:00');
    expect(first.status).toBe(201);
    const stored = await storedBytes(first.body.photoId);
    expect(first.body).toMatchObject({
      sha256: createHash('sha256').update(stored).digest('hex'),
      region: '33',
      capturedAt: '2026-01-10T01:30:00.000Z',
      mimeType: 'image/jpeg',
      width: 358,
      height: 441,
      sizeBytes: stored.length,
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

  it('stores a re-encoded JPEG without the metadata it came with (EXIF with GPS, text chunks)', async () => {
    const withExif = await sharp(aPortraitPng())
      .jpeg()
      .withExif({ IFD0: { Make: 'CaptureStation', Copyright: 'GPS 31.2304N 121.4737E' } })
      .toBuffer();
    expect((await sharp(withExif).metadata()).exif).toBeDefined();
    for (const image of [withExif, aPortraitPng({ text: 'operator 张三 110101199001011234' })]) {
      const res = await clerk.uploadPhoto(image);
      expect(res.status).toBe(201);
      const stored = await storedBytes(res.body.photoId);
      const meta = await sharp(stored).metadata();
      expect(meta).toMatchObject({ format: 'jpeg', width: 358, height: 441 });
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.comments ?? []).toEqual([]);
      expect(stored.includes(Buffer.from('CaptureStation'))).toBe(false);
    }
  });

  it('accepts a large portrait as multipart/form-data (beyond the JSON body limit)', async () => {
    const image = aPortraitPng({ large: true });
    expect(image.length).toBeGreaterThan(1_000_000);
    const res = await multipart([
      { name: 'image', value: new Blob([image], { type: 'image/png' }) },
      { name: 'capturedAt', value: new Date().toISOString() },
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mimeType: 'image/jpeg', width: 358, height: 441 });
  });

  it('refuses a portrait over 2 MB (413) and a file that is not a JPEG/PNG by its bytes (400)', async () => {
    const before = await photoCount();
    const big = aPortraitPng({ padTo: 2 * 1024 * 1024 + 10 });
    const tooBig = await multipart([{ name: 'image', value: new Blob([big]) }]);
    expect(tooBig.status).toBe(413);
    const gif = Buffer.from('GIF89a................................');
    const notImage = await multipart([
      { name: 'image', value: new Blob([gif], { type: 'image/png' }), filename: 'lies.png' },
    ]);
    expect(notImage.status).toBe(400);
    expect(notImage.body).toMatchObject({ details: [{ field: 'image', rule: 'image.type' }] });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="358" height="441"/>');
    expect((await clerk.uploadPhoto(svg)).body).toMatchObject({
      details: [{ rule: 'image.type' }],
    });
    expect(await photoCount()).toBe(before);
  });

  // Each hostile or broken image: its status, the rule named, nothing written, never a 5xx.
  const refusals: [string, () => Promise<Buffer>, number, string][] = [
    [
      'a header-only JPEG (17 bytes, no scan)',
      async () => aTinyJpeg(358, 441),
      400,
      'image.decode',
    ],
    ['a PNG cut after its header', async () => aPortraitPng().subarray(0, 40), 400, 'image.decode'],
    [
      'a PNG cut in the middle of its pixels',
      async () => {
        const png = aPortraitPng({ large: true });
        return png.subarray(0, Math.floor(png.length / 2));
      },
      400,
      'image.decode',
    ],
    [
      'a JPEG cut in the middle of its scan',
      async () => {
        const jpeg = await sharp(aPortraitPng()).jpeg().toBuffer();
        return jpeg.subarray(0, Math.floor(jpeg.length / 2));
      },
      400,
      'image.decode',
    ],
    [
      'a bomb: a small PNG declaring 20000×20000',
      async () => aPngDeclaring(20000, 20000),
      422,
      'image.dimensions',
    ],
    [
      'a PNG declaring a width of 2^31',
      async () => aPngDeclaring(2 ** 31, 441),
      400,
      'image.decode',
    ],
    [
      'a portrait of the wrong geometry (90×110)',
      async () => aPortraitPng({ width: 90, height: 110 }),
      422,
      'image.geometry',
    ],
    [
      'a landscape picture (441×358)',
      async () => aPortraitPng({ width: 441, height: 358 }),
      422,
      'image.geometry',
    ],
    [
      'a portrait carrying 200 KB of metadata',
      async () => aPortraitPng({ padTo: 260_000 }),
      422,
      'image.metadata',
    ],
  ];
  it.each(refusals)('refuses %s and writes nothing', async (_name, make, status, rule) => {
    const before = await photoCount();
    const res = await multipart([{ name: 'image', value: new Blob([await make()]) }]);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ details: [{ field: 'image', rule }] });
    expect(String(res.body.message)).toMatch(/^image: /);
    expect(await photoCount()).toBe(before);
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
