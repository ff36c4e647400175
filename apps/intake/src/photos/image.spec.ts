import { deflateSync } from 'node:zlib';
import { inspectImage } from './image';

function png(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    ihdr,
    deflateSync(Buffer.alloc(10)),
  ]);
}

function jpeg(width: number, height: number, { withApp0 = true, sof = 0xc0 } = {}): Buffer {
  const app0 = Buffer.from([
    0xff,
    0xe0,
    0x00,
    0x10,
    ...Buffer.from('JFIF\0'),
    1,
    1,
    0,
    0,
    1,
    0,
    1,
    0,
    0,
  ]);
  const frame = Buffer.from([0xff, sof, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03]);
  frame.writeUInt16BE(height, 5);
  frame.writeUInt16BE(width, 7);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    withApp0 ? app0 : Buffer.alloc(0),
    frame,
    Buffer.alloc(9),
    Buffer.from([0xff, 0xd9]),
  ]);
}

describe('inspectImage', () => {
  it('recognises a PNG by its signature and reads its size from IHDR', () => {
    expect(inspectImage(png(358, 441))).toEqual({ mimeType: 'image/png', width: 358, height: 441 });
  });

  it('recognises a JPEG by FF D8 FF and reads its size from the frame header', () => {
    expect(inspectImage(jpeg(358, 441))).toEqual({
      mimeType: 'image/jpeg',
      width: 358,
      height: 441,
    });
    expect(inspectImage(jpeg(100, 120, { sof: 0xc2 }))).toMatchObject({ width: 100, height: 120 });
  });

  it('refuses other formats whatever their name or declared type', () => {
    expect(inspectImage(Buffer.from('GIF89a......'))).toMatch(/not a JPEG or PNG/);
    expect(inspectImage(Buffer.from('%PDF-1.7'))).toMatch(/not a JPEG or PNG/);
    expect(inspectImage(Buffer.alloc(0))).toMatch(/not a JPEG or PNG/);
  });

  it('refuses truncated or damaged images', () => {
    expect(inspectImage(png(358, 441).subarray(0, 20))).toMatch(/PNG has no readable IHDR/);
    expect(inspectImage(png(0, 441))).toMatch(/PNG/);
    expect(inspectImage(jpeg(358, 441).subarray(0, 12))).toMatch(/JPEG has no readable frame/);
    expect(inspectImage(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toMatch(/JPEG/);
  });
});
