/** Connection failures of PostgreSQL (pg, SQLSTATE class 08 / 57P) or Redis (ioredis). */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string } } | null;
  if (!e || typeof e !== 'object') return false;
  const code = e.code ?? e.driverError?.code ?? '';
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|08\w{3}|57P0[123])$/.test(code)) return true;
  return /Connection terminated|Connection is closed|connect ECONNREFUSED|Stream isn't writeable|enableOfflineQueue|not queryable/.test(
    e.message ?? '',
  );
}
