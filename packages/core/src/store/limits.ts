/**
 * Cross-process pacing and live-call caps. All keys share the `{limits}` hash tag, so one script takes the
 * global, campaign and trunk limits in one atomic step, on one Redis or on a Cluster (see lua/admit.lua).
 */
import type { RedisClient } from '../redis.js';
import type { Keys } from './keys.js';
import { defineStoreCommands } from './scripts.js';

export interface LiveScope {
  campaignId: string;
  trunk?: string;
}

export interface LiveLimits {
  global: number;
  campaign?: number;
  trunk?: number;
}

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
  /**
   * The bot's share of the gateway's quotas: dial-outs of every campaign on this bot spaced at least `intervalMs`
   * apart (see quotaIntervalMs), so a long campaign never meets the gateway's 429.
   */
  botQuota?: { botId: string; intervalMs: number };
  /** @defaultValue 1000 */
  maxAheadMs?: number;
}

/** Caps as the script reads them (Infinity has no Lua spelling). */
function cap(n: number | undefined): number {
  return n === undefined || !Number.isFinite(n) ? 1e12 : n;
}

/** The keys and arguments of lua/admit.lua for one admission (also the first part of lua/admit-claim.lua's). */
export function admissionCommand(
  k: Keys,
  req: AdmissionRequest,
  now: number,
): { keys: string[]; args: (string | number)[] } {
  const liveKeys = [k.liveGlobal(), k.liveCampaign(req.scope.campaignId)];
  const caps = [cap(req.limits.global), cap(req.limits.campaign)];
  if (req.scope.trunk) {
    liveKeys.push(k.liveTrunk(req.scope.trunk));
    caps.push(cap(req.limits.trunk));
  }
  const rateKeys = [k.rateGlobal()];
  const intervals = [1000 / req.globalRate];
  if (req.campaignRate !== undefined) {
    rateKeys.push(k.rateCampaign(req.scope.campaignId));
    intervals.push(1000 / req.campaignRate);
  }
  if (req.botQuota && req.botQuota.intervalMs > 0) {
    rateKeys.push(k.rateBot(req.botQuota.botId));
    intervals.push(req.botQuota.intervalMs);
  }
  return {
    // Last: the global limits set at run time, which the script prefers to globalRate and limits.global.
    keys: [...liveKeys, ...rateKeys, k.globalLimits()],
    args: [
      liveKeys.length,
      rateKeys.length,
      now,
      req.member,
      now + req.leaseMs,
      req.maxAheadMs ?? 1000,
      ...caps,
      ...intervals,
    ],
  };
}

/** lua/admit.lua's answer, typed. */
export function admissionAnswer(code: number, value: string): Admission {
  if (code === 1) return { kind: 'admitted', waitMs: Number(value) };
  if (code === 2) return { kind: 'full', scope: Number(value) };
  return { kind: 'busy', retryInMs: Number(value) };
}

export class Limits {
  constructor(
    readonly redis: RedisClient,
    readonly keys: Keys,
  ) {
    defineStoreCommands(redis);
  }

  /**
   * The admission of one dial-out in one atomic step: the attempt's live-call slot (global, campaign, trunk) and,
   * if it was free, its paced instant under the global and the campaign rate. No slot is ever held by a
   * dial-out that got no instant (it is given back in the same step).
   */
  async admit(req: AdmissionRequest, now = Date.now()): Promise<Admission> {
    const { keys, args } = admissionCommand(this.keys, req, now);
    const [code, value] = await this.redis.dialerAdmit(keys.length, ...keys, ...args);
    return admissionAnswer(code, value);
  }

  private liveKeys(scope: LiveScope): string[] {
    const keys = [this.keys.liveGlobal(), this.keys.liveCampaign(scope.campaignId)];
    if (scope.trunk) keys.push(this.keys.liveTrunk(scope.trunk));
    return keys;
  }

  /** Releases the attempt's slot in every scope (idempotent). */
  async releaseLive(member: string, scope: LiveScope): Promise<number> {
    const keys = this.liveKeys(scope);
    return this.redis.dialerReleaseLive(keys.length, ...keys, member);
  }

  /** Calls currently live (leases not expired). */
  async liveCount(scope?: LiveScope, now = Date.now()): Promise<number> {
    const key = scope ? this.keys.liveCampaign(scope.campaignId) : this.keys.liveGlobal();
    return this.redis.zcount(key, now, '+inf');
  }
}
