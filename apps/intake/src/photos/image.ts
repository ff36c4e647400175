/**
 * Recognises a portrait by its bytes, never by a file name or a declared content type:
 * JPEG (FF D8 FF ... with a frame header giving its size) or PNG (signature + IHDR).
 */
export type ImageType = 'image/jpeg' | 'image/png';

export interface ImageInfo {
  mimeType: ImageType;
  width: number;
  height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image's type and size, or the problem in words. */
export function inspectImage(bytes: Buffer): ImageInfo | string {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const size = jpegSize(bytes);
    return size
      ? { mimeType: 'image/jpeg', ...size }
      : 'the JPEG has no readable frame header (truncated or damaged)';
  }
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const size = pngSize(bytes);
    return size
      ? { mimeType: 'image/png', ...size }
      : 'the PNG has no readable IHDR header (truncated or damaged)';
  }
  return 'not a JPEG or PNG image (checked by its first bytes)';
}

function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  // Signature (8), then the IHDR chunk: length (4) "IHDR" (4) width (4) height (4).
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

// Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC).
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(bytes: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image / scan before any frame
    const length = bytes.readUInt16BE(i + 2);
    if (length < 2) return undefined;
    if (SOF.has(marker)) {
      if (i + 9 > bytes.length) return undefined;
      const height = bytes.readUInt16BE(i + 5);
      const width = bytes.readUInt16BE(i + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    i += 2 + length;
  }
  return undefined;
}
