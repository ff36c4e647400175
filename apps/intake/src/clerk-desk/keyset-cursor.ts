import { BadRequestException } from '@nestjs/common';

/** Keyset (cursor) paging of the clerk lists: newest first, by (created_at, id). */
/** The opaque keyset cursor: base64url of "<created_at, microseconds, UTC>|<case id>". */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { at: string; id: string } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f-]{36})$/.exec(
    Buffer.from(cursor, 'base64url').toString('utf8'),
  );
  if (!m || Number.isNaN(Date.parse(m[1]))) {
    const message = 'cursor must be the nextCursor of a previous page';
    throw new BadRequestException({
      error: 'Bad Request',
      message,
      details: [{ field: 'cursor', rule: 'cursor.valid', message }],
    });
  }
  return { at: m[1], id: m[2] };
}
