import { z } from 'zod';
import { DialerError } from './errors.js';
import type { DialerConfig } from './config.js';
import { OUTCOMES, type Outcome } from './outcomes.js';
import { isLoopbackHost } from './config-checks.js';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (00:00–24:00)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const ianaZone = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/New_York');
const isoTime = z.string().datetime({ offset: true });
/** A calendar date that exists (`2026-02-30` is refused). */
const isoDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
/** ISO 3166-2 subdivision codes: country, dash, up to three letters or digits (`US-FL`, `CA-QC`, `AU-NSW`). */
export const REGION_CODE_PATTERN = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
/** Bounds the settings stored with the campaign (ten years of holidays fit easily). */
const MAX_BLACKOUT_DATES = 1000;
/** How long a call may ring (`timeoutInMs`): a second at least, ten minutes at most. */
export const RING_TIMEOUT_MIN_MS = 1000;
export const RING_TIMEOUT_MAX_MS = 600_000;

/** How a telephone number is written in the dial-out's `target`: `tel:+14155550100` or `tel:14155550100`. */
export const TARGET_FORMATS = ['e164', 'digits'] as const;
export type TargetFormat = (typeof TARGET_FORMATS)[number];

/** The shortest results webhook secret accepted (an HMAC key: shorter ones are guessable). */
export const RESULTS_SECRET_MIN_LENGTH = 16;

/** Where each finished contact (and, with `attempts`, each ended attempt) is POSTed, signed with `secret`. */
const resultsSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  secret: z.string().min(RESULTS_SECRET_MIN_LENGTH, `must be at least ${RESULTS_SECRET_MIN_LENGTH} characters`),
  attempts: z.boolean().optional(),
});

/** A region's own calling hours and days; the campaign's `window` still applies (the stricter of the two wins). */
const regionRule = z.strictObject({
  start: hhmm.optional(),
  end: hhmm.optional(),
  days: z.array(weekday).min(1).optional(),
});

/** ISO 3166-2 region code → rule: `regionRules` in the settings file, and the whole of a `--rules` file. */
export const regionRulesSchema = z.record(
  z.string().regex(REGION_CODE_PATTERN, 'must be an ISO 3166-2 region code such as US-FL or AU-NSW'),
  regionRule,
  {
    error: (issue) =>
      issue.code === 'invalid_key' ? 'not an ISO 3166-2 region code (e.g. US-FL, CA-QC, AU-NSW)' : undefined,
  },
);

const redialRule = z.strictObject({
  delayMs: z.number().int().min(0).optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
});

/** The campaign settings file (`--settings file.json`) as users write it; every key optional. */
export const campaignSettingsInputSchema = z.strictObject({
  caller: z.string().min(1).optional(),
  trunk: z.string().min(1).optional(),
  botId: z.string().min(1).optional(),
  machineDetection: z.enum(['detect', 'disconnect', 'disabled']).optional(),
  thresholdWordCount: z.number().int().positive().optional(),
  ringTimeoutMs: z
    .number()
    .int()
    .min(RING_TIMEOUT_MIN_MS, `must be at least ${RING_TIMEOUT_MIN_MS} ms (1 s)`)
    .max(RING_TIMEOUT_MAX_MS, `must be at most ${RING_TIMEOUT_MAX_MS} ms (10 min)`)
    .optional(),
  targetFormat: z.enum(TARGET_FORMATS).optional(),
  timers: z
    .strictObject({
      noSpeechTimeoutMs: z.number().int().positive().optional(),
      decisionTimeoutMs: z.number().int().positive().optional(),
      toneTimeoutMs: z.number().int().positive().optional(),
      greetingCompletionTimeoutMs: z.number().int().positive().optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  ratePerSecond: z.number().positive().max(10_000).optional(),
  maxLiveCalls: z.number().int().positive().optional(),
  maxLiveCallsPerTrunk: z.number().int().positive().optional(),
  redial: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(100).optional(),
      rules: z.partialRecord(z.enum(OUTCOMES), redialRule).optional(),
    })
    .optional(),
  window: z
    .strictObject({
      start: hhmm.optional(),
      end: hhmm.optional(),
      days: z.array(weekday).min(1).optional(),
      timezone: ianaZone.optional(),
    })
    .optional(),
  blackoutDates: z.array(isoDate).max(MAX_BLACKOUT_DATES).optional(),
  regionRules: regionRulesSchema.optional(),
  startAt: isoTime.optional(),
  endAt: isoTime.optional(),
  results: resultsSchema.optional(),
});

export type CampaignSettingsInput = z.infer<typeof campaignSettingsInputSchema>;
export type Weekday = z.infer<typeof weekday>;
export type RegionRule = z.infer<typeof regionRule>;

export interface RedialRule {
  delayMs: number;
  maxAttempts: number;
}

/** Settings with every default filled in: what a campaign stores and what every re-dial reuses. */
export interface CampaignSettings {
  caller: string;
  trunk?: string;
  botId?: string;
  machineDetection: 'detect' | 'disconnect' | 'disabled';
  thresholdWordCount?: number;
  /** Sent as `timeoutInMs`: how long the call rings; absent: the gateway's default. */
  ringTimeoutMs?: number;
  /**
   * `digits` sends `tel:<digits>`; absent means `e164` (`tel:+<digits>`). Stored only when `digits`, so a
   * campaign created before the setting existed compares equal to one that says `e164`.
   */
  targetFormat?: TargetFormat;
  timers?: Record<string, number>;
  metadata: Record<string, unknown>;
  ratePerSecond?: number;
  maxLiveCalls?: number;
  maxLiveCallsPerTrunk?: number;
  redial: { maxAttempts: number; rules: Partial<Record<Outcome, RedialRule>> };
  /** `timezone`: only when the campaign sets it (the zone of contacts that have none of their own). */
  window: { start: string; end: string; days: Weekday[]; timezone?: string };
  /** Local calendar days (`YYYY-MM-DD`, sorted, no duplicates) on which nobody is called; absent when none. */
  blackoutDates?: string[];
  /** ISO 3166-2 region code → stricter hours or days for contacts in that region; absent when none. */
  regionRules?: Record<string, RegionRule>;
  startAt?: string;
  endAt?: string;
  /** The results webhook (docs/operations.md); absent: nothing is sent, and nothing extra is stored. */
  results?: ResultsSettings;
}

export interface ResultsSettings {
  url: string;
  /** The HMAC-SHA256 key of `x-dialer-signature`: never logged or printed (see {@link maskSettings}). */
  secret: string;
  /** Also one delivery per ended attempt (re-dialed ones too), not only per finished contact. */
  attempts: boolean;
}

/** What a printed secret shows instead. */
export const MASKED_SECRET = '********';

/** The settings with the results webhook's secret masked: the only form in which settings may be printed. */
export function maskSettings(settings: CampaignSettings): CampaignSettings {
  return settings.results ? { ...settings, results: { ...settings.results, secret: MASKED_SECRET } } : settings;
}

const ALL_DAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function settingsError(problems: string[]): DialerError {
  return new DialerError('DIALER_ERR_SETTINGS', `Invalid campaign settings: ${problems.join('; ')}`, { problems });
}

/** Validates a settings object (parsed JSON) and fills defaults from the environment's config. */
export function resolveCampaignSettings(input: unknown, config: DialerConfig): CampaignSettings {
  const parsed = campaignSettingsInputSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw settingsError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const s = parsed.data;
  const caller = s.caller ?? config.savg.caller;
  if (!caller) throw settingsError(['caller: required (in the settings file or SAVG_CALLER)']);
  if (s.startAt && s.endAt && Date.parse(s.endAt) <= Date.parse(s.startAt)) {
    throw settingsError(['endAt: must be after startAt']);
  }
  // Windows past midnight (22:00–02:00) are not supported: which day `days` would name is ambiguous.
  const start = s.window?.start ?? '08:00';
  const end = s.window?.end ?? '21:00';
  if (end <= start)
    throw settingsError([
      `window: end (${end}) must be after start (${start}); windows past midnight are not supported`,
    ]);
  if (s.results && !config.allowInsecureHttp) {
    const host = new URL(s.results.url);
    if (host.protocol === 'http:' && !isLoopbackHost(host.hostname))
      throw settingsError([
        `results.url: plain http to ${host.hostname}, which is not loopback: use https (contacts' results would ` +
          'travel unencrypted), or set ALLOW_INSECURE_HTTP=1 for a private test network',
      ]);
  }
  const days = s.window?.days ?? ALL_DAYS;
  const ruleProblems = regionRuleProblems(s.regionRules ?? {}, { start, end, days });
  if (ruleProblems.length > 0) throw settingsError(ruleProblems);
  const maxAttempts = s.redial?.maxAttempts ?? config.redial.maxAttempts;
  const rulesIn = s.redial?.rules ?? { busy: {}, unavailable: {} };
  const rules: Partial<Record<Outcome, RedialRule>> = {};
  for (const [outcome, rule] of Object.entries(rulesIn) as [Outcome, z.infer<typeof redialRule>][]) {
    rules[outcome] = { delayMs: rule.delayMs ?? config.redial.delayMs, maxAttempts: rule.maxAttempts ?? maxAttempts };
  }
  return {
    caller,
    trunk: s.trunk ?? config.savg.trunk,
    botId: s.botId,
    machineDetection: s.machineDetection ?? 'detect',
    thresholdWordCount: s.thresholdWordCount,
    ringTimeoutMs: s.ringTimeoutMs,
    targetFormat: s.targetFormat === 'digits' ? 'digits' : undefined,
    timers: s.timers,
    metadata: s.metadata ?? {},
    ratePerSecond: s.ratePerSecond,
    maxLiveCalls: s.maxLiveCalls,
    maxLiveCallsPerTrunk: s.maxLiveCallsPerTrunk,
    redial: { maxAttempts, rules },
    window: { start, end, days, timezone: s.window?.timezone },
    // Empty lists are left out, so that they compare equal to none when an import re-reads the settings.
    blackoutDates: s.blackoutDates?.length ? [...new Set(s.blackoutDates)].sort() : undefined,
    regionRules: s.regionRules && Object.keys(s.regionRules).length > 0 ? s.regionRules : undefined,
    startAt: s.startAt,
    endAt: s.endAt,
    results: s.results && { url: s.results.url, secret: s.results.secret, attempts: s.results.attempts ?? false },
  };
}

/**
 * A region rule must leave some calling time inside the campaign window: a rule that cannot is a mistake
 * (its contacts would wait until `endAt`), so it is refused when the campaign is created.
 */
function regionRuleProblems(
  rules: Record<string, RegionRule>,
  window: { start: string; end: string; days: Weekday[] },
): string[] {
  const problems: string[] = [];
  for (const [code, rule] of Object.entries(rules)) {
    if (rule.start !== undefined && rule.end !== undefined && rule.end <= rule.start) {
      problems.push(`regionRules.${code}: end (${rule.end}) must be after start (${rule.start})`);
      continue;
    }
    // `HH:MM` strings order like the times they name (`24:00` last).
    const start = rule.start !== undefined && rule.start > window.start ? rule.start : window.start;
    const end = rule.end !== undefined && rule.end < window.end ? rule.end : window.end;
    if (end <= start) {
      problems.push(
        `regionRules.${code}: no calling time left inside window ${window.start}–${window.end} (the stricter of the two applies)`,
      );
    }
    if (rule.days && !rule.days.some((d) => window.days.includes(d))) {
      problems.push(`regionRules.${code}.days: no day in common with window.days`);
    }
  }
  return problems;
}
