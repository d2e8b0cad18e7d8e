/**
 * Operator control of campaigns (pause / resume / cancel) and their status, shared by the CLI, the board and
 * the demo. The campaign state in Redis is what the workers obey (their atomic `begin` refuses to dial a
 * campaign that is not running); the BullMQ queue is paused too, so workers stop fetching its jobs and
 * Bull Board shows the same thing. A queue paused in Bull Board alone counts as a paused campaign.
 */
import type { Queue } from 'bullmq';
import { CampaignStore, type CampaignMeta, type StateChange } from './store/campaign-store.js';
import { CampaignQueues, type DialJobData } from './dial-jobs.js';
import { Limits } from './store/limits.js';
import { GlobalLimitsStore } from './store/global-limits.js';
import type { CampaignState, Outcome } from './outcomes.js';
import type { DialerConfig } from './config.js';
import { createKeys } from './store/keys.js';
import { quotaIntervalMs } from './contact-cap-rules.js';
import { createRedis, waitForRedis } from './redis.js';
import { DialerError } from './errors.js';
import { CANCELLED_REASON, type HoldReason } from './store/attempts.js';
import { contactState, mayHaveCall } from './store/contact-states.js';

/** Why a campaign whose queue was paused outside the dialer (Bull Board, a script) counts as paused. */
export const QUEUE_PAUSED_REASON = 'queue paused in Bull Board';

/** Job states the status reports (BullMQ names). */
const QUEUE_COUNTS = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
type QueueCountName = (typeof QUEUE_COUNTS)[number];
/** Job lists a cancel empties: everything not yet taken by a worker. */
const UNTAKEN_JOB_STATES = ['wait', 'paused', 'delayed', 'prioritized'] as const;

const RATE_WINDOW_MS = 60_000;
/** A rate sample younger than this is too close to now to divide by. */
const MIN_SAMPLE_AGE_MS = 1000;

export type QueueStatus = Record<QueueCountName, number> & { isPaused: boolean };

/** `campaign status --json` (docs/design.md (Campaign status)): the original keys first, then the extras. */
export interface CampaignStatus {
  campaign: string;
  state: CampaignState;
  contacts: number;
  terminal: number;
  live: number;
  outcomes: Partial<Record<Outcome, number>>;
  pauseReason: string | null;
  /** Contacts not yet terminal (queued, dialing, in a call, or waiting for a re-dial). */
  pending: number;
  dialouts: number;
  redials: number;
  /** Dial-outs per second over the last minute (null when not yet measurable). */
  dialRate: number | null;
  /** Seconds until every pending contact has been dialed at the current rate (null when unknown). */
  eta: number | null;
  queue: QueueStatus;
  createdAt: string;
  /** Contacts the watchdog's reconciler found with no job and no live call and gave one back (0 normally). */
  stranded: number;
  /** Pending contacts held back right now, by why: `window` (closed in one of its zones), `blackout`, `region-rule`, `cap`. */
  held: Partial<Record<HoldReason, number>>;
  /**
   * The fastest the campaign may dial and what sets it: `global` (DIAL_RATE_PER_SECOND), `campaign` (its
   * ratePerSecond) or `quota` (the gateway's quotas for its bot, SAVG_QUOTAS, shared with every campaign on that bot);
   * null when the caller did not say how the deployment paces.
   */
  pace: { perSecond: number; by: 'global' | 'campaign' | 'quota'; botId?: string } | null;
}

export interface CampaignControlDeps {
  store: CampaignStore;
  queues: CampaignQueues;
  limits: Limits;
  /** The deployment's pacing (DIAL_RATE_PER_SECOND, SAVG_QUOTAS, SAVG_BOT_ID), for `pace` in the status. */
  pacing?: { globalRate: number; quotaIntervalMs: number; botId?: string };
  /** The global limits as set at run time: `pace` shows the effective global rate (else `pacing.globalRate`). */
  globalLimits?: GlobalLimitsStore;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface StatusOptions {
  /**
   * When no earlier rate sample exists (the first status within a minute), sample the dial-out counter
   * again after this long. 0: report `dialRate: null` instead of waiting. @defaultValue 0
   */
  sampleMs?: number;
}

export interface CancelResult {
  campaign: string;
  /** Pending contacts ended as `cancelled` by this call. */
  cancelled: number;
  /** Contacts with a call being placed or in progress: they finish normally. */
  inProgress: number;
  /** Dial jobs removed from the queue. */
  jobsRemoved: number;
}

export interface ControlResult {
  campaign: string;
  state: CampaignState;
  previous: CampaignState;
}

export class CampaignControl {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: CampaignControlDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private queue(id: string): Queue<DialJobData> {
    return this.deps.queues.get(id);
  }

  /**
   * Stops new dial-outs: the state first (from then on every worker's `begin` refuses), then the queue (workers
   * stop fetching its jobs). Calls in progress finish normally. Pausing a paused campaign keeps its reason.
   */
  async pauseCampaign(id: string, reason?: string): Promise<ControlResult> {
    const change = await this.deps.store.transition(id, 'pause', {
      reason: reason ?? 'paused by operator',
      now: this.now(),
    });
    const previous = refuseUnless(id, change, 'pause');
    await this.queue(id).pause();
    return { campaign: id, state: 'paused', previous };
  }

  /**
   * Continues where the campaign stopped (also after an automatic pause such as a SAVG 401, whose reason
   * it clears, and after a pause in Bull Board). A campaign whose last calls ended while it was paused
   * completes here, since the end of a contact only completes a running campaign.
   */
  async resumeCampaign(id: string): Promise<ControlResult> {
    const change = await this.deps.store.transition(id, 'resume', { now: this.now() });
    const previous = refuseUnless(id, change, 'resume');
    await this.queue(id).resume();
    return { campaign: id, state: change.state ?? 'running', previous };
  }

  /**
   * Cancels for good: the state first (no `begin` succeeds after it), then every pending contact (q/w) ends
   * as `cancelled` and the untaken dial jobs are removed. Calls already placed finish normally and their
   * notifications still apply. Safe to repeat (a cancel interrupted half-way is finished by the next one).
   */
  async cancelCampaign(id: string, onProgress?: (ended: number) => void | Promise<void>): Promise<CancelResult> {
    const change = await this.deps.store.transition(id, 'cancel', { now: this.now() });
    if (change.result === 'refused' && change.previous === 'completed') {
      throw new DialerError(
        'DIALER_ERR_CAMPAIGN_STATE',
        `Campaign "${id}" is completed: there is nothing left to cancel`,
        { campaignId: id, state: 'completed' },
      );
    }
    refuseUnless(id, change, 'cancel');
    const { cancelled, inProgress } = await this.endPending(id, onProgress);
    const jobsRemoved = await this.removeUntakenJobs(id);
    // Jobs added after the sweep (a re-dial scheduled by a call that was in progress) must still flow, so
    // that a worker ends them as `cancelled`: never leave a cancelled campaign's queue paused.
    await this.queue(id).resume();
    return { campaign: id, cancelled, inProgress, jobsRemoved };
  }

  /** Ends every q/w contact, one HSCAN page at a time (bounded memory; each page's scripts are pipelined). */
  private async endPending(
    id: string,
    onProgress?: (ended: number) => void | Promise<void>,
  ): Promise<{ cancelled: number; inProgress: number }> {
    const { store } = this.deps;
    let cancelled = 0;
    let inProgress = 0;
    let page: Promise<unknown>[] = [];
    const flush = async () => {
      await Promise.all(page);
      page = [];
      await onProgress?.(cancelled);
    };
    for await (const [contactId, rec] of store.contacts(id)) {
      const state = contactState(rec);
      if (mayHaveCall(state)) inProgress++;
      if (state !== 'queued' && state !== 'waiting') continue;
      page.push(
        store.attempts
          .end(
            {
              campaignId: id,
              contactId,
              attempt: rec.n,
              from: 'before-dial',
              outcome: 'cancelled',
              fields: { rs: CANCELLED_REASON },
            },
            this.now(),
          )
          .then(({ result }) => {
            if (result === 'terminal' || result === 'completed') cancelled++;
          }),
      );
      if (page.length >= 500) await flush();
    }
    await flush();
    return { cancelled, inProgress };
  }

  /** `clean` works in batches of at most 10,000 jobs per script, so a huge queue never blocks Redis for long. */
  private async removeUntakenJobs(id: string): Promise<number> {
    const queue = this.queue(id);
    let removed = 0;
    for (const state of UNTAKEN_JOB_STATES) removed += (await queue.clean(0, 0, state)).length;
    return removed;
  }

  /** The campaign's progress; see {@link CampaignStatus}. */
  async campaignStatus(id: string, options: StatusOptions = {}): Promise<CampaignStatus> {
    const { store, limits } = this.deps;
    const meta = await store.requireCampaign(id);
    const queue = this.queue(id);
    const [stats, live, counts, queuePaused, global] = await Promise.all([
      store.stats(id),
      limits.liveCount({ campaignId: id }),
      queue.getJobCounts(...QUEUE_COUNTS),
      queue.isPaused(),
      this.deps.globalLimits?.get(),
    ]);
    const { state, pauseReason } = effectiveState(meta, queuePaused);
    const pending = Math.max(0, stats.contacts - stats.terminal);
    const dialRate = await this.dialRate(id, stats.dialouts, state, options.sampleMs ?? 0);
    return {
      campaign: id,
      state,
      contacts: stats.contacts,
      terminal: stats.terminal,
      live,
      outcomes: stats.outcomes,
      pauseReason,
      pending,
      dialouts: stats.dialouts,
      redials: stats.redials,
      dialRate,
      eta: state === 'running' && dialRate !== null && dialRate > 0 ? Math.round(pending / dialRate) : null,
      queue: { ...pickCounts(counts), isPaused: queuePaused },
      createdAt: new Date(meta.createdAt).toISOString(),
      stranded: stats.stranded,
      held: stats.held,
      pace: this.pace(meta, global?.ratePerSecond),
    };
  }

  /** The fastest the campaign may dial, and what sets it: the global rate, its own, or the gateway's quota. */
  private pace(meta: CampaignMeta, globalRate?: number): CampaignStatus['pace'] {
    const pacing = this.deps.pacing;
    if (!pacing) return null;
    const limits: { perSecond: number; by: 'global' | 'campaign' | 'quota' }[] = [
      { perSecond: globalRate ?? pacing.globalRate, by: 'global' },
    ];
    if (meta.settings.ratePerSecond !== undefined)
      limits.push({ perSecond: meta.settings.ratePerSecond, by: 'campaign' });
    if (pacing.quotaIntervalMs > 0) limits.push({ perSecond: round2(1000 / pacing.quotaIntervalMs), by: 'quota' });
    const slowest = limits.reduce((a, b) => (b.perSecond < a.perSecond ? b : a));
    const botId = meta.settings.botId ?? pacing.botId;
    return { ...slowest, ...(slowest.by === 'quota' && botId ? { botId } : {}) };
  }

  /** Every campaign id in the registry, oldest first. */
  async listCampaigns(): Promise<string[]> {
    return this.deps.store.listCampaignIds();
  }

  /**
   * Dial-outs per second over the last minute, from samples of the campaign's dial-out counter kept in a
   * small expiring sorted set next to its stats (every status call adds one; readers anywhere share them).
   */
  private async dialRate(id: string, dialouts: number, state: CampaignState, sampleMs: number): Promise<number | null> {
    const { redis, keys } = this.deps.store;
    const key = `${keys.campaignStats(id)}:rate`;
    const now = this.now();
    const [, , oldest] = (await redis
      .multi()
      .zadd(key, now, `${now}:${dialouts}`)
      .zremrangebyscore(key, '-inf', now - RATE_WINDOW_MS - 5000)
      .zrangebyscore(key, now - RATE_WINDOW_MS, now - MIN_SAMPLE_AGE_MS, 'LIMIT', 0, 1)
      .pexpire(key, RATE_WINDOW_MS * 2)
      .exec()) as [unknown, unknown, [Error | null, string[]], unknown];
    const sample = oldest[1][0];
    if (sample) {
      const [t, count] = sample.split(':').map(Number) as [number, number];
      return round2((dialouts - count) / ((now - t) / 1000));
    }
    if (state !== 'running') return 0;
    if (sampleMs <= 0) return null;
    await this.sleep(sampleMs);
    const later = (await this.deps.store.stats(id)).dialouts;
    return round2((later - dialouts) / ((this.now() - now) / 1000));
  }
}

/** A control with its own Redis connection, for short-lived commands; `close()` releases it. */
export interface OpenedCampaignControl {
  control: CampaignControl;
  store: CampaignStore;
  queues: CampaignQueues;
  limits: Limits;
  /** The global limits set at run time (`dialer limits`), falling back to this process's environment. */
  globalLimits: GlobalLimitsStore;
  close(): Promise<void>;
}

/**
 * Connects to Redis (failing with DIALER_ERR_REDIS after `timeoutMs` instead of hanging) and builds the
 * control. The connection rides out short Redis blips, like the long-running processes' connections.
 */
export async function openCampaignControl(
  config: DialerConfig,
  name = 'dialer-control',
  timeoutMs = 5000,
): Promise<OpenedCampaignControl> {
  const redis = createRedis(config.redisUrl, 'blocking', name);
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    await waitForRedis(redis, timeoutMs);
  } catch (err) {
    redis.disconnect();
    // The URL may carry a password: name the host only.
    throw new DialerError(
      'DIALER_ERR_REDIS',
      `Redis is unreachable (REDIS_URL)${lastError ? `: ${lastError}` : ''}`,
      undefined,
      { cause: err },
    );
  }
  const keys = createKeys(config.keyPrefix);
  const store = new CampaignStore(redis, keys);
  const queues = new CampaignQueues(redis, keys);
  const limits = new Limits(redis, keys);
  const globalLimits = GlobalLimitsStore.fromConfig(redis, keys, config);
  return {
    control: new CampaignControl({
      store,
      queues,
      limits,
      globalLimits,
      pacing: {
        globalRate: config.pacing.ratePerSecond,
        quotaIntervalMs: quotaIntervalMs(config.savg.quotas),
        botId: config.savg.botId,
      },
    }),
    store,
    queues,
    limits,
    globalLimits,
    close: async () => {
      await queues.close();
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

/** The state everyone should see: a running campaign whose queue is paused (Bull Board) is paused. */
export function effectiveState(
  meta: CampaignMeta,
  queuePaused: boolean,
): { state: CampaignState; pauseReason: string | null } {
  if (meta.state === 'running' && queuePaused) return { state: 'paused', pauseReason: QUEUE_PAUSED_REASON };
  return { state: meta.state, pauseReason: meta.state === 'paused' ? (meta.pauseReason ?? null) : null };
}

/** The state before the change; throws for a missing campaign and for a transition the state machine refused. */
function refuseUnless(id: string, change: StateChange, action: string): CampaignState {
  if (change.result === 'missing' || change.previous === undefined) {
    throw new DialerError('DIALER_ERR_CAMPAIGN_NOT_FOUND', `No campaign named "${id}"`, { campaignId: id });
  }
  if (change.result === 'refused') {
    throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', `Campaign "${id}" is ${change.previous}: it cannot ${action}`, {
      campaignId: id,
      state: change.previous,
    });
  }
  return change.previous;
}

function pickCounts(counts: Record<string, number>): Record<QueueCountName, number> {
  return Object.fromEntries(QUEUE_COUNTS.map((k) => [k, counts[k] ?? 0])) as Record<QueueCountName, number>;
}

function round2(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.round(n * 100) / 100) : 0;
}
