/**
 * Simulator options: the static ones (credentials, limits) and the runtime knobs (outcomes, faults,
 * delays) that `PUT /__sim/config` may change later. One zod schema validates both the programmatic
 * options and the runtime patches, so both accept the same compact text forms.
 */
import { z } from 'zod';
import { SIM_OUTCOMES, type OutcomeWeights, type SimOutcome } from './outcomes.js';
import type { DelayRange } from './random.js';
import {
  MAX_QUOTAS,
  parseFaults,
  parseQuotas,
  parseRange,
  parseWeights,
  type Quota,
  type SpecResult,
} from './specs.js';

/** Which notification spelling to send: the vendor page's older one, the newer one, or either per call. */
export type Spelling = 'old' | 'new' | 'mixed';

/**
 * Which final statuses to send: the documented `completed`/`failed` ('savg'), jambonz's `busy`/`no-answer`/
 * `failed`/`completed` ('jambonz'; the gateway is built on jambonz), or either per call ('mixed').
 */
export type StatusStyle = 'savg' | 'jambonz' | 'mixed';

/** Options of {@link createSimulator}; only the credentials are required. */
export interface SimulatorOptions {
  /** JWT app client id; dial-outs whose `auth` JWT has another `appId` get 401. */
  clientId: string;
  /** JWT app client secret (HS256). Never logged or recorded. */
  clientSecret: string;
  /** Where the cli binds; `createSimulator` itself never listens. @defaultValue '127.0.0.1' */
  host?: string;
  /** Where the cli binds. @defaultValue 4010 */
  port?: number;
  /** When set, dial-outs for any other bot id get 404. @defaultValue undefined (any bot id) */
  botId?: string;
  /** Relative outcome weights, or the text form `human=50,busy=15`. @defaultValue DEFAULT_OUTCOME_WEIGHTS */
  outcomes?: OutcomeWeights | string;
  /**
   * Per-target outcome sequences (`{'tel:+15550001111': ['busy', 'busy', 'human']}`), one entry consumed
   * per dial-out to that target; the last entry repeats. A key without a scheme gets `tel:`.
   * @defaultValue {}
   */
  scripts?: Record<string, SimOutcome[] | string>;
  /** Delay between the dial-out reply and the final notification: ms, `{min, max}` or `'100-2000'`. @defaultValue {min: 100, max: 2000} */
  notifyDelayMs?: number | DelayRange | string;
  /** Notification spelling. @defaultValue 'mixed' */
  spelling?: Spelling;
  /** Send an interim `Call-In-Progress` AMD event before the final one when the request asked for `detect`. @defaultValue false */
  interimEvents?: boolean;
  /** Final statuses: documented ('savg'), jambonz's ('jambonz': `busy`, `no-answer`), or per call. @defaultValue 'savg' */
  statusStyle?: StatusStyle;
  /**
   * When set, every notified call first sends one interim notification with this status (e.g. `queued`, one the
   * dialer does not know), to check that unknown statuses are taken as interim. @defaultValue null
   */
  interimStatus?: string | null;
  /**
   * Per-bot rate limits over rolling windows, `600/60s,18000/3600s` (the vendor's), an array of
   * `{limit, windowMs}`, or `off`. A dial-out over any of them gets 429 with the vendor's body. @defaultValue 'off'
   */
  quotas?: string | Quota[];
  /**
   * Ring-outs: a call that would be answered rings out (no-answer) when the request's `timeoutInMs` is below
   * the pickup time. @defaultValue false
   */
  ringTimeouts?: boolean;
  /** How long the callee takes to pick up, for `ringTimeouts`: ms, `{min, max}` or `'3000-15000'`. @defaultValue 10000 */
  pickupMs?: number | DelayRange | string;
  /** Compact fault string `429=0.05,5xx=0.2,hang=0.02,dup=0.01,early=0.1`; explicit fields below win. @defaultValue undefined */
  faults?: string;
  /** Probability of answering 429 (the call is not placed). @defaultValue 0 */
  rate429?: number;
  /** `Retry-After` seconds on 429 replies; null sends none (SAVG may omit it). @defaultValue null */
  retryAfterSeconds?: number | null;
  /** Probability the gateway itself answers 502/503/504 with its JSON error body (the call is not placed). @defaultValue 0 */
  rate5xx?: number;
  /**
   * Probability a proxy or load balancer in front of the gateway answers 502/504 with an HTML page. Whether the
   * request had reached the gateway first (the call placed and notified) is `proxyPlacedRate`. @defaultValue 0
   */
  proxyErrorRate?: number;
  /** Of the proxy's 502/504s, the share whose request the gateway had already received and placed. @defaultValue 0.5 */
  proxyPlacedRate?: number;
  /** Probability the call is placed and notified but the HTTP reply is withheld (an ambiguous time-out). @defaultValue 0 */
  hangRate?: number;
  /** How long a withheld reply is held before it is sent anyway (unless the client left). @defaultValue 60000 */
  hangMs?: number;
  /** Extra delay before every dial-out reply: ms, `{min, max}` or `'10-50'`. @defaultValue 0 */
  slowMs?: number | DelayRange | string;
  /** Probability the final notification is delivered before the HTTP reply (the instant-486 race). @defaultValue 0 */
  notifyBeforeReply?: number;
  /** Probability the final notification is sent twice. @defaultValue 0 */
  duplicateRate?: number;
  /** Time-out of each notification POST. @defaultValue 10000 */
  notifyTimeoutMs?: number;
  /** Records kept per kind (dial-outs, notifications); the oldest are dropped, counts keep counting. @defaultValue 1000000 */
  recordLimit?: number;
  /** Seed for outcome/fault/delay choices, for replayable runs. @defaultValue undefined (Math.random) */
  seed?: number;
  /** Fastify/pino log level; requests are never logged individually. @defaultValue 'warn' */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The clock quota windows are counted by (tests pass their own). @defaultValue Date.now */
  now?: () => number;
}

/** The runtime knobs, resolved (what `GET /__sim/config` shows). */
export interface SimulatorConfig {
  outcomes: OutcomeWeights;
  scripts: Record<string, SimOutcome[]>;
  notifyDelayMs: DelayRange;
  spelling: Spelling;
  interimEvents: boolean;
  statusStyle: StatusStyle;
  interimStatus: string | null;
  quotas: Quota[];
  ringTimeouts: boolean;
  pickupMs: DelayRange;
  rate429: number;
  retryAfterSeconds: number | null;
  rate5xx: number;
  proxyErrorRate: number;
  proxyPlacedRate: number;
  hangRate: number;
  hangMs: number;
  slowMs: DelayRange;
  notifyBeforeReply: number;
  duplicateRate: number;
}

export const DEFAULT_OUTCOME_WEIGHTS: OutcomeWeights = {
  human: 50,
  machine: 10,
  busy: 15,
  unavailable: 10,
  'no-answer': 10,
  'failed-503': 3,
  silent: 2,
};

export const DEFAULT_SIMULATOR_CONFIG: SimulatorConfig = {
  outcomes: DEFAULT_OUTCOME_WEIGHTS,
  scripts: {},
  notifyDelayMs: { min: 100, max: 2000 },
  spelling: 'mixed',
  interimEvents: false,
  statusStyle: 'savg',
  interimStatus: null,
  quotas: [],
  ringTimeouts: false,
  pickupMs: { min: 10_000, max: 10_000 },
  rate429: 0,
  retryAfterSeconds: null,
  rate5xx: 0,
  proxyErrorRate: 0,
  proxyPlacedRate: 0.5,
  hangRate: 0,
  hangMs: 60_000,
  slowMs: { min: 0, max: 0 },
  notifyBeforeReply: 0,
  duplicateRate: 0,
};

function fromSpec<T>(parse: (text: string) => SpecResult<T>) {
  return z.string().transform((text, ctx): T => {
    const result = parse(text);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.error });
    return z.NEVER;
  });
}

const nonNegativeInt = z.number().int().nonnegative();
const probability = z.number().min(0).max(1);
const outcomeSchema = z.enum(SIM_OUTCOMES);

const rangeSchema = z.union([
  nonNegativeInt.transform((ms): DelayRange => ({ min: ms, max: ms })),
  fromSpec(parseRange),
  z.object({ min: nonNegativeInt, max: nonNegativeInt }).refine((r) => r.max >= r.min, 'max is below min'),
]);

const weightsSchema = z.union([
  fromSpec(parseWeights),
  z
    .partialRecord(outcomeSchema, z.number().nonnegative())
    .refine((w) => Object.values(w).some((v) => (v ?? 0) > 0), 'weights must have a positive total'),
]);

const sequenceSchema = z.union([
  z.array(outcomeSchema).min(1),
  z
    .string()
    .transform((text) => text.split(',').map((s) => s.trim()))
    .pipe(z.array(outcomeSchema).min(1)),
]);

/** An extra interim status: a word, so it travels as is in JSON and logs. */
export const interimStatusSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _');

const quotasSchema = z.union([
  fromSpec(parseQuotas),
  z
    .array(z.strictObject({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }))
    .max(MAX_QUOTAS),
]);

/** The key a script is stored under: operators write numbers as they read them, dial-outs carry `tel:+…`. */
export function scriptTarget(target: string): string {
  return /^(?:tel|sips?):/.test(target) ? target : `tel:${target}`;
}

/** Per-target outcome sequences, as arrays or `'busy,busy,human'` strings. */
export const simulatorScriptsSchema = z
  .record(z.string().min(1), sequenceSchema)
  .transform((scripts) => Object.fromEntries(Object.entries(scripts).map(([k, v]) => [scriptTarget(k), v])));

/** A change to the runtime knobs; unknown keys are refused so typos do not pass silently. */
export const simulatorConfigPatchSchema = z.strictObject({
  outcomes: weightsSchema.optional(),
  scripts: simulatorScriptsSchema.optional(),
  notifyDelayMs: rangeSchema.optional(),
  spelling: z.enum(['old', 'new', 'mixed']).optional(),
  interimEvents: z.boolean().optional(),
  statusStyle: z.enum(['savg', 'jambonz', 'mixed']).optional(),
  interimStatus: interimStatusSchema.nullable().optional(),
  quotas: quotasSchema.optional(),
  ringTimeouts: z.boolean().optional(),
  pickupMs: rangeSchema.optional(),
  faults: fromSpec(parseFaults).optional(),
  rate429: probability.optional(),
  retryAfterSeconds: nonNegativeInt.nullable().optional(),
  rate5xx: probability.optional(),
  proxyErrorRate: probability.optional(),
  proxyPlacedRate: probability.optional(),
  hangRate: probability.optional(),
  hangMs: nonNegativeInt.optional(),
  slowMs: rangeSchema.optional(),
  notifyBeforeReply: probability.optional(),
  duplicateRate: probability.optional(),
});

export type SimulatorConfigPatch = z.input<typeof simulatorConfigPatchSchema>;
type ParsedPatch = z.output<typeof simulatorConfigPatchSchema>;

/** Applies a validated patch: the faults string first, explicit fields over it. */
export function applyConfigPatch(config: SimulatorConfig, patch: ParsedPatch): SimulatorConfig {
  const { faults, ...fields } = patch;
  const explicit = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Partial<SimulatorConfig>;
  return { ...config, ...faults, ...explicit };
}

const staticOptionsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(4010),
  botId: z.string().min(1).optional(),
  notifyTimeoutMs: z.number().int().positive().default(10_000),
  recordLimit: nonNegativeInt.default(1_000_000),
  seed: z.number().int().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function').default(() => Date.now),
});

/** Options after validation and defaults. */
export type ResolvedSimulatorOptions = z.output<typeof staticOptionsSchema> & { config: SimulatorConfig };

/** Lists every zod issue as `<field>: <message>`, prefixing fields so errors name what to fix. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => `${prefix}${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`)
    .join('; ');
}

/** Validates options (throwing an error that names the bad option) and fills in defaults. */
export function resolveSimulatorOptions(options: SimulatorOptions): ResolvedSimulatorOptions {
  const { clientId, clientSecret, host, port, botId, notifyTimeoutMs, recordLimit, seed, logLevel, now, ...knobs } =
    options;
  const statics = staticOptionsSchema.safeParse({
    clientId,
    clientSecret,
    host,
    port,
    botId,
    notifyTimeoutMs,
    recordLimit,
    seed,
    logLevel,
    now,
  });
  if (!statics.success) throw new Error(`invalid simulator options: ${describeIssues(statics.error)}`);
  const patch = simulatorConfigPatchSchema.safeParse(knobs);
  if (!patch.success) throw new Error(`invalid simulator options: ${describeIssues(patch.error)}`);
  return { ...statics.data, config: applyConfigPatch(DEFAULT_SIMULATOR_CONFIG, patch.data) };
}
