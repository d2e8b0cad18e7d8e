/**
 * One campaign queue as a worker process works it: a BullMQ `Worker` that never runs its own fetch loop and
 * has no connection of its own. It shares the process's BullMQ connection (no dedicated blocking connection:
 * nothing here blocks), and the process's LaneScheduler tells it when to fetch. What stays BullMQ's: the
 * atomic fetch (`moveToActive`: lock, delayed-job promotion, the queue's pause and rate limit), and what
 * happens to a job once the processor is done with it (`processJob`: completed, failed and retried with
 * `dialerBackoff`, or put back by the RateLimitError, DelayedError and WaitingError the processor throws).
 */
import { Worker, createRedisBackend, type Job, type JobJson } from 'bullmq';
import { DIAL_WORKER_KEEP, dialerBackoff, type DialJobData, type RedisClient } from '@dialer/core';

export type DialJob = Job<DialJobData, string>;

/** What one non-blocking fetch found. */
export type FetchResult =
  | { kind: 'job'; job: DialJob; token: string }
  /** The queue is rate-limited (`queue.rateLimit`: a 429, a full live-call cap, a paused campaign) until then. */
  | { kind: 'limited'; until: number }
  /** Nothing is waiting; the next delayed job is due then. */
  | { kind: 'delayed'; until: number }
  /** Nothing is waiting or delayed (a paused queue: nothing delayed). */
  | { kind: 'empty' };

export interface CampaignLaneOptions {
  campaignId: string;
  /** The BullMQ `prefix` of the campaign's queue. */
  prefix: string;
  /** The process's shared BullMQ connection. */
  connection: RedisClient;
  /** Job lock; also the stalled-check interval (the scheduler runs the checks). */
  lockDurationMs: number;
  process(job: DialJob, token: string): Promise<string>;
}

// BullMQ honours a manual rate limit (429, live-call cap, paused campaign) only on a worker that has a
// limiter; this one never limits by itself: pacing is the smooth cross-campaign limiter in @dialer/core.
const NO_OP_LIMITER = { max: 1_000_000, duration: 1000 };

export class CampaignLane extends Worker<DialJobData, string> {
  readonly campaignId: string;
  /** Jobs of this queue in this process's hands: id → lock token and when the lock was last set. */
  readonly held = new Map<string, { token: string; lockedAt: number }>();
  #tokens = 0;

  constructor(opts: CampaignLaneOptions) {
    super(
      opts.campaignId,
      (job: DialJob, token?: string) => opts.process(job, token as string),
      {
        connection: opts.connection,
        prefix: opts.prefix,
        autorun: false,
        // BullMQ passes (attemptsMade, type, err, job): only the first is dialerBackoff's.
        settings: { backoffStrategy: (attemptsMade: number) => dialerBackoff(attemptsMade) },
        // Trims finished dial jobs (dial jobs carry no removeOn* of their own, see DIAL_WORKER_KEEP).
        ...DIAL_WORKER_KEEP,
        limiter: NO_OP_LIMITER,
        lockDuration: opts.lockDurationMs,
        stalledInterval: opts.lockDurationMs,
        // A re-delivered job never re-dials (its attempt reads `d` → uncertain), so re-delivery is safe;
        // a few stalls are allowed before BullMQ gives up on a job.
        maxStalledCount: 5,
      },
      // The shared connection only: BullMQ would otherwise open a blocking connection per queue.
      (name, options) => createRedisBackend(name, options, {}),
    );
    this.campaignId = opts.campaignId;
  }

  /** The queue's marker key: BullMQ adds to it whenever a job becomes ready (score 0) or is delayed (its due time). */
  get markerKey(): string {
    return this.keys.marker as string;
  }

  /** A lock token of its own for each delivery (the processor's claim on the attempt). */
  nextToken(): string {
    return `${this.id}:${++this.#tokens}`;
  }

  /** Takes the next job without blocking, or says when to look again. */
  async fetch(token: string): Promise<FetchResult> {
    const [data, id, limitDelay, delayUntil] = (await this.getBackend().moveToActive(token, this.opts.name)) as [
      JobJson | null | undefined,
      string | undefined,
      number | string | undefined,
      number | string | undefined,
    ];
    if (data) {
      const job = await this.nextJobFromJobData(data, id, token);
      if (job) return { kind: 'job', job, token };
    }
    if (Number(limitDelay) > 0) return { kind: 'limited', until: Date.now() + Number(limitDelay) };
    if (Number(delayUntil) > 0) return { kind: 'delayed', until: Number(delayUntil) };
    // A paused queue answers before looking at its delayed jobs, but promotes those due when fetched (a job
    // delayed by the refusal that paused the campaign joins the line then): look at them here.
    const client = await this.getBackend().client;
    const [, score] = await client.zrange(this.keys.delayed as string, 0, 0, { WITHSCORES: true });
    // BullMQ scores delayed jobs as (due time · 0x1000 + a counter).
    if (score !== undefined) return { kind: 'delayed', until: Math.floor(Number(score) / 0x1000) };
    return { kind: 'empty' };
  }

  /**
   * Runs the processor on a fetched job and finishes it as BullMQ's own loop does. When `fetchNext()` says so at
   * that moment, the same call takes this queue's next job (with the same token, as BullMQ's loop does: one
   * round trip instead of two) and returns it.
   */
  async runJob(job: DialJob, token: string, fetchNext: () => boolean): Promise<DialJob | undefined> {
    this.held.set(job.id as string, { token, lockedAt: Date.now() });
    try {
      return (await this.processJob(job, token, fetchNext)) ?? undefined;
    } finally {
      this.held.delete(job.id as string);
    }
  }

  /** Extends the locks of the jobs in hand set before `olderThan`; returns the ids whose lock was lost. */
  async renewLocks(olderThan: number): Promise<string[]> {
    const ids: string[] = [];
    const tokens: string[] = [];
    const now = Date.now();
    for (const [id, h] of this.held) {
      if (h.lockedAt > olderThan) continue;
      ids.push(id);
      tokens.push(h.token);
      h.lockedAt = now;
    }
    if (ids.length === 0) return [];
    return this.extendJobLocks(ids, tokens, this.opts.lockDuration as number);
  }

  /** BullMQ's stalled-job check of this queue (a no-op when another process ran it within the interval). */
  checkStalled(): Promise<string[]> {
    return this.getBackend().moveStalledJobsToWait();
  }
}
