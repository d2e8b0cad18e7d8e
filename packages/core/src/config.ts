import { z } from 'zod';
import { DialerError } from './errors.js';
import { parseContactCaps, parseCountWindows, type ContactCapRule } from './contact-cap-rules.js';
import { combinationProblems } from './config-checks.js';

/**
 * Every setting's default, keyed by its environment variable. The one place defaults live:
 * the README's configuration table is checked against it by a test.
 */
export const DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_PREFIX: 'dialer',
  DEPLOYMENT_ID: '',
  LOG_LEVEL: 'info',
  SAVG_API_VERSION: 'v1',
  SAVG_TIMEOUT_MS: 15_000,
  SAVG_QUOTAS: '600/60s,18000/3600s',
  NOTIFY_TOKEN_TTL_MS: 86_400_000,
  ALLOW_INSECURE_HTTP: false,
  INGESTER_HOST: '127.0.0.1',
  INGESTER_PORT: 8080,
  INGESTER_BODY_LIMIT: 16_384,
  DIAL_RATE_PER_SECOND: 5,
  MAX_LIVE_CALLS: 50,
  WORKER_CONCURRENCY: 20,
  WORKER_METRICS_PORT: 9464,
  INGESTER_METRICS_PORT: 9465,
  WORKER_LOCK_MS: 30_000,
  METRICS_HOST: '127.0.0.1',
  REDIAL_MAX_ATTEMPTS: 3,
  REDIAL_DELAY_MS: 300_000,
  LOST_AFTER_MS: 7_200_000,
  WATCHDOG_INTERVAL_MS: 5_000,
  RECONCILE_GRACE_MS: 60_000,
  CONTACT_CAP: 'off',
  BOARD_HOST: '127.0.0.1',
  BOARD_PORT: 3000,
  BOARD_OPEN: false,
  API_HOST: '127.0.0.1',
  API_PORT: 8090,
  SHUTDOWN_TIMEOUT_MS: 30_000,
  RESULTS_RETRY_BASE_MS: 10_000,
  RESULTS_RETRY_WINDOW_MS: 86_400_000,
  RESULTS_TIMEOUT_MS: 10_000,
  RESULTS_CONCURRENCY: 10,
} as const;

/** Which process is asking: decides which settings are required. */
export type ConfigRole = 'worker' | 'ingester' | 'board' | 'api' | 'producer' | 'cli';

const REQUIRED: Record<ConfigRole, readonly string[]> = {
  worker: [
    'SAVG_BASE_URL',
    'SAVG_BOT_ID',
    'SAVG_CLIENT_ID',
    'SAVG_CLIENT_SECRET',
    'NOTIFY_BASE_URL',
    'NOTIFY_TOKEN_SECRET',
  ],
  ingester: ['NOTIFY_TOKEN_SECRET'],
  board: [],
  api: [],
  producer: [],
  cli: [],
};

const int = (min: number) => z.coerce.number().int().min(min);
const url = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const envSchema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^(rediss?|redis\+cluster|rediss\+cluster):\/\//, 'must start with redis://, rediss:// or redis+cluster://'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  DEPLOYMENT_ID: z.string(),
  LOG_LEVEL: logLevel,
  SAVG_BASE_URL: url.optional(),
  SAVG_BOT_ID: z.string().min(1).optional(),
  SAVG_CLIENT_ID: z.string().min(1).optional(),
  SAVG_CLIENT_SECRET: z.string().min(1).optional(),
  SAVG_CALLER: z.string().min(1).optional(),
  SAVG_TRUNK: z.string().min(1).optional(),
  SAVG_API_VERSION: z.enum(['v1', 'v2'], { error: 'must be v1 or v2' }),
  SAVG_TIMEOUT_MS: int(100),
  SAVG_QUOTAS: z.string().transform((text, ctx): ContactCapRule[] => {
    try {
      return parseCountWindows(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  NOTIFY_BASE_URL: url.optional(),
  NOTIFY_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  NOTIFY_TOKEN_TTL_MS: int(60_000),
  ALLOW_INSECURE_HTTP: bool,
  CONTACT_ID_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  CONTACT_CAP: z.string().transform((text, ctx): ContactCapRule[] => {
    try {
      return parseContactCaps(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  INGESTER_HOST: z.string().min(1),
  INGESTER_PORT: int(0).max(65_535),
  INGESTER_BODY_LIMIT: int(1024),
  DIAL_RATE_PER_SECOND: z.coerce.number().positive().max(10_000),
  MAX_LIVE_CALLS: int(1),
  WORKER_CONCURRENCY: int(1).max(1000),
  WORKER_METRICS_PORT: int(0).max(65_535),
  INGESTER_METRICS_PORT: int(0).max(65_535),
  WORKER_LOCK_MS: int(1000),
  METRICS_HOST: z.string().min(1),
  REDIAL_MAX_ATTEMPTS: int(1).max(100),
  REDIAL_DELAY_MS: int(0),
  LOST_AFTER_MS: int(1000),
  WATCHDOG_INTERVAL_MS: int(50),
  RECONCILE_GRACE_MS: int(100),
  BOARD_HOST: z.string().min(1),
  BOARD_PORT: int(0).max(65_535),
  BOARD_USER: z.string().min(1).optional(),
  BOARD_PASSWORD: z.string().min(1).optional(),
  BOARD_OPEN: bool,
  API_HOST: z.string().min(1),
  API_PORT: int(0).max(65_535),
  SHUTDOWN_TIMEOUT_MS: int(0),
  RESULTS_RETRY_BASE_MS: int(10),
  RESULTS_RETRY_WINDOW_MS: int(0),
  RESULTS_TIMEOUT_MS: int(100),
  RESULTS_CONCURRENCY: int(1).max(1000),
});

type Env = z.infer<typeof envSchema>;

/** The validated configuration every process reads once in its `main`. */
export interface DialerConfig {
  redisUrl: string;
  /** Namespace of every Redis key; lets several deployments (or tests) share one Redis. */
  keyPrefix: string;
  /** Audience of notify tokens: a token of another deployment is refused. @defaultValue the key prefix */
  deploymentId: string;
  logLevel: z.infer<typeof logLevel>;
  savg: {
    baseUrl?: string;
    botId?: string;
    clientId?: string;
    clientSecret?: string;
    caller?: string;
    trunk?: string;
    /** The dial-out endpoint: `v1` (bot in the path) or `v2` (`…/V2/smartassist/dialout`, `botId` in the body). */
    apiVersion: 'v1' | 'v2';
    timeoutMs: number;
    /**
     * The gateway's rate quotas per bot (SAVG_QUOTAS: `600/60s,18000/3600s` by default, Kore.ai's RunTime API limits),
     * kept by every worker and campaign together. @defaultValue 600/60s and 18000/3600s
     */
    quotas: ContactCapRule[];
  };
  notify: { baseUrl?: string; tokenSecret?: string; tokenTtlMs: number };
  /** ALLOW_INSECURE_HTTP: plain http to a host that is not loopback is allowed (campaigns' results URLs too). */
  allowInsecureHttp: boolean;
  /**
   * The results webhook's deliveries: the first retry after `retryBaseMs`, doubling (at most 512 times the base, and
   * an hour), until `retryWindowMs` after the first try; each request times out after `timeoutMs`; `concurrency`
   * requests at once per process.
   */
  results: { retryBaseMs: number; retryWindowMs: number; timeoutMs: number; concurrency: number };
  /** Secret of contact ids (contact-ids.ts); when unset, a random one is kept in Redis per REDIS_PREFIX. */
  contactIdKey?: string;
  /** CONTACT_CAP: at most `count` dial-outs to one number in any rolling window, across every campaign. @defaultValue [] (off) */
  contactCaps: ContactCapRule[];
  ingester: { host: string; port: number; bodyLimit: number };
  pacing: { ratePerSecond: number; maxLiveCalls: number; workerConcurrency: number };
  redial: { maxAttempts: number; delayMs: number };
  lostAfterMs: number;
  watchdogIntervalMs: number;
  /** The reconciler leaves contacts that changed more recently than this alone (they are in motion). */
  reconcileGraceMs: number;
  board: { host: string; port: number; user?: string; password?: string; open: boolean };
  /** `dialer api`: where the HTTP API listens (its keys live in Redis: `dialer apikey`). */
  api: { host: string; port: number };
  /** `/metrics` servers: the worker's, and the ingester's (off the webhook port, which faces SAVG). */
  metrics: { host: string; workerPort: number; ingesterPort: number };
  /** Lock on a dial job while a worker holds it; a crashed worker's jobs are re-delivered after about twice this. */
  workerLockMs: number;
  shutdownTimeoutMs: number;
}

function pickEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    const fallback = (DEFAULTS as Record<string, unknown>)[key];
    // Empty strings count as unset: compose files and .env templates often leave `VAR=`.
    raw[key] = value !== undefined && value !== '' ? value : fallback === undefined ? undefined : String(fallback);
  }
  return raw;
}

function fail(problems: string[]): never {
  throw new DialerError('DIALER_ERR_CONFIG', `Invalid configuration: ${problems.join('; ')}`, { problems });
}

/** A pure function of the environment: validates every setting once and names the ones that are wrong. */
export function loadConfig(env: NodeJS.ProcessEnv, role: ConfigRole = 'cli'): DialerConfig {
  const parsed = envSchema.safeParse(pickEnv(env));
  if (!parsed.success) {
    fail(parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`));
  }
  const e = parsed.data;
  const missing = REQUIRED[role].filter((k) => e[k as keyof Env] === undefined);
  if (missing.length > 0) fail(missing.map((k) => `${k} is required for the ${role}`));
  if (role === 'board' && !(e.BOARD_USER && e.BOARD_PASSWORD) && !e.BOARD_OPEN) {
    fail([
      'BOARD_USER and BOARD_PASSWORD are required (or BOARD_OPEN=true to run without authentication on 127.0.0.1)',
    ]);
  }
  const combined = combinationProblems({
    notifyTokenTtlMs: e.NOTIFY_TOKEN_TTL_MS,
    lostAfterMs: e.LOST_AFTER_MS,
    savgTimeoutMs: e.SAVG_TIMEOUT_MS,
    savgBaseUrl: e.SAVG_BASE_URL,
    notifyBaseUrl: e.NOTIFY_BASE_URL,
    allowInsecureHttp: e.ALLOW_INSECURE_HTTP,
  });
  if (combined.length > 0) fail(combined);
  return toConfig(e);
}

function toConfig(e: Env): DialerConfig {
  return {
    redisUrl: e.REDIS_URL,
    keyPrefix: e.REDIS_PREFIX,
    deploymentId: e.DEPLOYMENT_ID || e.REDIS_PREFIX,
    logLevel: e.LOG_LEVEL,
    savg: {
      baseUrl: e.SAVG_BASE_URL?.replace(/\/+$/, ''),
      botId: e.SAVG_BOT_ID,
      clientId: e.SAVG_CLIENT_ID,
      clientSecret: e.SAVG_CLIENT_SECRET,
      caller: e.SAVG_CALLER,
      trunk: e.SAVG_TRUNK,
      apiVersion: e.SAVG_API_VERSION,
      timeoutMs: e.SAVG_TIMEOUT_MS,
      quotas: e.SAVG_QUOTAS,
    },
    notify: {
      baseUrl: e.NOTIFY_BASE_URL?.replace(/\/+$/, ''),
      tokenSecret: e.NOTIFY_TOKEN_SECRET,
      tokenTtlMs: e.NOTIFY_TOKEN_TTL_MS,
    },
    allowInsecureHttp: e.ALLOW_INSECURE_HTTP,
    results: {
      retryBaseMs: e.RESULTS_RETRY_BASE_MS,
      retryWindowMs: e.RESULTS_RETRY_WINDOW_MS,
      timeoutMs: e.RESULTS_TIMEOUT_MS,
      concurrency: e.RESULTS_CONCURRENCY,
    },
    contactIdKey: e.CONTACT_ID_KEY,
    contactCaps: e.CONTACT_CAP,
    ingester: { host: e.INGESTER_HOST, port: e.INGESTER_PORT, bodyLimit: e.INGESTER_BODY_LIMIT },
    pacing: {
      ratePerSecond: e.DIAL_RATE_PER_SECOND,
      maxLiveCalls: e.MAX_LIVE_CALLS,
      workerConcurrency: e.WORKER_CONCURRENCY,
    },
    redial: { maxAttempts: e.REDIAL_MAX_ATTEMPTS, delayMs: e.REDIAL_DELAY_MS },
    lostAfterMs: e.LOST_AFTER_MS,
    watchdogIntervalMs: e.WATCHDOG_INTERVAL_MS,
    reconcileGraceMs: e.RECONCILE_GRACE_MS,
    board: {
      host: e.BOARD_HOST,
      port: e.BOARD_PORT,
      user: e.BOARD_USER,
      password: e.BOARD_PASSWORD,
      open: e.BOARD_OPEN,
    },
    api: { host: e.API_HOST, port: e.API_PORT },
    metrics: { host: e.METRICS_HOST, workerPort: e.WORKER_METRICS_PORT, ingesterPort: e.INGESTER_METRICS_PORT },
    workerLockMs: e.WORKER_LOCK_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

/** Every environment variable the config knows (the compose-file test checks against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
