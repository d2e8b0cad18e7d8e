/**
 * Finds the campaigns to work on and gives each a lane in the process's LaneScheduler: from the registry at
 * start, from the events channel as things happen, and from a slow periodic re-scan (pub/sub is
 * fire-and-forget: a message missed during a reconnect is caught by the next scan). A campaign is worked on
 * while it is running or paused (so a resume needs nothing from us), and after it is cancelled or completed
 * until its queue is drained (a cancelled campaign's leftover jobs end as `cancelled`, never dialed). A
 * finished, drained campaign is retired: a scan reads its id from the registry and nothing else. Only a full
 * scan — after the events connection reconnects (events may have been lost), and every FULL_SCAN_EVERY scans —
 * reads the state of retired campaigns too, for one that ran again (new contacts) while its event was lost.
 */
import { once } from 'node:events';
import { QueueKeys, isNotConnectionError } from 'bullmq';
import type { CampaignState, RedisClient } from '@dialer/core';
import { CampaignLane } from './campaign-lane.js';
import type { DialContext } from './dial-context.js';
import type { DialProcessor } from './dial-processor.js';
import { LaneScheduler } from './lane-scheduler.js';

export interface CampaignSupervisorOptions {
  ctx: DialContext;
  processor: DialProcessor;
  /** Pub/sub connection (subscriber mode: used for nothing else). */
  subscriber: RedisClient;
  /** Standalone Redis: the connection the marker watch blocks on. Cluster: unused (markers are polled). */
  markers: RedisClient;
  /** This process's wake-up key for the marker watch. */
  wakeKey: string;
  /** @defaultValue 60 000 */
  rescanIntervalMs?: number;
  /** BullMQ job lock (and stalled-check interval). */
  lockDurationMs: number;
}

interface CampaignEvent {
  type?: string;
  campaignId?: string;
  state?: string;
}

/**
 * A cancelled campaign can still get a job after it was found drained: the re-dial of a call that was live at
 * cancel time. Such a campaign is looked at again by every scan for this long after its cancel (and by every
 * full scan after that).
 */
const LATE_JOBS_AFTER_CANCEL_MS = 5 * 60_000;
const FULL_SCAN_EVERY = 10;
/** BullMQ's lists and sorted sets of jobs that may still run (a paused queue keeps its jobs in `wait`). */
const DRAIN_LISTS = ['wait', 'paused', 'active'] as const;
const DRAIN_SETS = ['delayed', 'prioritized', 'waiting-children'] as const;
/** Campaigns read at once during a scan. */
const SCAN_PARALLEL = 200;

export class CampaignSupervisor {
  /** Campaigns with a lane, and their last known state. */
  readonly #live = new Map<string, CampaignState>();
  /** Cancelled/completed campaigns whose queue was found drained: not looked at again until they change. */
  readonly #retired = new Map<string, { state: CampaignState; cancelledAt: number }>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #lanes: LaneScheduler;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #scanning: Promise<void> | undefined;
  #scans = 0;
  #fullScanDue = true;

  constructor(private readonly opts: CampaignSupervisorOptions) {
    const { ctx } = opts;
    const concurrency = ctx.config.pacing.workerConcurrency;
    this.#lanes = new LaneScheduler({
      logger: ctx.logger,
      // Jobs waiting for a dial-out permit are in hand too: the next one is ready the moment a permit frees,
      // while one process never hoards what other processes could be dialing.
      maxInHand: 2 * concurrency,
      maxPerLane: concurrency,
      lockDurationMs: opts.lockDurationMs,
      markers: { connection: opts.markers, commands: ctx.redis, wakeKey: opts.wakeKey },
      onEmpty: (id) => {
        // Nothing waiting or delayed: a campaign that is finished may be drained now.
        if (!this.#closing) void this.reconcile(id);
      },
    });
  }

  /** Campaign ids this process currently works on. */
  campaignIds(): string[] {
    return [...this.#live.keys()];
  }

  async start(): Promise<void> {
    const { subscriber, ctx } = this.opts;
    subscriber.on('message', (_channel: string, message: string) => this.onEvent(message));
    // Subscribe on a ready connection: a SUBSCRIBE queued during the handshake can race ioredis's own
    // ready check (INFO), which Redis then refuses in subscriber mode. Waits as long as Redis is down.
    if (subscriber.status !== 'ready') await once(subscriber, 'ready');
    await subscriber.subscribe(ctx.keys.events());
    // Events sent while the connection was down are lost: look at every campaign again after a reconnect.
    subscriber.on('ready', () => {
      this.#fullScanDue = true;
      void this.rescan();
    });
    this.#lanes.start();
    await this.rescan();
    this.#timer = setInterval(() => void this.rescan(), this.opts.rescanIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  /** Reads the registry and the state of every campaign not retired (all of them in a full scan), and reconciles each (one scan at a time). */
  rescan(): Promise<void> {
    this.#scanning ??= this.scan()
      .catch((err: unknown) =>
        this.opts.ctx.logger.warn({ err }, 'campaign scan failed; retrying at the next interval'),
      )
      .finally(() => {
        this.#scanning = undefined;
      });
    return this.#scanning;
  }

  private async scan(): Promise<void> {
    const full = this.#fullScanDue || ++this.#scans % FULL_SCAN_EVERY === 0;
    this.#fullScanDue = false;
    const ids = await this.opts.ctx.store.listCampaignIds();
    const known = new Set(ids);
    const now = Date.now();
    const todo = ids.filter((id) => {
      const retired = this.#retired.get(id);
      return (
        !retired || full || (retired.state === 'cancelled' && now - retired.cancelledAt < LATE_JOBS_AFTER_CANCEL_MS)
      );
    });
    for (const id of this.#live.keys()) if (!known.has(id)) todo.push(id);
    for (const id of this.#retired.keys()) if (!known.has(id)) this.#retired.delete(id);
    for (let i = 0; i < todo.length && !this.#closing; i += SCAN_PARALLEL)
      await Promise.all(todo.slice(i, i + SCAN_PARALLEL).map((id) => this.reconcile(id)));
    // Every lane with nothing to do looks at its queue once: a marker is popped by one process only, so a job
    // whose marker another process took (a delayed job's due time, then that process died) would otherwise
    // wait for the next marker. BullMQ's own worker covers this by polling every few seconds, per queue.
    for (const id of this.#live.keys()) this.#lanes.signal(id);
  }

  private onEvent(message: string): void {
    let event: CampaignEvent;
    try {
      event = JSON.parse(message) as CampaignEvent;
    } catch {
      return;
    }
    const id = event.campaignId;
    if (typeof id !== 'string' || this.#closing) return;
    const { campaigns, queues, logger } = this.opts.ctx;
    campaigns.invalidate(id);
    const state = event.state as CampaignState | undefined;
    // A resumed campaign's queue runs again even if the pause came from us (401) and the operator only
    // changed the state; a cancelled one's leftover jobs must flow to be ended as `cancelled`.
    if (event.type === 'campaign-state' && (state === 'running' || state === 'cancelled')) {
      queues
        .get(id)
        .resume()
        .catch((err: unknown) => logger.warn({ err, campaignId: id }, 'could not resume the campaign queue'));
    }
    void this.reconcile(id).then(() => this.#lanes.signal(id));
  }

  /** Serialized per campaign, so a scan and an event never create or close the same lane twice. */
  private reconcile(id: string): Promise<void> {
    const prev = this.#chains.get(id) ?? Promise.resolve();
    const next = prev
      .then(() => this.apply(id))
      .catch((err: unknown) => this.opts.ctx.logger.warn({ err, campaignId: id }, 'could not reconcile campaign'))
      .finally(() => {
        if (this.#chains.get(id) === next) this.#chains.delete(id);
      });
    this.#chains.set(id, next);
    return next;
  }

  /** Works on the campaign, or stops: by its state, and for a finished one whether its queue is drained. */
  private async apply(id: string): Promise<void> {
    if (this.#closing) return;
    const { store } = this.opts.ctx;
    const state = await store.getState(id);
    if (state === 'running' || state === 'paused') {
      this.#retired.delete(id);
      this.ensureLane(id, state);
      return;
    }
    if (state === 'cancelled' || state === 'completed') {
      const retired = this.#retired.get(id);
      if (await this.drained(id)) {
        if (!retired || retired.state !== state) {
          const cancelledAt = state === 'cancelled' ? ((await store.getCampaign(id))?.cancelledAt ?? 0) : 0;
          this.#retired.set(id, { state, cancelledAt });
        }
        await this.closeLane(id);
      } else {
        this.ensureLane(id, state);
      }
      return;
    }
    this.#retired.delete(id);
    await this.closeLane(id);
  }

  /**
   * Whether the campaign's queue has no job left that may run. Read with plain commands on its keys: a BullMQ
   * Queue object per finished campaign would stay in memory (and on the shared connection) for good.
   * Jobs in this process's hands count as active: a lane with jobs in hand is never closed as drained.
   */
  private async drained(id: string): Promise<boolean> {
    const { ctx } = this.opts;
    const keys = new QueueKeys(ctx.keys.campaignQueuePrefix(id)).getKeys(id);
    const counts = await Promise.all([
      ...DRAIN_LISTS.map((k) => ctx.redis.llen(keys[k] as string)),
      ...DRAIN_SETS.map((k) => ctx.redis.zcard(keys[k] as string)),
    ]);
    return counts.every((c) => c === 0);
  }

  private ensureLane(id: string, state: CampaignState): void {
    if (this.#closing) return;
    const { ctx, processor, lockDurationMs } = this.opts;
    const was = this.#live.get(id);
    this.#live.set(id, state);
    // A paused campaign is only looked at (one job at a time, each put back with the queue resting a second).
    const cap = state === 'paused' ? 1 : ctx.config.pacing.workerConcurrency;
    if (was !== undefined) {
      this.#lanes.setCap(id, cap);
      return;
    }
    const log = ctx.logger.child({ campaignId: id });
    const lane = new CampaignLane({
      campaignId: id,
      prefix: ctx.keys.campaignQueuePrefix(id),
      connection: ctx.bullmq,
      lockDurationMs,
      process: (job, token) => processor.process(job, token),
    });
    // Connection errors are logged once per connection (build-worker), not once per campaign.
    lane.on('error', (err: Error) =>
      isNotConnectionError(err)
        ? log.warn({ error: err.message }, 'campaign queue error')
        : log.debug({ error: err.message }, 'campaign queue connection error'),
    );
    lane.on('failed', (job, err: Error) => {
      log.debug(
        { jobId: job?.id, error: err.message, attemptsMade: job?.attemptsMade },
        'dial job failed (BullMQ will retry if attempts remain)',
      );
    });
    if (!this.#lanes.add(lane, cap)) {
      this.#live.delete(id);
      void lane.close();
      return;
    }
    ctx.metrics.campaigns(this.#live.size);
    log.info('working on campaign');
  }

  private async closeLane(id: string): Promise<void> {
    if (!this.#live.delete(id)) return;
    this.opts.ctx.metrics.campaigns(this.#live.size);
    await this.#lanes.remove(id);
    // Nothing of it is kept in memory: what a process holds grows with the campaigns it works on, not with
    // every campaign it has seen.
    const { queues, campaigns, logger } = this.opts.ctx;
    campaigns.invalidate(id);
    await queues.forget(id);
    logger.info({ campaignId: id }, 'stopped working on campaign');
  }

  /** Stops discovering, lets the jobs in hand end (waiting ones go back), closes every lane. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#scanning;
    try {
      await this.opts.subscriber.unsubscribe();
    } catch {
      // the connection may already be gone; nothing to clean up then
    }
    await this.#lanes.close();
    await Promise.allSettled([...this.#chains.values()]);
  }

  /** Waits for the marker watch to end (after its connection was closed). */
  stopped(): Promise<void> {
    return this.#lanes.stopped();
  }
}
