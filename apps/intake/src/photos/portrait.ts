import sharp, { type Metadata } from 'sharp';

/**
 * Portraits are decoded, never sniffed: every upload goes through libvips (sharp), which reads the
 * header first, so a file whose declared size is out of bounds is refused before a pixel is
 * decoded; what decodes is re-encoded at the ID-photo geometry without any metadata, and that
 * normalised image is what the library stores and the card is printed from.
 */
export interface PortraitRules {
  /** Required geometry in pixels (ID card photo: 358×441). */
  width: number;
  height: number;
  /** Allowed deviation of each side, as a fraction of it. */
  tolerance: number;
  /** Largest embedded metadata (EXIF, ICC, XMP, IPTC, PNG text chunks) accepted, in bytes. */
  maxMetadataBytes: number;
}

export interface NormalisedPortrait {
  bytes: Buffer;
  mimeType: 'image/jpeg';
  width: number;
  height: number;
}

/** Why an upload is refused: the HTTP status, the rule and the message (no image content). */
export interface PortraitProblem {
  status: 400 | 422;
  rule: 'image.type' | 'image.decode' | 'image.dimensions' | 'image.geometry' | 'image.metadata';
  message: string;
}

/** Pixels libvips may ever decode for one upload: far above any tolerated portrait. */
const MAX_INPUT_PIXELS = 4096 * 4096;
const JPEG_QUALITY = 90;

// A server decodes untrusted images: no cache of decoded images kept between requests.
sharp.cache(false);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Only JPEG and PNG reach the decoder (libvips reads many more formats, SVG among them). */
function sniff(bytes: Buffer): 'jpeg' | 'png' | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return 'jpeg';
  }
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  return null;
}

/** libvips' first line, without anything that could be image content. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').replace(/[^\x20-\x7e]/g, '').slice(0, 120);
}

export async function normalisePortrait(
  bytes: Buffer,
  rules: PortraitRules,
): Promise<NormalisedPortrait | PortraitProblem> {
  const format = sniff(bytes);
  if (!format) {
    return {
      status: 400,
      rule: 'image.type',
      message: 'image: not a JPEG or PNG image (checked by its first bytes)',
    };
  }
  const open = (limitInputPixels: number | false) =>
    sharp(bytes, { failOn: 'truncated', limitInputPixels, sequentialRead: true });

  // 1. The header only: format, declared size, orientation, metadata.
  let meta: Metadata;
  try {
    // Reading the header decodes no pixel: the declared size is judged below, in words.
    meta = await open(false).metadata();
  } catch (err) {
    return {
      status: 400,
      rule: 'image.decode',
      message: `image: the ${format.toUpperCase()} header cannot be read (${reasonOf(err)})`,
    };
  }
  if (meta.format !== format || !meta.width || !meta.height) {
    return {
      status: 400,
      rule: 'image.decode',
      message: `image: the ${format.toUpperCase()} header declares no usable image`,
    };
  }
  if (meta.width * meta.height > MAX_INPUT_PIXELS) {
    return {
      status: 422,
      rule: 'image.dimensions',
      message: `image: declares ${meta.width}×${meta.height} pixels, more than the ${MAX_INPUT_PIXELS} pixels any portrait may have`,
    };
  }
  // EXIF orientations 5-8 turn the picture a quarter: the portrait is judged as it will be shown.
  const turned = (meta.orientation ?? 1) >= 5;
  const width = turned ? meta.height : meta.width;
  const height = turned ? meta.width : meta.height;
  const off = (actual: number, wanted: number) =>
    Math.abs(actual - wanted) > wanted * rules.tolerance;
  if (off(width, rules.width) || off(height, rules.height)) {
    return {
      status: 422,
      rule: 'image.geometry',
      message: `image: is ${width}×${height} px; an ID card portrait must be ${rules.width}×${rules.height} px (±${Math.round(rules.tolerance * 100)}%)`,
    };
  }
  const metadataBytes =
    (meta.exif?.length ?? 0) +
    (meta.icc?.length ?? 0) +
    (meta.xmp?.length ?? 0) +
    (meta.iptc?.length ?? 0) +
    (meta.comments ?? []).reduce((n, c) => n + c.keyword.length + c.text.length, 0);
  if (metadataBytes > rules.maxMetadataBytes) {
    return {
      status: 422,
      rule: 'image.metadata',
      message: `image: carries ${metadataBytes} bytes of embedded metadata, more than the ${rules.maxMetadataBytes} allowed`,
    };
  }

  // 2. Decode every pixel (a truncated or damaged file fails here) and re-encode without metadata.
  try {
    const { data, info } = await open(MAX_INPUT_PIXELS)
      .rotate()
      .resize(rules.width, rules.height, { fit: 'cover' })
      .toColourspace('srgb')
      .jpeg({ quality: JPEG_QUALITY })
      .toBuffer({ resolveWithObject: true });
    return { bytes: data, mimeType: 'image/jpeg', width: info.width, height: info.height };
  } catch (err) {
    return {
      status: 400,
      rule: 'image.decode',
      message: `image: the ${format.toUpperCase()} does not decode (${reasonOf(err)})`,
    };
  }
}

export function isPortraitProblem(r: NormalisedPortrait | PortraitProblem): r is PortraitProblem {
  return 'rule' in r;
}
