import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import type { LiveLimits, LiveScope } from './limits.js';

/**
 * The worker's admission of one dial-out in a single atomic step: take the attempt's live-call slot (global,
 * campaign, trunk) and, if it was free, reserve the dial-out's paced instant (global and campaign rate).
 * The same keys and formats as `Limits.acquireLive` and `Limits.reserveDial` (they interoperate: the
 * ingester releases with `Limits.releaseLive`); one round trip instead of two on the dial-out hot path, and
 * no slot is ever held by a dial-out that got no instant (the slot is given back in the same step).
 */
const ADMIT_SCRIPT = `
local nLive = tonumber(ARGV[1])
local nRate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local member = ARGV[4]
local expiry = tonumber(ARGV[5])
local maxAhead = tonumber(ARGV[6])
for i = 1, nLive do redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now) end
local held = redis.call('ZSCORE', KEYS[1], member)
if not held then
  for i = 1, nLive do
    if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[6 + i]) then return {2, tostring(i)} end
  end
end
local t = now
for i = 1, nRate do
  local nextFree = tonumber(redis.call('GET', KEYS[nLive + i]) or '0')
  if nextFree > t then t = nextFree end
end
if t - now > maxAhead then return {3, string.format('%.3f', t - now - maxAhead)} end
for i = 1, nLive do redis.call('ZADD', KEYS[i], expiry, member) end
for i = 1, nRate do
  local interval = tonumber(ARGV[6 + nLive + i])
  redis.call('SET', KEYS[nLive + i], string.format('%.3f', t + interval), 'PX', math.ceil(interval) + 60000)
end
return {1, string.format('%.3f', t - now)}
`;

export type Admission =
  /** Slot held; dial at now + waitMs. */
  | { kind: 'admitted'; waitMs: number }
  /** A live-call scope is full (1 global, 2 campaign, 3 trunk): nothing taken. */
  | { kind: 'full'; scope: number }
  /** No instant free within `maxAheadMs`: nothing taken; the next one is `retryInMs` away from that horizon. */
  | { kind: 'busy'; retryInMs: number };

export interface AdmissionRequest {
  /** The attempt key (`attemptKey(campaign, contact, n)`). */
  member: string;
  scope: LiveScope;
  limits: LiveLimits;
  leaseMs: number;
  globalRate: number;
  campaignRate?: number;
  /** @defaultValue 1000 */
  maxAheadMs?: number;
}

type ScriptFn = (...args: (string | number)[]) => Promise<[number, string]>;

export class DialAdmission {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    if (!('dialerAdmit' in redis)) redis.defineCommand('dialerAdmit', { lua: ADMIT_SCRIPT });
  }

  async admit(req: AdmissionRequest, now = Date.now()): Promise<Admission> {
    const k = this.keys;
    const liveKeys = [k.liveGlobal(), k.liveCampaign(req.scope.campaignId)];
    const caps = [req.limits.global, req.limits.campaign ?? Infinity];
    if (req.scope.trunk) {
      liveKeys.push(k.liveTrunk(req.scope.trunk));
      caps.push(req.limits.trunk ?? Infinity);
    }
    const rateKeys = [k.rateGlobal()];
    const intervals = [1000 / req.globalRate];
    if (req.campaignRate !== undefined) {
      rateKeys.push(k.rateCampaign(req.scope.campaignId));
      intervals.push(1000 / req.campaignRate);
    }
    const keys = [...liveKeys, ...rateKeys];
    const args = [
      liveKeys.length, rateKeys.length, now, req.member, now + req.leaseMs, req.maxAheadMs ?? 1000,
      ...caps.map((c) => (Number.isFinite(c) ? c : 1e12)), ...intervals,
    ];
    const [code, value] = await (this.redis as unknown as Record<'dialerAdmit', ScriptFn>).dialerAdmit(keys.length, ...keys, ...args);
    if (code === 1) return { kind: 'admitted', waitMs: Number(value) };
    if (code === 2) return { kind: 'full', scope: Number(value) };
    return { kind: 'busy', retryInMs: Number(value) };
  }
}
