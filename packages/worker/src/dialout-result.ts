/**
 * What one dial-out request came to, decided from the HTTP answer or the transport error (see docs/design.md (Dial-out answers)).
 * The dividing line is whether SAVG may have acted on the request: only when it certainly did not is the
 * attempt given back and retried; when it may have, the attempt is *uncertain* and is never re-sent.
 */
import { dialoutResponseSchema, scrubText } from '@dialer/core';

export type DialoutResult =
  /** 2xx with sid/callId: the call exists. */
  | { kind: 'placed'; status: number; sid: string; callId: string }
  /**
   * Certainly not placed: never reached SAVG (refused, DNS, connect time-out, body not sent), or refused by the
   * server that received it (408, 503), or a 502/504 whose body is the gateway's own error: retry with back-off.
   */
  | { kind: 'unavailable'; status?: number; detail: string }
  /** 429: the whole campaign queue backs off. */
  | { kind: 'rate-limited'; status: 429; retryAfterMs?: number; detail: string }
  /** 400, 413, 422 and the other 4xx about this request's data: the contact ends `rejected`. */
  | { kind: 'rejected'; status: number; detail: string }
  /**
   * 401/403 (credentials, account), 404/405 (wrong bot or URL), redirects, and the 4xx about how we speak HTTP:
   * every contact would get them, so the campaign pauses.
   */
  | { kind: 'config'; status: number; detail: string }
  /**
   * May have been placed: time-out or broken connection after the request was sent, 500 and other 5xx, a 502/504
   * from a proxy or load balancer (which may have forwarded the request), an unreadable 2xx.
   */
  | { kind: 'uncertain'; status?: number; detail: string };

/** Refusals by the server that received the request: it did not act on it. */
const UNAVAILABLE_STATUS = new Set([408, 503]);
/** Answered by a proxy in front of the gateway, unless the body is the gateway's own error. */
const PROXY_STATUS = new Set([502, 504]);
/** 4xx that every contact would get: the credentials, the account, the URL, or how the dialer speaks HTTP. */
const CONFIG_STATUS = new Set([401, 402, 403, 404, 405, 406, 407, 411, 415, 426]);
/** Transport errors that happen before any byte of the request can reach the server. */
const NEVER_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
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
export function classifyDialoutResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): DialoutResult {
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
  if (status === 429)
    return { kind: 'rate-limited', status, retryAfterMs: parseRetryAfter(headers['retry-after']), detail };
  if (UNAVAILABLE_STATUS.has(status)) return { kind: 'unavailable', status, detail };
  if (PROXY_STATUS.has(status)) {
    if (isGatewayError(body)) return { kind: 'unavailable', status, detail };
    return {
      kind: 'uncertain',
      status,
      detail: `${detail} (from a proxy in front of the gateway, which may have forwarded the request)`,
    };
  }
  if (status === 401 || status === 403) {
    return {
      kind: 'config',
      status,
      detail: `SAVG answered ${status}: check SAVG_CLIENT_ID/SAVG_CLIENT_SECRET and the app's SmartAssist Dialout scope (${detail})`,
    };
  }
  if (status === 404)
    return {
      kind: 'config',
      status,
      detail: `SAVG answered 404: check the bot id (SAVG_BOT_ID or the campaign's botId) and SAVG_BASE_URL (${detail})`,
    };
  if (status >= 300 && status < 400) {
    const location = headers.location;
    return {
      kind: 'config',
      status,
      detail: `SAVG answered ${status} (redirect${location ? ` to ${String(location)}` : ''}): check SAVG_BASE_URL`,
    };
  }
  if (CONFIG_STATUS.has(status)) {
    return {
      kind: 'config',
      status,
      detail: `SAVG answered ${status}, which every contact would get: check the dial-out URL and settings (${detail})`,
    };
  }
  if (status >= 400 && status < 500) return { kind: 'rejected', status, detail };
  // 500 and the other 5xx: the gateway may have placed the call before failing.
  return { kind: 'uncertain', status, detail };
}

/**
 * Whether a 502/504 body is the gateway's own error answer (a JSON object with an `error` text or an `errors`
 * list, as SAVG and the platform behind it answer), i.e. the gateway itself says it did not act on the request.
 * Proxies and load balancers answer these statuses with HTML or plain text (nginx, ALB, Cloudflare, Envoy) or
 * with `{"message": …}` (API gateways): those may already have forwarded the request, so they stay uncertain.
 */
export function isGatewayError(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
  const p = parsed as Record<string, unknown>;
  return typeof p.error === 'string' || Array.isArray(p.errors);
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
  if (e.name === 'TimeoutError' && e.event !== undefined && CONNECT_PHASES.has(e.event))
    return { kind: 'unavailable', detail };
  // Until the body has been written completely, SAVG cannot have acted on the request: give the attempt back.
  if (e.timings?.upload === undefined) return { kind: 'unavailable', detail: `${detail} (request not sent)` };
  return { kind: 'uncertain', detail: `${detail} (after the request was sent)` };
}
