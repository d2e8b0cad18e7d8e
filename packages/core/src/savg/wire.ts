/**
 * SAVG (SmartAssist Voice Gateway) wire format: the dial-out request/response bodies and the status
 * notifications, which arrive in two spellings (see docs/design.md (SAVG API notes)). Everything the gateway sends is normalized
 * here into one shape so the rest of the code never sees the spelling differences.
 */
import { z } from 'zod';

/** Answering-machine detection mode requested on a dial-out. */
export const machineDetectionModeSchema = z.enum(['detect', 'disconnect', 'disabled']);
export type MachineDetectionMode = z.infer<typeof machineDetectionModeSchema>;

// The vendor's own sample sends `tel:911234567890` (no `+`), so the `+` is optional here;
// our dialer always sends E.164 (`tel:+…`).
const TARGET_PATTERN = /^(?:tel:\+?[0-9]{3,15}|sips?:\S+)$/;

const positiveInt = z.number().int().positive();

export const dialoutTimersSchema = z.object({
  noSpeechTimeoutMs: positiveInt.optional(),
  decisionTimeoutMs: positiveInt.optional(),
  toneTimeoutMs: positiveInt.optional(),
  greetingCompletionTimeoutMs: positiveInt.optional(),
});
export type DialoutTimers = z.infer<typeof dialoutTimersSchema>;

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

// Headers the gateway sends back with every notification of the call (`notifyHeaders`). Names are HTTP tokens,
// values one line (no CR/LF: they become real headers), and the whole set small; the framing and hop-by-hop
// headers are the gateway's own to set.
export const NOTIFY_HEADERS_MAX_COUNT = 20;
export const NOTIFY_HEADERS_MAX_BYTES = 4096;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const HEADER_VALUE = /^[\t\x20-\x7e]{0,1024}$/;
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);

export const notifyHeadersSchema = z
  .record(
    z.string().regex(HEADER_NAME, 'header names must be HTTP tokens of 1-64 characters'),
    z.string().regex(HEADER_VALUE, 'header values must be one line of at most 1024 printable ASCII characters'),
  )
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > NOTIFY_HEADERS_MAX_COUNT)
      ctx.addIssue({ code: 'custom', message: `at most ${NOTIFY_HEADERS_MAX_COUNT} headers` });
    let bytes = 0;
    const seen = new Set<string>();
    for (const name of names) {
      const lower = name.toLowerCase();
      if (RESERVED_HEADERS.has(lower))
        ctx.addIssue({ code: 'custom', path: [name], message: 'is set by the gateway itself' });
      if (seen.has(lower))
        ctx.addIssue({ code: 'custom', path: [name], message: 'is given twice (names ignore case)' });
      seen.add(lower);
      bytes += Buffer.byteLength(name) + Buffer.byteLength(headers[name]!);
    }
    if (bytes > NOTIFY_HEADERS_MAX_BYTES)
      ctx.addIssue({ code: 'custom', message: `names and values total more than ${NOTIFY_HEADERS_MAX_BYTES} bytes` });
  });

const dialoutRequestObject = z.object({
  bot: z.string().min(1).optional(),
  // The V2 endpoint names the bot in the body; the V1 one takes it from the path.
  botId: z.string().min(1).optional(),
  target: z.string().regex(TARGET_PATTERN, 'must be tel:+<digits> or sip:<uri>'),
  caller: z.string().min(1),
  notifyurl: z.string().refine(isHttpUrl, 'must be an absolute http(s) URL').optional(),
  trunk: z.string().min(1).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  timers: dialoutTimersSchema.optional(),
  machineDetection: machineDetectionModeSchema.optional(),
  // The vendor's parameter table spells it in lower case; its sample uses camelCase.
  machinedetection: machineDetectionModeSchema.optional(),
  thresholdWordCount: positiveInt.optional(),
  notifyHeaders: notifyHeadersSchema.optional(),
  /** How long the call may ring before the gateway gives up (no-answer). */
  timeoutInMs: positiveInt.max(3_600_000).optional(),
});

type DialoutRequestInput = z.infer<typeof dialoutRequestObject>;

/** The normalized dial-out body: the lower-case `machinedetection` alias folded into `machineDetection`. */
export type DialoutRequest = Omit<DialoutRequestInput, 'machinedetection'>;

function foldMachineDetectionAlias(input: DialoutRequestInput, ctx: z.RefinementCtx): DialoutRequest {
  const { machinedetection, ...rest } = input;
  if (machinedetection === undefined) return rest;
  if (rest.machineDetection !== undefined && rest.machineDetection !== machinedetection) {
    ctx.addIssue({ code: 'custom', path: ['machinedetection'], message: 'conflicts with machineDetection' });
    return rest;
  }
  return { ...rest, machineDetection: machinedetection };
}

/**
 * Body of `POST /api/1.1/public/bot/{botId}/smartassist/dialout` and of the V2
 * `POST /api/1.1/public/bot/{botId}/V2/smartassist/dialout` (which also carries `botId`). Unknown keys are dropped.
 */
export const dialoutRequestSchema = dialoutRequestObject.transform(foldMachineDetectionAlias);

/** The gateway's answer to a dial-out; extra fields are tolerated (and dropped). */
export const dialoutResponseSchema = z.object({ sid: z.string().min(1), callId: z.string().min(1) });
export type DialoutResponse = z.infer<typeof dialoutResponseSchema>;

/** A status notification, normalized from either wire spelling. */
export interface SavgNotification {
  conversationId: string;
  /** Lower-cased and trimmed: 'completed' | 'failed' | 'answered' | 'call-in-progress' | anything else. */
  status: string;
  /** SIP status line, e.g. '486 Busy Here'. */
  reason?: string;
  /** e.g. 'Busy Here', 'caller-disconnected'. */
  reasonCode?: string;
  /** e.g. 'amd_human_detected', or an echo of the mode ('disabled', 'disconnect'). */
  machineDetection?: string;
  /** ISO-8601 (the old `M/D/YYYY,h:mm:ssAM` format is read as UTC), or the raw string if unparseable. */
  callConnectTime?: string;
  callDisconnectTime?: string;
  durationSeconds?: number;
  sessionId?: string;
}

export type ParseNotificationResult = { ok: true; value: SavgNotification } | { ok: false; error: string };

/**
 * Final statuses: the documented `completed`/`failed` and jambonz's `busy`/`no-answer` (the gateway is built on
 * jambonz). Lower case, as {@link parseNotification} normalizes them.
 */
export const TERMINAL_STATUSES: readonly string[] = ['completed', 'failed', 'busy', 'no-answer'];

/** Interim statuses the gateway is known to send; any other non-final status is unknown (and still interim). */
export const KNOWN_INTERIM_STATUSES: readonly string[] = ['answered', 'call-in-progress'];

/** Only the {@link TERMINAL_STATUSES} end a call; 'answered', 'Call-In-Progress' and unknown ones are interim. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL_STATUSES.includes(status.trim().toLowerCase());
}

// Real payloads omit fields or send them empty/null (e.g. `duration` on failed calls): treat as absent. The
// schema only checks types; blanks become absent in `normalize` (zod transforms on each of the 14 optional
// fields cost the webhook more than the rest of the validation together).
const optionalText = z.string().nullish();

const optionalSeconds = z
  .union([z.number().nonnegative(), z.string().regex(/^\s*(?:\d+(?:\.\d+)?)?\s*$/, 'must be a number of seconds')])
  .nullish();

const rawNotificationSchema = z.object({
  conversationId: z.string().trim().min(1),
  status: z.string().trim().min(1),
  reason: optionalText,
  reasonCode: optionalText,
  machineDetection: optionalText,
  machinedetection: optionalText,
  callConnectTime: optionalText,
  callconnecttime: optionalText,
  callDisconnectTime: optionalText,
  callDisconnecttime: optionalText,
  calldisconnecttime: optionalText,
  duration: optionalSeconds,
  callDuration: optionalSeconds,
  sessionId: optionalText,
});

type RawNotification = z.infer<typeof rawNotificationSchema>;

const OLD_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function parseOldTime(match: RegExpMatchArray): string | undefined {
  // Seconds are optional: `Number(undefined)` would be NaN, so default them to 0.
  const [month, day, year, hour12, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const pm = match[7]!.toUpperCase() === 'PM';
  const hour = (hour12 % 12) + (pm ? 12 : 0);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Normalizes a wire time to ISO-8601; an unrecognized string is kept raw rather than lost. */
export function normalizeSavgTime(raw: string): string {
  const text = raw.trim();
  const old = text.match(OLD_TIME);
  if (old) return parseOldTime(old) ?? raw;
  if (ISO_TIME.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return raw;
}

/** A text field as the domain sees it: absent when missing, null or blank. */
function text(raw: string | null | undefined): string | undefined {
  return raw === null || raw === undefined || raw.trim() === '' ? undefined : raw;
}

function seconds(raw: number | string | null | undefined): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === 'number') return raw;
  return raw.trim() === '' ? undefined : Number(raw);
}

function time(raw: string | null | undefined): string | undefined {
  const value = text(raw);
  return value === undefined ? undefined : normalizeSavgTime(value);
}

// Plain assignments, absent fields left out: this runs once per notification on the webhook's hot path.
function normalize(raw: RawNotification): SavgNotification {
  const out: SavgNotification = { conversationId: raw.conversationId, status: raw.status.toLowerCase() };
  const reason = text(raw.reason);
  if (reason !== undefined) out.reason = reason;
  const reasonCode = text(raw.reasonCode);
  if (reasonCode !== undefined) out.reasonCode = reasonCode;
  const machineDetection = text(raw.machineDetection) ?? text(raw.machinedetection);
  if (machineDetection !== undefined) out.machineDetection = machineDetection;
  const connect = time(text(raw.callConnectTime) ?? raw.callconnecttime);
  if (connect !== undefined) out.callConnectTime = connect;
  const disconnect = time(text(raw.callDisconnectTime) ?? text(raw.callDisconnecttime) ?? raw.calldisconnecttime);
  if (disconnect !== undefined) out.callDisconnectTime = disconnect;
  const duration = seconds(raw.callDuration) ?? seconds(raw.duration);
  if (duration !== undefined) out.durationSeconds = duration;
  const sessionId = text(raw.sessionId);
  if (sessionId !== undefined) out.sessionId = sessionId;
  return out;
}

function withoutUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = v;
  return out as T;
}

/** Formats the first zod issue as `<field>: <message>` so callers can say which field was wrong. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid input';
  const field = issue.path.length > 0 ? issue.path.join('.') : '(body)';
  return `${field}: ${issue.message}`;
}

/** Parses a notification body in either spelling; unknown extra fields are tolerated. */
export function parseNotification(body: unknown): ParseNotificationResult {
  const parsed = rawNotificationSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
  return { ok: true, value: normalize(parsed.data) };
}

// ---- producing the two wire spellings (used by the simulator and tests) ----

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Formats an ISO time the old way (`5/8/2023,11:32:49AM`, UTC); non-ISO strings pass through. */
export function toOldSavgTime(iso: string): string {
  if (!ISO_TIME.test(iso)) return iso;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const hour = date.getUTCHours();
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const suffix = hour < 12 ? 'AM' : 'PM';
  const day = `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()}`;
  return `${day},${hour12}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}${suffix}`;
}

// The gateway capitalizes the interim status; the others are sent in lower case.
function wireStatus(status: string): string {
  return status === 'call-in-progress' ? 'Call-In-Progress' : status;
}

/** The older wire spelling (as on the vendor page). */
export function toOldSpelling(n: SavgNotification): Record<string, unknown> {
  return withoutUndefined({
    conversationId: n.conversationId,
    status: wireStatus(n.status),
    reason: n.reason,
    reasonCode: n.reasonCode,
    duration: n.durationSeconds,
    machinedetection: n.machineDetection,
    callconnecttime: n.callConnectTime === undefined ? undefined : toOldSavgTime(n.callConnectTime),
    callDisconnectTime: n.callDisconnectTime === undefined ? undefined : toOldSavgTime(n.callDisconnectTime),
    sessionId: n.sessionId,
  });
}

/** The newer wire spelling (camelCase keys, ISO-8601 times, `callDuration`, `sessionId`). */
export function toNewSpelling(n: SavgNotification): Record<string, unknown> {
  return withoutUndefined({
    conversationId: n.conversationId,
    sessionId: n.sessionId,
    status: wireStatus(n.status),
    reason: n.reason,
    reasonCode: n.reasonCode,
    machineDetection: n.machineDetection,
    callConnectTime: n.callConnectTime,
    callDisconnectTime: n.callDisconnectTime,
    callDuration: n.durationSeconds,
  });
}
