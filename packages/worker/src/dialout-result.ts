/**
 * What one dial-out request came to, decided from the HTTP answer or the transport error (DESIGN §4.2).
 * The dividing line is whether SAVG may have acted on the request: only when it certainly did not is the
 * attempt given back and retried; when it may have, the attempt is *uncertain* and is never re-sent.
 */
import { dialoutResponseSchema, scrubText } from '@dialer/core';

export type DialoutResult =
  /** 2xx with sid/callId: the call exists. */
  | { kind: 'placed'; status: number; sid: string; callId: string }
  /** Never reached SAVG (refused, DNS, connect time-out, body not sent) or 408/502/503/504: retry with back-off. */
  | { kind: 'unavailable'; status?: number; detail: string }
  /** 429: the whole campaign queue backs off. */
  | { kind: 'rate-limited'; status: 429; retryAfterMs?: number; detail: string }
  /** 400/404/422: this contact's request is refused; the contact ends `rejected`. */
  | { kind: 'rejected'; status: number; detail: string }
  /** 401/403, redirects, other 4xx: a configuration problem that would fail every contact: pause the campaign. */
  | { kind: 'config'; status: number; detail: string }
  /** Time-out or broken connection after the request was sent, 500 and other 5xx, unreadable 2xx: may have been placed. */
  | { kind: 'uncertain'; status?: number; detail: string };

const UNAVAILABLE_STATUS = new Set([408, 502, 503, 504]);
const REJECTED_STATUS = new Set([400, 404, 422]);
/** Transport errors that happen before any byte of the request can reach the server. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const CONNECT_PHASES = new Set(['lookup', 'connect', 'secureConnect']);
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** The error text of a response body, short and with phone numbers masked (it is stored and logged). */
function bodySnippet(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const p = parsed as Record<string, unknown>;
      const msg = p.error ?? p.message ?? p.errors;
      if (msg !== undefined) text = typeof msg === 'string' ? msg : JSON.stringify(msg);
    }
  } catch {
    // not JSON: keep the raw text
  }
  return scrubText(text.replace(/\s+/g, ' ').slice(0, 200));
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.round(ms)));
}

/** Classifies an HTTP answer. */
export function classifyDialoutResponse(status: number, headers: Record<string, string | string[] | undefined>, body: string): DialoutResult {
  if (status >= 200 && status < 300) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    const res = dialoutResponseSchema.safeParse(parsed);
    if (res.success) return { kind: 'placed', status, sid: res.data.sid, callId: res.data.callId };
    // SAVG accepted the request, so a call probably exists; its notification will still correlate by token.
    return { kind: 'uncertain', status, detail: `HTTP ${status} without sid/callId` };
  }
  const detail = `HTTP ${status}: ${bodySnippet(body) || 'no body'}`;
  if (status === 429) return { kind: 'rate-limited', status, retryAfterMs: parseRetryAfter(headers['retry-after']), detail };
  if (UNAVAILABLE_STATUS.has(status)) return { kind: 'unavailable', status, detail };
  if (REJECTED_STATUS.has(status)) return { kind: 'rejected', status, detail };
  if (status === 401 || status === 403) {
    return { kind: 'config', status, detail: `SAVG answered ${status}: check SAVG_CLIENT_ID/SAVG_CLIENT_SECRET and the app's SmartAssist Dialout scope (${detail})` };
  }
  if (status >= 300 && status < 400) {
    const location = headers.location;
    return { kind: 'config', status, detail: `SAVG answered ${status} (redirect${location ? ` to ${String(location)}` : ''}): check SAVG_BASE_URL` };
  }
  if (status >= 400 && status < 500) {
    return { kind: 'config', status, detail: `SAVG answered ${status}, which every contact would get: check the dial-out URL and settings (${detail})` };
  }
  // 500 and the other 5xx: the gateway may have placed the call before failing.
  return { kind: 'uncertain', status, detail };
}

interface TransportError {
  code?: string;
  name?: string;
  event?: string;
  message?: string;
  timings?: { upload?: number };
}

/** Classifies a transport error (got's RequestError / TimeoutError). */
export function classifyDialoutError(err: unknown): DialoutResult {
  const e = (err ?? {}) as TransportError;
  const code = e.code ?? 'ERR';
  const detail = `${code}: ${scrubText(e.message ?? String(err))}`;
  if (NEVER_SENT_CODES.has(code)) return { kind: 'unavailable', detail };
  if (e.name === 'TimeoutError' && e.event !== undefined && CONNECT_PHASES.has(e.event)) return { kind: 'unavailable', detail };
  // Until the body has been written completely, SAVG cannot have acted on the request: give the attempt back.
  if (e.timings?.upload === undefined) return { kind: 'unavailable', detail: `${detail} (request not sent)` };
  return { kind: 'uncertain', detail: `${detail} (after the request was sent)` };
}
