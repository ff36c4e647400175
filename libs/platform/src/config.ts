import { z } from 'zod';

/**
 * Process configuration, validated once at boot. A wrong or missing variable stops the process
 * with a message naming it, instead of failing later in the middle of a case.
 */
const provinceList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '' || value === 'all') return 'all' as const;
    const codes = value.split(',').map((code) => code.trim());
    for (const code of codes) {
      if (!/^\d{2}$/.test(code)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${code}" is not a 2-digit province code`,
        });
        return z.NEVER;
      }
    }
    return codes;
  });

const ConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/idcard'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; tests and parallel deployments on one Redis use their own. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('idcard'),
  /** Provinces this node serves: "all" or a comma-separated list of 2-digit codes. */
  PROVINCES: provinceList.default('all'),
  /** Folder of the Ed25519 keyring (private/<province>.pem, public/<province>.pem). */
  KEYRING_DIR: z.string().default('.keys'),
  /** Generate missing development keys on start (never in production). */
  KEYRING_AUTOGENERATE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  MESSAGE_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
  MESSAGE_BACKOFF_MS: z.coerce.number().int().min(0).default(1000),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(500),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
});

export type AppConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/** The provinces a node serves, resolved against the full list when configured as "all". */
export function servedProvinces(
  config: Pick<AppConfig, 'PROVINCES'>,
  all: readonly string[],
): string[] {
  return config.PROVINCES === 'all' ? [...all] : [...config.PROVINCES];
}
