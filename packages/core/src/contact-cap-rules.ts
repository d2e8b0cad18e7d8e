/**
 * Counts per rolling window, as written in settings like `3/24h,7/7d`: contact frequency caps (CONTACT_CAP, see
 * store/contact-caps.ts) and the gateway's rate quotas (SAVG_QUOTAS, see {@link quotaIntervalMs}).
 */

/** At most `count` dial-outs to a number in any rolling `windowMs`. */
export interface ContactCapRule {
  count: number;
  windowMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `3/24h,7/7d` (count/window, units s m h d); `off` or '' is no cap. Throws a message naming the bad part.
 */
export function parseContactCaps(text: string): ContactCapRule[] {
  return parseCountWindows(text);
}

/**
 * The spacing of dial-outs that keeps every quota (at most `count` requests in any rolling `windowMs`) with room to
 * spare: spaced `windowMs / (count − 1)` apart, no window of `windowMs` holds more than `count` of them; a half per
 * cent more absorbs the requests' jitter on the way. 0 when there is no quota.
 */
export function quotaIntervalMs(quotas: readonly ContactCapRule[]): number {
  return Math.max(0, ...quotas.map((q) => (q.windowMs / Math.max(1, q.count - 1)) * 1.005));
}

/** `count/window` pairs (see {@link parseContactCaps}). */
export function parseCountWindows(text: string): ContactCapRule[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'off') return [];
  return trimmed.split(',').map((part) => {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*([smhd])\s*$/.exec(part);
    if (!m) throw new Error(`"${part.trim()}" is not <count>/<window> like 3/24h (units s, m, h, d)`);
    const count = Number(m[1]);
    const windowMs = Number(m[2]) * (UNIT_MS[m[3] as string] as number);
    if (count < 1 || windowMs < 1000)
      throw new Error(`"${part.trim()}" needs a count of at least 1 and a window of at least 1s`);
    return { count, windowMs };
  });
}
