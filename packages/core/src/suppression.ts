/**
 * The do-not-call lists: one global, one per campaign, each a Redis set of numbers normalized exactly like
 * contacts (E.164 or SIP URI), so membership is a plain SISMEMBER both at import (producer) and right before
 * every dial-out (worker).
 */
import { CAMPAIGN_ID_PATTERN, type Keys } from './store/keys.js';
import { DialerError } from './errors.js';
import { normalizeNumber } from './phone.js';
import type { RedisClient } from './redis.js';

/** Which list: the global one, or a campaign's. */
export interface SuppressionScope {
  /** @defaultValue the global list */
  campaignId?: string;
}

export type NormalizedEntry = { ok: true; number: string } | { ok: false; input: string; reason: string };

/** Numbers sent to Redis per command when adding or removing many. */
const BATCH = 1000;

export class SuppressionList {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {}

  /** The Redis set of a scope; a malformed campaign id is refused (it could never match a campaign). */
  key(scope: SuppressionScope = {}): string {
    const id = scope.campaignId;
    if (id === undefined) return this.keys.globalSuppress();
    if (!CAMPAIGN_ID_PATTERN.test(id))
      throw new DialerError('DIALER_ERR_CAMPAIGN_NOT_FOUND', `"${id}" is not a valid campaign id`, { campaignId: id });
    return this.keys.campaignSuppress(id);
  }

  /** Adds normalized numbers; returns how many were not on the list yet. */
  async add(numbers: string[], scope: SuppressionScope = {}): Promise<number> {
    return this.batched(numbers, (chunk) => this.redis.sadd(this.key(scope), ...chunk));
  }

  /** Removes normalized numbers; returns how many were on the list. */
  async remove(numbers: string[], scope: SuppressionScope = {}): Promise<number> {
    return this.batched(numbers, (chunk) => this.redis.srem(this.key(scope), ...chunk));
  }

  async has(number: string, scope: SuppressionScope = {}): Promise<boolean> {
    return (await this.redis.sismember(this.key(scope), number)) === 1;
  }

  async size(scope: SuppressionScope = {}): Promise<number> {
    return this.redis.scard(this.key(scope));
  }

  /** Every number on the list, in pages (SSCAN: bounded memory, no order). */
  async *numbers(scope: SuppressionScope = {}, pageSize = 1000): AsyncGenerator<string> {
    const key = this.key(scope);
    let cursor = '0';
    do {
      const [next, page] = await this.redis.sscan(key, cursor, 'COUNT', pageSize);
      cursor = next;
      yield* page;
    } while (cursor !== '0');
  }

  private async batched(numbers: string[], run: (chunk: string[]) => Promise<number>): Promise<number> {
    let changed = 0;
    for (let i = 0; i < numbers.length; i += BATCH) changed += await run(numbers.slice(i, i + BATCH));
    return changed;
  }
}

/** Normalizes a number for a do-not-call list the way the producer normalizes contacts. */
export function normalizeSuppressed(input: string, defaultCountry?: string): NormalizedEntry {
  const n = normalizeNumber(input, defaultCountry);
  return n.ok ? { ok: true, number: n.number } : { ok: false, input: input.trim(), reason: n.reason };
}
