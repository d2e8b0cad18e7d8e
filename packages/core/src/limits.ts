import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';

/**
 * Cross-process pacing and live-call caps. All keys share the `{limits}` hash tag so each script takes the
 * global, campaign and trunk limits in one atomic step, on one Redis or on a Cluster.
 */

// Smooth pacing: each dial-out reserves the next free instant (GCRA-style), spaced 1/rate apart, for the
// global and the campaign limit at once. The caller sleeps until its instant, so no sliding second ever
// holds more than the limit, unlike a fixed-window limiter that lets 2× through at a window edge.
const RESERVE_SCRIPT = `
local now = tonumber(ARGV[1])
local maxAhead = tonumber(ARGV[2])
local t = now
for i = 1, #KEYS do
  local nextFree = tonumber(redis.call('GET', KEYS[i]) or '0')
  if nextFree > t then t = nextFree end
end
if t - now > maxAhead then return {0, string.format('%.3f', t - now - maxAhead)} end
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 + i])
  redis.call('SET', KEYS[i], string.format('%.3f', t + interval), 'PX', math.ceil(interval) + 60000)
end
return {1, string.format('%.3f', t - now)}
`;

// Live calls: one sorted set per scope, member = attempt, score = lease expiry. Expired leases (a crashed
// process, a notification that never came) are swept on every acquire, so slots never leak forever.
const ACQUIRE_SCRIPT = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local expiry = tonumber(ARGV[3])
for i = 1, #KEYS do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now) end
if redis.call('ZSCORE', KEYS[1], member) then return 0 end
for i = 1, #KEYS do
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[3 + i]) then return i end
end
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], expiry, member) end
return 0
`;

const RELEASE_SCRIPT = `
local n = 0
for i = 1, #KEYS do n = n + redis.call('ZREM', KEYS[i], ARGV[1]) end
return n
`;

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;
const SCRIPTS = {
  dialerReserve: RESERVE_SCRIPT,
  dialerAcquireLive: ACQUIRE_SCRIPT,
  dialerReleaseLive: RELEASE_SCRIPT,
} as const;

export interface LiveScope {
  campaignId: string;
  trunk?: string;
}

export interface LiveLimits {
  global: number;
  campaign?: number;
  trunk?: number;
}

export class Limits {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      if (!(name in redis)) redis.defineCommand(name, { lua });
    }
  }

  private run(name: keyof typeof SCRIPTS, keys: string[], args: (string | number)[]): Promise<unknown> {
    return (this.redis as unknown as Record<string, ScriptFn>)[name](keys.length, ...keys, ...args);
  }

  /**
   * Reserves the next dial-out instant under the global and the campaign rate.
   * Returns `{ok: true, waitMs}` (sleep that long, then dial) or `{ok: false, retryInMs}` when the next free
   * instant is more than `maxAheadMs` away (so a pause or cancel never finds a long queue of reservations).
   */
  async reserveDial(campaignId: string, globalRate: number, campaignRate: number | undefined, maxAheadMs = 1000, now = Date.now()): Promise<{ ok: true; waitMs: number } | { ok: false; retryInMs: number }> {
    const keys = [this.keys.rateGlobal()];
    const intervals = [1000 / globalRate];
    if (campaignRate !== undefined) {
      keys.push(this.keys.rateCampaign(campaignId));
      intervals.push(1000 / campaignRate);
    }
    const [ok, ms] = (await this.run('dialerReserve', keys, [now, maxAheadMs, ...intervals])) as [number, string];
    return ok === 1 ? { ok: true, waitMs: Number(ms) } : { ok: false, retryInMs: Number(ms) };
  }

  private liveKeys(scope: LiveScope, limits?: LiveLimits): { keys: string[]; caps: number[] } {
    const keys = [this.keys.liveGlobal()];
    const caps = [limits?.global ?? Infinity];
    if (limits === undefined || limits.campaign !== undefined) {
      keys.push(this.keys.liveCampaign(scope.campaignId));
      caps.push(limits?.campaign ?? Infinity);
    }
    if (scope.trunk && (limits === undefined || limits.trunk !== undefined)) {
      keys.push(this.keys.liveTrunk(scope.trunk));
      caps.push(limits?.trunk ?? Infinity);
    }
    return { keys, caps };
  }

  /**
   * Takes a live-call slot for `member` (an attempt key) in every scope. Returns 0 on success (also when the
   * attempt already holds it), else the 1-based index of the scope that is full (1 global, 2 campaign, 3 trunk).
   */
  async acquireLive(member: string, scope: LiveScope, limits: LiveLimits, leaseMs: number, now = Date.now()): Promise<number> {
    const { keys, caps } = this.liveKeys(scope, limits);
    return (await this.run('dialerAcquireLive', keys, [now, member, now + leaseMs, ...caps.map((c) => (Number.isFinite(c) ? c : 1e12))])) as number;
  }

  /** Releases the attempt's slot in every scope (idempotent). */
  async releaseLive(member: string, scope: LiveScope): Promise<number> {
    const { keys } = this.liveKeys(scope);
    return (await this.run('dialerReleaseLive', keys, [member])) as number;
  }

  /** Calls currently live (leases not expired). */
  async liveCount(scope?: LiveScope, now = Date.now()): Promise<number> {
    const key = scope ? this.keys.liveCampaign(scope.campaignId) : this.keys.liveGlobal();
    return this.redis.zcount(key, now, '+inf');
  }
}
