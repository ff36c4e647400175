import { z } from 'zod';
import { clusterEndpoint, clusterNodesProblem, RedisEndpoint } from '@app/messaging';

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
  /** Interface to listen on: 127.0.0.1 by default; 0.0.0.0 to serve other hosts. */
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/idcard'),
  /** Connections in this node's PostgreSQL pool. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /**
   * The exchange as a Redis Cluster: `host:port,host:port,…` (any of its nodes; the rest are
   * discovered). When set, it replaces REDIS_URL's host; REDIS_URL's user, password and rediss://
   * (TLS) still apply.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = clusterNodesProblem(value);
      if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    })
    .optional(),
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
  /**
   * Messages handled at once by the node while it is answering HTTP requests (otherwise up to
   * DATABASE_POOL_SIZE − 3): a backlog of messages waits in its queues instead of slowing the
   * clerks' requests. 0 = no difference.
   */
  MESSAGES_WHILE_SERVING: z.coerce.number().int().min(0).max(256).default(1),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(500),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  // HTTP server and shutdown
  /** Idle keep-alive connections are kept this long: above load balancers' idle timeouts (60 s). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(65_000),
  /** Time to receive a request's headers; must exceed HTTP_KEEP_ALIVE_TIMEOUT_MS. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1000).default(66_000),
  /** After SIGTERM, requests are still served this long (readiness already 503), then refused with 503. */
  DRAIN_DELAY_MS: z.coerce.number().int().min(0).default(5_000),
  /** After that, connections still open this long are cut. */
  DRAIN_CONNECTIONS_MS: z.coerce.number().int().min(0).default(10_000),
  /** The process exits this long after SIGTERM at the latest, drained or not. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  // access (bearer JWT on every route but health)
  JWT_ISSUER: z.string().min(1).default('idcard-dev'),
  JWT_AUDIENCE: z.string().min(1).default('idcard-api'),
  /** HS256 secret (≥ 32 bytes). Development has a default; production must set a token key source. */
  JWT_SECRET: z.string().min(32, 'at least 32 bytes').optional(),
  /** PEM file with an Ed25519 (EdDSA), RSA ≥ 2048 (RS256) or EC P-256 (ES256) public key that verifies tokens. */
  JWT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  /** JWKS URL of the identity provider (keys by kid, re-fetched on an unknown kid: rotation without restart). */
  JWT_JWKS_URL: z.string().url().optional(),
  /** Local JWKS file (keys by kid), re-read when it changes or when a token names an unknown kid. */
  JWT_JWKS_FILE: z.string().min(1).optional(),
  /** Least time between two fetches of JWT_JWKS_URL caused by unknown kids. */
  JWT_JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).default(30_000),
  /** How long keys fetched from JWT_JWKS_URL are used before asking again (a removed key stops then). */
  JWT_JWKS_CACHE_MS: z.coerce.number().int().min(0).default(600_000),
  /** Requests per minute allowed to one token subject, across all nodes (counted in Redis). */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Messages older than this are refused as replays (ops replays of dead letters excepted). */
  MESSAGE_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(7 * 86_400_000),
  // intake
  /** JSON file replacing the default acceptance points (one `<county>-01` per county). */
  ACCEPTANCE_POINTS_FILE: z.string().min(1).optional(),
  /** JSON file replacing the bundled pilot schedule used by intake's route check. */
  PILOT_SCHEDULE_FILE: z.string().min(1).optional(),
  /** JSON file replacing the bundled fee policy used at intake. */
  FEE_POLICY_FILE: z.string().min(1).optional(),
  /** Newborn registration rules replacing the bundled ones (libs/domain data/newborn-rules.json). */
  NEWBORN_RULES_FILE: z.string().min(1).optional(),
  /** Hukou review target in ms; unset = end of the 5th day after intake (Asia/Shanghai). */
  REVIEW_DEADLINE_MS: z.coerce.number().int().min(1).optional(),
  /** Statutory limit in ms; unset = end of the 60th day after intake (Asia/Shanghai). */
  STATUTORY_DEADLINE_MS: z.coerce.number().int().min(1).optional(),
  /** Delay of the uncollected-card reminder after the card reaches the point (default 30 days). */
  PICKUP_REMINDER_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(30 * 86_400_000),
  /** Period of the intake reconciler; 0 disables the periodic run. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /**
   * Period of the statistics snapshot each served province's intake publishes to the national
   * operations node (also once at start); 0 (the default) publishes none: set it where a national
   * node consumes `{ops.national}`, or the queue fills with snapshots nobody reads.
   */
  STATS_PUBLISH_INTERVAL_MS: z.coerce.number().int().min(0).default(0),
  /** A pending command unanswered for this long is sent again by the reconciler. */
  RESEND_AFTER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /** After dispatch, how long before intake asks the delivery side to re-announce (a lost event). */
  DELIVERY_SYNC_AFTER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3_600_000),
  /** Largest portrait accepted by POST /api/v1/photos, in decoded bytes. */
  PHOTO_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  /** ID card portrait geometry (pixels) that uploads must have, within PHOTO_SIZE_TOLERANCE. */
  PHOTO_WIDTH_PX: z.coerce.number().int().min(16).max(4096).default(358),
  PHOTO_HEIGHT_PX: z.coerce.number().int().min(16).max(4096).default(441),
  /** Allowed deviation of each side from the required geometry, as a fraction (0.05 = ±5%). */
  PHOTO_SIZE_TOLERANCE: z.coerce.number().min(0).max(1).default(0.05),
  /** Embedded metadata (EXIF, ICC, XMP, IPTC, PNG text) above this many bytes refuses the upload. */
  PHOTO_MAX_METADATA_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1024),
  // ops
  /**
   * This node is the national operations node: it consumes the provinces' statistics snapshots
   * (queue `{ops.national}`) into its own database and serves GET /api/v1/ops/national.
   */
  OPS_NATIONAL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** On the national node, a province whose newest snapshot is older than this is shown stale. */
  NATIONAL_STALE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(5 * 60_000),
  // production and delivery
  /** Wrong receipt numbers or pickup codes in a row for one delivery before it is locked. */
  DELIVERY_SECRET_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** How long a delivery refuses receipt numbers and pickup codes after too many wrong ones. */
  DELIVERY_SECRET_LOCKOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(15 * 60_000),
  /** Total card production attempts (first make + remakes); same meaning as the workflow's maxProductionAttempts. */
  PRODUCTION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Probability (0..1) that one production attempt fails the quality check. */
  PRODUCTION_QC_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** Test hook: the first N attempts of every card fail the quality check. */
  PRODUCTION_QC_FAIL_FIRST_N: z.coerce.number().int().min(0).default(0),
});

export type AppConfig = z.infer<typeof ConfigSchema>;

/** Every variable a node reads (.env.example lists them all; a test keeps it so). */
export const CONFIG_VARIABLES = Object.keys(ConfigSchema.shape) as (keyof AppConfig)[];

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const config = parsed.data;
  if (
    !config.JWT_SECRET &&
    !config.JWT_PUBLIC_KEY_FILE &&
    !config.JWT_JWKS_URL &&
    !config.JWT_JWKS_FILE
  ) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError(
        'invalid configuration: JWT_SECRET, JWT_PUBLIC_KEY_FILE, JWT_JWKS_URL or JWT_JWKS_FILE must be set in production',
      );
    }
    config.JWT_SECRET = DEV_JWT_SECRET;
  }
  if (config.HTTP_HEADERS_TIMEOUT_MS <= config.HTTP_KEEP_ALIVE_TIMEOUT_MS)
    throw new ConfigError(
      'invalid configuration: HTTP_HEADERS_TIMEOUT_MS: must be greater than HTTP_KEEP_ALIVE_TIMEOUT_MS',
    );
  if (config.DRAIN_DELAY_MS + config.DRAIN_CONNECTIONS_MS >= config.SHUTDOWN_TIMEOUT_MS)
    throw new ConfigError(
      'invalid configuration: SHUTDOWN_TIMEOUT_MS: must exceed DRAIN_DELAY_MS + DRAIN_CONNECTIONS_MS',
    );
  if (config.JWT_JWKS_URL && !/^https?:/.test(config.JWT_JWKS_URL))
    throw new ConfigError('invalid configuration: JWT_JWKS_URL: must be an http(s) URL');
  if (
    config.NODE_ENV === 'production' &&
    config.JWT_JWKS_URL &&
    !config.JWT_JWKS_URL.startsWith('https:')
  )
    throw new ConfigError('invalid configuration: JWT_JWKS_URL: must be https in production');
  if (config.NODE_ENV === 'production' && config.JWT_SECRET === DEV_JWT_SECRET)
    throw new ConfigError(
      'invalid configuration: JWT_SECRET: the development secret is not valid in production',
    );
  if (config.NODE_ENV === 'production' && env.KEYRING_AUTOGENERATE === undefined) {
    // Never mint signing keys silently in production: they must be provisioned.
    config.KEYRING_AUTOGENERATE = false;
  }
  return config;
}

/** The development token secret (npm run token uses it). Never valid in production. */
export const DEV_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

/** The provinces a node serves, resolved against the full list when configured as "all". */
export function servedProvinces(
  config: Pick<AppConfig, 'PROVINCES'>,
  all: readonly string[],
): string[] {
  return config.PROVINCES === 'all' ? [...all] : [...config.PROVINCES];
}

/** The exchange this node uses: REDIS_URL, or the cluster of REDIS_CLUSTER_NODES. */
export function redisEndpoint(
  config: Pick<AppConfig, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>,
): RedisEndpoint {
  if (!config.REDIS_CLUSTER_NODES) return config.REDIS_URL;
  const url = new URL(config.REDIS_URL);
  return clusterEndpoint(config.REDIS_CLUSTER_NODES, {
    username: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    tls: url.protocol === 'rediss:',
  });
}
