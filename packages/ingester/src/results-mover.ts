/**
 * Moves results webhook events from the campaigns' outboxes (written by the scripts that end contacts and
 * attempts) into the results queue, then trims them. One process moves at a time (a lock in Redis); the job id
 * is the delivery id, so a crash between queueing and trimming queues nothing twice.
 */
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import {
  LocaleStore,
  RESULTS_JOB_NAMES,
  ResultsOutbox,
  contactLocale,
  parseOutboxEntry,
  resultJobData,
  resultJobOptions,
  type DialerConfig,
  type Keys,
  type Logger,
  type OutboxEntry,
  type RedisClient,
} from '@dialer/core';
import type { ResultsMetrics } from './results-metrics.js';

export interface ResultsMoverDeps {
  redis: RedisClient;
  keys: Keys;
  queue: Queue;
  config: DialerConfig['results'];
  metrics: ResultsMetrics;
  logger: Logger;
  /** How often outboxes are looked at. @defaultValue 250 */
  intervalMs?: number;
}

/** Entries moved per campaign and pass. */
const BATCH = 200;
/** A campaign whose outbox was empty is looked at again after up to this (doubling from the interval)… */
const IDLE_MAX_MS = 2000;
/**
 * …or this once it has ended (completed, cancelled): only a late real end replacing `lost`, or contacts added
 * again, can still come, and they wait safely in the outbox. Thousands of finished campaigns then cost little.
 */
const ENDED_IDLE_MS = 30_000;

export class ResultsMover {
  private readonly outbox: ResultsOutbox;
  private readonly locales: LocaleStore;
  private readonly owner = randomUUID();
  private readonly log: Logger;
  private readonly intervalMs: number;
  /** Campaign → when to look again and the current idle wait (campaigns with nothing to move are looked at less often). */
  private readonly idle = new Map<string, { at: number; waitMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: ResultsMoverDeps) {
    this.outbox = new ResultsOutbox(deps.redis, deps.keys);
    this.locales = new LocaleStore(deps.redis, deps.keys);
    this.log = deps.logger.child({ component: 'results-mover' });
    this.intervalMs = deps.intervalMs ?? 250;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      let again = false;
      this.running = this.pass()
        .then((moved) => {
          // A full batch may have left more behind: go on at once.
          again = moved >= BATCH;
        })
        .catch((err: unknown) => this.log.warn({ err }, 'moving results failed; retrying'))
        .finally(() => {
          this.running = undefined;
          this.schedule(again ? 0 : this.intervalMs);
        });
    }, ms);
  }

  /** One pass over every campaign with a results webhook (only while this process holds the mover lock). */
  async pass(now = Date.now()): Promise<number> {
    if (!(await this.holdLock())) return 0;
    let moved = 0;
    for (const campaignId of await this.outbox.campaigns()) {
      const idle = this.idle.get(campaignId);
      if (idle && idle.at > now) continue;
      const n = await this.moveCampaign(campaignId);
      moved += n;
      if (n > 0) this.idle.delete(campaignId);
      else await this.rest(campaignId, idle?.waitMs, now);
    }
    return moved;
  }

  /** Looks at an idle campaign less often; forgets one that was deleted. */
  private async rest(campaignId: string, lastWaitMs: number | undefined, now: number): Promise<void> {
    let waitMs = Math.min(IDLE_MAX_MS, (lastWaitMs ?? this.intervalMs / 2) * 2);
    if (waitMs >= IDLE_MAX_MS) {
      const { redis, keys } = this.deps;
      const state = await redis.hget(keys.campaignMeta(campaignId), 'state');
      if (state === null) {
        // Deleted. A campaign created again under its id meanwhile writes its meta before registering: if the
        // meta is back after the removal, register it again (its own registration may have come before it).
        await redis.srem(keys.resultsCampaigns(), campaignId);
        if ((await redis.exists(keys.campaignMeta(campaignId))) === 1)
          await redis.sadd(keys.resultsCampaigns(), campaignId);
        this.idle.delete(campaignId);
        return;
      }
      if (state === 'completed' || state === 'cancelled') {
        // Its last end may have come between the empty read and this one (the end completes the campaign).
        if ((await this.outbox.length(campaignId)) > 0) {
          this.idle.delete(campaignId);
          return;
        }
        waitMs = ENDED_IDLE_MS;
      }
    }
    this.idle.set(campaignId, { at: now + waitMs, waitMs: Math.min(waitMs, IDLE_MAX_MS) });
  }

  /** Takes the lock, or keeps it when this process holds it. Lost on a crash after a few intervals. */
  private async holdLock(): Promise<boolean> {
    const { redis, keys } = this.deps;
    const ttl = Math.max(5000, this.intervalMs * 20);
    const key = keys.resultsMoverLock();
    if ((await redis.set(key, this.owner, 'PX', ttl, 'NX')) === 'OK') return true;
    if ((await redis.get(key)) !== this.owner) return false;
    await redis.pexpire(key, ttl);
    return true;
  }

  private async moveCampaign(campaignId: string): Promise<number> {
    const raw = await this.outbox.peek(campaignId, BATCH);
    if (raw.length === 0) return 0;
    const jobs = [];
    for (const text of raw) {
      const entry = parseOutboxEntry(campaignId, text);
      if (!entry) {
        this.log.error({ campaignId }, 'dropped a malformed results outbox entry');
        continue;
      }
      const data = resultJobData(entry, await this.zones(entry));
      jobs.push({
        name: RESULTS_JOB_NAMES[entry.kind],
        data,
        opts: resultJobOptions(data.deliveryId, this.deps.config),
      });
      this.deps.metrics.queued.inc({ kind: entry.kind });
    }
    await this.deps.queue.addBulk(jobs);
    await this.outbox.drop(campaignId, raw.length);
    return raw.length;
  }

  private async zones(entry: OutboxEntry): Promise<string[]> {
    if (entry.kind !== 'contact') return [];
    const { record } = entry;
    const stored = record.lk === undefined ? undefined : await this.locales.get(record.lk);
    return (stored ?? contactLocale({ number: record.p, timezone: record.tz })).zones;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    // Let another process take over at once rather than after the lock expires (a race here only delays it).
    const key = this.deps.keys.resultsMoverLock();
    // With Redis away, a command would wait for it (this connection never gives up): the lock expires anyway.
    if (this.deps.redis.status !== 'ready') return;
    try {
      if ((await this.deps.redis.get(key)) === this.owner) await this.deps.redis.del(key);
    } catch {
      // Redis is away: the lock expires by itself.
    }
  }
}
