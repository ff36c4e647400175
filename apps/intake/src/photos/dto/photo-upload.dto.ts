import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBase64, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * JSON upload: `{ imageBase64, capturedAt? }` (bounded by the node's 256 KB JSON body limit, so
 * about 190 KB of image), or multipart/form-data with an `image` file part (up to PHOTO_MAX_BYTES,
 * default 2 MB) and an optional `capturedAt` field.
 */
export class PhotoUploadDto {
  @ApiPropertyOptional({
    description: 'JPEG or PNG bytes, base64 (JSON uploads only; use multipart for large images)',
    maxLength: 3_000_000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(3_000_000)
  @IsBase64()
  imageBase64?: string;

  @ApiPropertyOptional({
    description: 'When the portrait was taken (ISO 8601 with offset); defaults to now',
    example: '2026-11-20T09:30:00+08:00',
    maxLength: 40,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  @IsISO8601({ strict: true })
  capturedAt?: string;
}

export class PhotoView {
  @ApiProperty({ format: 'uuid' }) photoId!: string;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) sha256!: string;
  @ApiProperty({ format: 'date-time' }) capturedAt!: string;
  @ApiProperty({ description: 'Province code of the photo library', example: '33' })
  region!: string;
  @ApiProperty({ enum: ['image/jpeg', 'image/png'] }) mimeType!: string;
  @ApiProperty({ type: 'integer' }) sizeBytes!: number;
  @ApiProperty({ type: 'integer' }) width!: number;
  @ApiProperty({ type: 'integer' }) height!: number;
}
