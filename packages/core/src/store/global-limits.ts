/**
 * The global dial rate and live-call cap changed at run time (`dialer limits set`, the API): stored in one hash
 * under the `{limits}` hash tag, which lua/admit.lua reads in the admission step itself, so every worker follows a
 * change at its next dial-out without a restart. Absent values fall back to each process's environment
 * (DIAL_RATE_PER_SECOND, MAX_LIVE_CALLS); `reset` removes them.
 */
import type { DialerConfig } from '../config.js';
import { DialerError } from '../errors.js';
import type { RedisClient } from '../redis.js';
import type { Keys } from './keys.js';

/** The same bound as a campaign's `ratePerSecond`. */
export const MAX_GLOBAL_RATE = 10_000;

export type LimitSource = 'redis' | 'env';

/** The effective global limits and where each comes from (JSON-able: `dialer limits show --json`). */
export interface GlobalLimits {
  ratePerSecond: number;
  maxLiveCalls: number;
  source: { ratePerSecond: LimitSource; maxLiveCalls: LimitSource };
  /** When they were last set at run time (ISO 8601), absent when nothing is stored. */
  updatedAt?: string;
}

export interface GlobalLimitsChange {
  ratePerSecond?: number;
  maxLiveCalls?: number;
}

export class GlobalLimitsStore {
  /**
   * @param env - this process's environment values, which apply where nothing is stored
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly env: { ratePerSecond: number; maxLiveCalls: number },
  ) {}

  static fromConfig(redis: RedisClient, keys: Keys, config: DialerConfig): GlobalLimitsStore {
    return new GlobalLimitsStore(redis, keys, {
      ratePerSecond: config.pacing.ratePerSecond,
      maxLiveCalls: config.pacing.maxLiveCalls,
    });
  }

  async get(): Promise<GlobalLimits> {
    const [rate, live, at] = await this.redis.hmget(
      this.keys.globalLimits(),
      'ratePerSecond',
      'maxLiveCalls',
      'updatedAt',
    );
    return {
      ratePerSecond: rate === null ? this.env.ratePerSecond : Number(rate),
      maxLiveCalls: live === null ? this.env.maxLiveCalls : Number(live),
      source: { ratePerSecond: rate === null ? 'env' : 'redis', maxLiveCalls: live === null ? 'env' : 'redis' },
      ...(at ? { updatedAt: new Date(Number(at)).toISOString() } : {}),
    };
  }

  /** Sets either limit or both (validated; DIALER_ERR_LIMITS names the bad one); returns the effective limits. */
  async set(change: GlobalLimitsChange, now = Date.now()): Promise<GlobalLimits> {
    const fields = validateChange(change);
    await this.redis.hset(this.keys.globalLimits(), { ...fields, updatedAt: String(now) });
    return this.get();
  }

  /** Back to every process's environment values. */
  async reset(): Promise<GlobalLimits> {
    await this.redis.del(this.keys.globalLimits());
    return this.get();
  }
}

function validateChange(change: GlobalLimitsChange): Record<string, string> {
  const fields: Record<string, string> = {};
  const problems: string[] = [];
  const { ratePerSecond: rate, maxLiveCalls: live } = change;
  if (rate !== undefined) {
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > MAX_GLOBAL_RATE)
      problems.push(`ratePerSecond: must be a number > 0 and at most ${MAX_GLOBAL_RATE}`);
    else fields.ratePerSecond = String(rate);
  }
  if (live !== undefined) {
    if (typeof live !== 'number' || !Number.isSafeInteger(live) || live <= 0)
      problems.push('maxLiveCalls: must be an integer > 0');
    else fields.maxLiveCalls = String(live);
  }
  if (rate === undefined && live === undefined)
    problems.push('nothing to set: give ratePerSecond, maxLiveCalls or both');
  if (problems.length > 0)
    throw new DialerError('DIALER_ERR_LIMITS', `Invalid global limits: ${problems.join('; ')}`, { problems });
  return fields;
}
