/**
 * Finds the campaigns to work on and keeps one BullMQ Worker per campaign queue: from the registry at
 * start, from the events channel as things happen, and from a periodic re-scan (pub/sub is fire-and-forget:
 * a message missed during a reconnect is caught by the next scan). A campaign is worked on while it is
 * running or paused (so a resume needs nothing from us), and after it is cancelled or completed until its
 * queue is drained (a cancelled campaign's leftover jobs end as `cancelled`, never dialed).
 */
import { once } from 'node:events';
import { Worker, type Job } from 'bullmq';
import { DIAL_WORKER_KEEP, dialerBackoff, type CampaignState, type DialJobData, type RedisClient } from '@dialer/core';
import type { DialContext } from './dial-context.js';
import type { DialProcessor } from './dial-processor.js';

export interface CampaignSupervisorOptions {
  ctx: DialContext;
  processor: DialProcessor;
  /** Pub/sub connection (subscriber mode: used for nothing else). */
  subscriber: RedisClient;
  /** @defaultValue 2000 */
  rescanIntervalMs?: number;
  /** BullMQ job lock (and stalled-check interval). */
  lockDurationMs: number;
}

interface CampaignEvent {
  type?: string;
  campaignId?: string;
  state?: string;
}

// BullMQ honours a manual rate limit (429, live-call cap, paused campaign) only on a worker that has a
// limiter; this one never limits by itself: pacing is the smooth cross-campaign limiter in @dialer/core.
const NO_OP_LIMITER = { max: 1_000_000, duration: 1000 };
const RECHECK_CANCELLED_EVERY = 15;
const DRAIN_COUNTS = ['waiting', 'delayed', 'prioritized', 'active', 'waiting-children'] as const;

export class CampaignSupervisor {
  readonly #workers = new Map<string, Worker<DialJobData, string>>();
  /** Cancelled/completed campaigns whose queue was found drained: not looked at again until they change. */
  readonly #retired = new Map<string, CampaignState>();
  readonly #chains = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #scanning: Promise<void> | undefined;
  #scans = 0;

  constructor(private readonly opts: CampaignSupervisorOptions) {}

  /** Campaign ids this process currently works on. */
  campaignIds(): string[] {
    return [...this.#workers.keys()];
  }

  async start(): Promise<void> {
    const { subscriber, ctx } = this.opts;
    subscriber.on('message', (_channel: string, message: string) => this.onEvent(message));
    // Subscribe on a ready connection: a SUBSCRIBE queued during the handshake can race ioredis's own
    // ready check (INFO), which Redis then refuses in subscriber mode. Waits as long as Redis is down.
    if (subscriber.status !== 'ready') await once(subscriber, 'ready');
    await subscriber.subscribe(ctx.keys.events());
    await this.rescan();
    this.#timer = setInterval(() => void this.rescan(), this.opts.rescanIntervalMs ?? 2000);
    this.#timer.unref();
  }

  /** Reads the registry and every campaign's state, and reconciles each (one scan at a time). */
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
    const { store } = this.opts.ctx;
    const ids = await store.listCampaignIds();
    const states = await Promise.all(ids.map((id) => store.getState(id)));
    const known = new Set(ids);
    // A cancelled campaign can still get a job after it was found drained: the re-dial of a call that was
    // live at cancel time. Retired cancelled campaigns are looked at again every few scans for that.
    if (++this.#scans % RECHECK_CANCELLED_EVERY === 0) {
      for (const [id, state] of this.#retired) if (state === 'cancelled') this.#retired.delete(id);
    }
    await Promise.all(ids.map((id, i) => this.reconcile(id, states[i])));
    for (const id of this.#workers.keys()) if (!known.has(id)) await this.reconcile(id, undefined);
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
    this.#retired.delete(id);
    const state = event.state as CampaignState | undefined;
    // A resumed campaign's queue runs again even if the pause came from us (401) and the operator only
    // changed the state; a cancelled one's leftover jobs must flow to be ended as `cancelled`.
    if (event.type === 'campaign-state' && (state === 'running' || state === 'cancelled')) {
      queues
        .get(id)
        .resume()
        .catch((err: unknown) => logger.warn({ err, campaignId: id }, 'could not resume the campaign queue'));
    }
    void this.reconcile(id, undefined);
  }

  /** Serialized per campaign, so a scan and an event never create or close the same worker twice. */
  private reconcile(id: string, known: CampaignState | undefined | null): Promise<void> {
    const prev = this.#chains.get(id) ?? Promise.resolve();
    const next = prev
      .then(() => this.apply(id, known))
      .catch((err: unknown) => this.opts.ctx.logger.warn({ err, campaignId: id }, 'could not reconcile campaign'))
      .finally(() => {
        if (this.#chains.get(id) === next) this.#chains.delete(id);
      });
    this.#chains.set(id, next);
    return next;
  }

  private async apply(id: string, known: CampaignState | undefined | null): Promise<void> {
    if (this.#closing) return;
    const state = known ?? (await this.opts.ctx.store.getState(id));
    if (state === 'running' || state === 'paused') {
      this.#retired.delete(id);
      this.ensureWorker(id);
      return;
    }
    if (state === 'cancelled' || state === 'completed') {
      if (this.#retired.get(id) === state) return;
      if (await this.drained(id)) {
        this.#retired.set(id, state);
        await this.closeWorker(id);
      } else {
        this.ensureWorker(id);
      }
      return;
    }
    await this.closeWorker(id);
  }

  private async drained(id: string): Promise<boolean> {
    const counts = await this.opts.ctx.queues.get(id).getJobCounts(...DRAIN_COUNTS);
    return Object.values(counts).every((c) => c === 0);
  }

  private ensureWorker(id: string): void {
    if (this.#workers.has(id) || this.#closing) return;
    const { ctx, processor, lockDurationMs } = this.opts;
    const log = ctx.logger.child({ campaignId: id });
    const worker = new Worker<DialJobData, string>(
      id,
      (job: Job<DialJobData>, token?: string) => processor.process(job, token),
      {
        connection: ctx.bullmq,
        prefix: ctx.keys.campaignQueuePrefix(id),
        concurrency: this.perCampaignConcurrency(this.#workers.size + 1),
        // BullMQ passes (attemptsMade, type, err, job): only the first is dialerBackoff's.
        settings: { backoffStrategy: (attemptsMade: number) => dialerBackoff(attemptsMade) },
        // Trims finished dial jobs (dial jobs carry no removeOn* of their own, see DIAL_WORKER_KEEP).
        ...DIAL_WORKER_KEEP,
        limiter: NO_OP_LIMITER,
        lockDuration: lockDurationMs,
        stalledInterval: lockDurationMs,
        // A re-delivered job never re-dials (its attempt reads `d` → uncertain), so re-delivery is safe;
        // a few stalls are allowed before BullMQ gives up on a job.
        maxStalledCount: 5,
      },
    );
    worker.on('error', (err: Error) => log.warn({ error: err.message }, 'campaign worker error'));
    worker.on('failed', (job: Job<DialJobData> | undefined, err: Error) => {
      log.debug(
        { jobId: job?.id, error: err.message, attemptsMade: job?.attemptsMade },
        'dial job failed (BullMQ will retry if attempts remain)',
      );
    });
    this.#workers.set(id, worker);
    this.rebalance();
    log.info('working on campaign');
  }

  private async closeWorker(id: string): Promise<void> {
    const worker = this.#workers.get(id);
    if (!worker) return;
    this.#workers.delete(id);
    this.rebalance();
    await worker.close();
    this.opts.ctx.logger.info({ campaignId: id }, 'stopped working on campaign');
  }

  /**
   * Jobs each campaign worker may hold at once. Dial-outs in flight are capped by the process-wide
   * semaphore (WORKER_CONCURRENCY); this only bounds how many jobs the process takes in hand, so that with
   * many campaigns one process does not hoard hundreds of jobs other processes could be working on.
   */
  private perCampaignConcurrency(campaigns: number): number {
    const c = this.opts.ctx.config.pacing.workerConcurrency;
    return Math.min(c, Math.max(2, Math.ceil((2 * c) / Math.max(1, campaigns))));
  }

  private rebalance(): void {
    const concurrency = this.perCampaignConcurrency(this.#workers.size);
    for (const worker of this.#workers.values())
      if (worker.concurrency !== concurrency) worker.concurrency = concurrency;
    this.opts.ctx.metrics.campaigns(this.#workers.size);
  }

  /** Stops discovering and closes every campaign worker (each waits for its in-flight jobs). */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#scanning;
    try {
      await this.opts.subscriber.unsubscribe();
    } catch {
      // the connection may already be gone; nothing to clean up then
    }
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all(workers.map((w) => w.close()));
    await Promise.allSettled([...this.#chains.values()]);
  }
}
