import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

let counter = 0;

/**
 * A real (decodable) grayscale PNG portrait, different for every call unless `seed` is given,
 * so each test gets its own photo (the library stores an image once per content hash).
 */
export function aPortraitPng(
  opts: { seed?: number; width?: number; height?: number; padTo?: number } = {},
): Buffer {
  const seed = opts.seed ?? ++counter * 7919 + process.pid;
  const width = opts.width ?? 90;
  const height = opts.height ?? 110;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(width + 1);
    for (let x = 0; x < width; x++) row[x + 1] = (x * 3 + y * 5 + seed * 13) & 0xff;
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const idat = deflateSync(Buffer.concat(rows));
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
  ];
  if (opts.padTo) {
    // An ancillary text chunk makes the file as large as asked while it stays a valid PNG.
    const current = parts.reduce((n, p) => n + p.length, 0) + 12;
    const pad = Math.max(0, opts.padTo - current - 12);
    parts.push(chunk('tEXt', Buffer.concat([Buffer.from('pad\0'), Buffer.alloc(pad, 0x61)])));
  }
  parts.push(chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** The smallest JPEG header this system recognises: SOI, an SOF0 frame header, EOI. */
export function aTinyJpeg(width = 80, height = 100): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0, 0, 0, 0, 0x01, 0x01, 0x11, 0x00]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), sof, Buffer.from([0xff, 0xd9])]);
}
