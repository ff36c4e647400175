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

  @Column({ type: 'text' })
  mimeType!: string;

  @Column({ type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  @Column({ type: 'timestamptz' })
  capturedAt!: Date;

  /** Image bytes; selected only when needed. */
  @Column({ type: 'bytea', select: false })
  bytes!: Buffer;

  @Column({ type: 'text' })
  createdBy!: string;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
