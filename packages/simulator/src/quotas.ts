/**
 * The gateway's public-API rate limits, per bot over rolling windows (Kore.ai documents 600 per 60 s and
 * 18,000 per 3,600 s). Each bot keeps the times of the dial-outs it was allowed within the longest window;
 * a request is refused when any window already holds its limit. Refused requests are not counted, so a
 * client that backs off is let in again as soon as the oldest counted request leaves a window.
 */
import type { Quota } from './specs.js';

/** The body and message the vendor answers with once a limit is reached (HTTP 429). */
export const QUOTA_MESSAGE = 'Rate limit for this API has been reached. Please try again later';
export const QUOTA_BODY = JSON.stringify({ errors: [{ msg: QUOTA_MESSAGE, code: 429 }] });

/** Ascending times with a moving start, compacted now and then (an array shift per request would be O(n)). */
class TimeLog {
  #times: number[] = [];
  #head = 0;

  /** Forgets times at or before `cutoff`. */
  dropUpTo(cutoff: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head]! <= cutoff) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }

  /** How many times are after `cutoff` (binary search: the log is sorted). */
  countAfter(cutoff: number): number {
    let lo = this.#head;
    let hi = this.#times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#times[mid]! <= cutoff) lo = mid + 1;
      else hi = mid;
    }
    return this.#times.length - lo;
  }

  /** Appends; a clock that stepped back is clamped so the log stays sorted. */
  push(time: number): void {
    const last = this.#times.length > this.#head ? this.#times[this.#times.length - 1]! : time;
    this.#times.push(Math.max(time, last));
  }
}

export class QuotaLimiter {
  readonly #byBot = new Map<string, TimeLog>();

  /** Counts the request and answers true, or answers false (not counted) when a quota is full. */
  admit(botId: string, quotas: readonly Quota[], now: number): boolean {
    if (quotas.length === 0) return true;
    let log = this.#byBot.get(botId);
    if (!log) {
      log = new TimeLog();
      this.#byBot.set(botId, log);
    }
    let longest = 0;
    for (const quota of quotas) longest = Math.max(longest, quota.windowMs);
    log.dropUpTo(now - longest);
    for (const quota of quotas) if (log.countAfter(now - quota.windowMs) >= quota.limit) return false;
    log.push(now);
    return true;
  }

  clear(): void {
    this.#byBot.clear();
  }
}
