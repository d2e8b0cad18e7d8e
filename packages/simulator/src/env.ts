/** Simulator settings from environment variables (a pure function of `env`; errors name the variable). */
import { z } from 'zod';
import { describeIssues, interimStatusSchema, simulatorScriptsSchema, type SimulatorOptions } from './options.js';
import { parseFaults, parseQuotas, parseRange, parseWeights, type SpecResult } from './specs.js';

function spec<T>(parse: (text: string) => SpecResult<T>) {
  return z.string().transform((text, ctx): T => {
    const result = parse(text);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  });
}

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const json = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"tel:+15550001111":["busy","human"]}' });
    return z.NEVER;
  }
});

const required = z.string({ error: 'is required' }).min(1, 'is required');

const envSchema = z.object({
  SIM_HOST: z.string().min(1).default('127.0.0.1'),
  SIM_PORT: integer(0, 65535).default(4010),
  SAVG_CLIENT_ID: required,
  SAVG_CLIENT_SECRET: required,
  SIM_BOT_ID: z.string().optional(),
  SIM_OUTCOMES: spec(parseWeights).optional(),
  SIM_SCRIPTS: json.pipe(simulatorScriptsSchema).optional(),
  SIM_NOTIFY_DELAY_MS: spec(parseRange).optional(),
  SIM_SLOW_MS: spec(parseRange).optional(),
  SIM_SPELLING: z.enum(['old', 'new', 'mixed']).optional(),
  SIM_INTERIM_EVENTS: boolean.optional(),
  SIM_STATUS_STYLE: z.enum(['savg', 'jambonz', 'mixed']).optional(),
  SIM_INTERIM_STATUS: interimStatusSchema.optional(),
  SIM_QUOTAS: spec(parseQuotas).optional(),
  SIM_RING_TIMEOUTS: boolean.optional(),
  SIM_PICKUP_MS: spec(parseRange).optional(),
  SIM_FAULTS: spec(parseFaults).optional(),
  SIM_HANG_MS: integer(0).optional(),
  SIM_RETRY_AFTER_S: integer(0).optional(),
  SIM_NOTIFY_TIMEOUT_MS: integer(1).optional(),
  SIM_RECORD_LIMIT: integer(0).optional(),
  SIM_SEED: integer(-(2 ** 31), 2 ** 32).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Env variables the simulator reads (for `--help` texts and docs). */
export const SIMULATOR_ENV_VARIABLES = Object.keys(envSchema.shape);

function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of SIMULATOR_ENV_VARIABLES) {
    const value = env[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/**
 * Reads `SIM_*`, `SAVG_CLIENT_ID`/`SAVG_CLIENT_SECRET` and `LOG_LEVEL`. Throws one error listing every
 * bad variable by name.
 */
export function loadSimulatorOptions(env: NodeJS.ProcessEnv): SimulatorOptions {
  const parsed = envSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new Error(`invalid simulator settings: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  const options: SimulatorOptions = {
    clientId: e.SAVG_CLIENT_ID,
    clientSecret: e.SAVG_CLIENT_SECRET,
    host: e.SIM_HOST,
    port: e.SIM_PORT,
    botId: e.SIM_BOT_ID,
    outcomes: e.SIM_OUTCOMES,
    scripts: e.SIM_SCRIPTS,
    notifyDelayMs: e.SIM_NOTIFY_DELAY_MS,
    slowMs: e.SIM_SLOW_MS,
    spelling: e.SIM_SPELLING,
    interimEvents: e.SIM_INTERIM_EVENTS,
    statusStyle: e.SIM_STATUS_STYLE,
    interimStatus: e.SIM_INTERIM_STATUS,
    quotas: e.SIM_QUOTAS,
    ringTimeouts: e.SIM_RING_TIMEOUTS,
    pickupMs: e.SIM_PICKUP_MS,
    ...e.SIM_FAULTS,
    hangMs: e.SIM_HANG_MS,
    retryAfterSeconds: e.SIM_RETRY_AFTER_S,
    notifyTimeoutMs: e.SIM_NOTIFY_TIMEOUT_MS,
    recordLimit: e.SIM_RECORD_LIMIT,
    seed: e.SIM_SEED,
    logLevel: e.LOG_LEVEL,
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimulatorOptions;
}
