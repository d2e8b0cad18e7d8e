import type { ContactStateCode, Outcome } from '../outcomes.js';

/**
 * One contact as stored in its campaign's `contacts` hash (compact keys keep Redis small: a completed
 * contact costs a few hundred bytes). Written only by the store's Lua scripts (store/lua) and made here. The
 * state code `s` is the store's business: read a contact's state with `contactState()`.
 */
export interface ContactRecord {
  /** Normalized number: E.164 or a SIP URI. */
  p: string;
  /** Name from the CSV. */
  nm?: string;
  /** Per-contact metadata from extra CSV columns (dropped once the contact is terminal). */
  md?: Record<string, string>;
  /** IANA time zone (from the CSV, else derived from the number). */
  tz?: string;
  /** CSV row number (1-based, header = row 1). */
  r: number;
  /** Current attempt number (1-based). */
  n: number;
  /** State code. */
  s: ContactStateCode;
  /** Dial-outs made so far. */
  a?: number;
  /** Outcome of the last ended attempt. */
  o?: Outcome;
  /** When the scheduled re-dial is due (ms epoch), while waiting. */
  due?: number;
  /** Last transition (ms epoch). */
  ts?: number;
  /*
   * The result fields of attempt `n` (those of earlier attempts are in `h`): set when it ends (or, for its
   * dial-out time, when it was dialed). An attempt ended before its dial-out has only `rs`.
   */
  sip?: number;
  /** SAVG `reason` (free text, SIP reason) or our own reason for outcomes decided locally. */
  rs?: string;
  /** SAVG `reasonCode` (e.g. who hung up: `caller-disconnected`, `SAVG-disconnected`; a failure's phrase). */
  rc?: string;
  amd?: string;
  du?: number;
  /** Call connect / disconnect time: ms epoch, or the gateway's text when it is not an exact ISO time (see {@link storedTime}). */
  ca?: number | string;
  da?: number | string;
  /** conversationId from the notification. */
  cv?: string;
  /** sessionId from the notification (the newer wire spelling only). */
  ss?: string;
  /** When the attempt's dial-out request was sent (ms epoch; the claim's time). */
  dt?: number;
  /**
   * sid / callId from the dial-out response. Once terminal, `sid` is kept only when it differs from `cv` (a
   * completed contact stays a few hundred bytes; the report falls back to `sid`).
   */
  sid?: string;
  cl?: string;
  /** Result fields of the attempt in progress (its dial-out time, interim events); they become the result fields when it ends. */
  x?: AttemptResultFields;
  /** The results of the earlier dialed attempts, oldest first (lua/end.lua moves one here when it re-dials). */
  h?: AttemptHistoryEntry[];
  /** The contact's locale profile (candidate zones and regions), by its key in the shared locales hash (store/locales.ts). */
  lk?: string;
  /** Why the contact is held back right now (store/lua/hold.lua), while queued or waiting. */
  hb?: string;
  /** The claim (job delivery token) that began the attempt, while it is dialing (`d`): see lua/begin.lua. */
  k?: string;
}

/** Result fields an ending or interim event may set. */
export type AttemptResultFields = Partial<
  Pick<ContactRecord, 'sip' | 'rs' | 'rc' | 'amd' | 'du' | 'ca' | 'da' | 'cv' | 'ss' | 'dt'>
>;

/** One earlier attempt's result: its number `n`, outcome `o`, end time `te` (ms epoch), the ids of its call. */
export type AttemptHistoryEntry = AttemptResultFields &
  Pick<ContactRecord, 'sid' | 'cl'> & { n: number; o: Outcome; te: number };

/** A contact the producer found on a do-not-call list: born ended, `suppressed`, never dialed. */
export function suppressedContactRecord(rec: ContactRecord, reason: string, now: number): ContactRecord {
  const out: ContactRecord = { p: rec.p, r: rec.r, n: 1, s: 't', a: 0, o: 'suppressed', rs: reason, ts: now };
  if (rec.nm) out.nm = rec.nm;
  if (rec.lk) out.lk = rec.lk;
  return out;
}

export function newContactRecord(
  fields: Pick<ContactRecord, 'p' | 'r'> & Partial<Pick<ContactRecord, 'nm' | 'md' | 'tz' | 'lk'>>,
): ContactRecord {
  const rec: ContactRecord = { p: fields.p, r: fields.r, n: 1, s: 'q', a: 0 };
  if (fields.nm) rec.nm = fields.nm;
  if (fields.md && Object.keys(fields.md).length > 0) rec.md = fields.md;
  if (fields.tz) rec.tz = fields.tz;
  if (fields.lk) rec.lk = fields.lk;
  return rec;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A notification's time as a record stores it: the ms epoch when the text is exactly what that instant prints in
 * ISO 8601 (11 bytes fewer per time, and {@link timeText} gives the same text back), else the text as it came.
 */
export function storedTime(text: string | undefined): number | string | undefined {
  if (text === undefined || !ISO_UTC.test(text)) return text;
  const ms = Date.parse(text);
  return Number.isFinite(ms) && new Date(ms).toISOString() === text ? ms : text;
}

/** A stored time as the reports print it (ISO 8601, or the gateway's own text). */
export function timeText(stored: number | string | undefined): string | null {
  if (stored === undefined) return null;
  return typeof stored === 'number' ? new Date(stored).toISOString() : stored;
}
