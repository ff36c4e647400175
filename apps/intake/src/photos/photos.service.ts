import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { badRequest, tooLarge, unprocessable } from '../common/http-problems';
import { IntakePolicy } from '../policy/intake-policy';
import { isPortraitProblem, normalisePortrait } from './portrait';
import { PhotoEntity } from './photo.entity';
import { captureTimeProblem, photoUseProblem } from './photo-rules';
import type { PhotoView } from './dto/photo-upload.dto';

export interface StoredPhoto {
  view: PhotoView;
  /** false when the same image was already in the region's library. */
  created: boolean;
}

/** The regional photo library: each image once per region (province), by content hash. */
@Injectable()
export class PhotosService {
  private readonly logger = new Logger(PhotosService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly policy: IntakePolicy,
  ) {}

  async store(
    region: string,
    createdBy: string,
    bytes: Buffer,
    capturedAtRaw: string | undefined,
    now = new Date(),
  ): Promise<StoredPhoto> {
    if (bytes.length === 0) throw badRequest('image', 'image.required', 'image: is empty');
    if (bytes.length > this.policy.photoMaxBytes) {
      throw tooLarge(
        'image',
        `image: ${bytes.length} bytes is more than the ${this.policy.photoMaxBytes} allowed`,
      );
    }
    const capturedAt = capturedAtRaw === undefined ? now : new Date(capturedAtRaw);
    const timeProblem = captureTimeProblem(capturedAt, now);
    if (timeProblem) throw badRequest('capturedAt', 'photo.capturedAt', timeProblem);
    const portrait = await normalisePortrait(bytes, this.policy.portrait);
    if (isPortraitProblem(portrait)) {
      throw portrait.status === 400
        ? badRequest('image', portrait.rule, portrait.message)
        : unprocessable('image', portrait.rule, portrait.message);
    }
    // The library keeps the normalised image (fixed geometry, no metadata) and dedupes on it.
    const stored = portrait.bytes;

    const sha256 = createHash('sha256').update(stored).digest('hex');
    const id = randomUUID();
    const inserted: { id: string }[] = await this.dataSource.query(
      `INSERT INTO intake.photos (id, region, sha256, mime_type, size_bytes, width, height, captured_at, bytes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (region, sha256) DO NOTHING RETURNING id`,
      [
        id,
        region,
        sha256,
        portrait.mimeType,
        stored.length,
        portrait.width,
        portrait.height,
        capturedAt,
        stored,
        createdBy,
      ],
    );
    const photo = await this.dataSource.manager.findOneByOrFail(PhotoEntity, { region, sha256 });
    const created = inserted.length === 1;
    this.logger.log(created ? 'photo stored' : 'photo already in the library', {
      photoId: photo.id,
      region,
      uploadedBytes: bytes.length,
      sizeBytes: stored.length,
    });
    return { view: toPhotoView(photo), created };
  }

  /**
   * The photo `photoId` if a case of `region` may use it at `now`; otherwise a 422 naming
   * `field`. Reads through `manager` so it runs in the caller's transaction.
   */
  async requireUsable(
    manager: EntityManager,
    photoId: string,
    region: string,
    now: Date,
    field = 'photoId',
  ): Promise<PhotoEntity> {
    const photo = await manager.findOneBy(PhotoEntity, { id: photoId });
    const problem = photoUseProblem(photo ?? undefined, region, now);
    if (problem) throw unprocessable(field, problem.rule, `${field}: ${problem.message}`);
    return photo!;
  }
}

export function toPhotoView(photo: PhotoEntity): PhotoView {
  return {
    photoId: photo.id,
    sha256: photo.sha256,
    capturedAt: photo.capturedAt.toISOString(),
    region: photo.region,
    mimeType: photo.mimeType,
    sizeBytes: photo.sizeBytes,
    width: photo.width,
    height: photo.height,
  };
}
