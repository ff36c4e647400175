import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A portrait in a region's (province's) photo library, stored once per content hash. */
@Entity({ schema: 'intake', name: 'photos' })
export class PhotoEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** 2-digit province code of the library. */
  @Column({ type: 'text' })
  region!: string;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ name: 'mime_type', type: 'text' })
  mimeType!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  @Column({ name: 'captured_at', type: 'timestamptz' })
  capturedAt!: Date;

  /** Image bytes; selected only when needed. */
  @Column({ type: 'bytea', select: false })
  bytes!: Buffer;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
