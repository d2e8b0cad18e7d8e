import { Queue, type BackoffOptions, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { RedisClient } from './redis.js';
import { attemptJobId, type Keys } from './store/keys.js';
import { defineStoreCommands } from './store/scripts.js';

/** What a dial job carries: only the attempt's identity. Everything else lives in the contact record. */
export interface DialJobData {
  /** Contact id. */
  c: string;
  /** Attempt number (1-based). */
  n: number;
}

export const DIAL_JOB_NAME = 'dial';

/** Completed jobs are trimmed: results live in the compact contact records (see docs/design.md (How the processes talk through Redis)). */
export const KEEP_COMPLETED = { age: 3600, count: 1000 } as const;
export const KEEP_FAILED = { age: 7 * 24 * 3600, count: 10_000 } as const;

/**
 * Options every Worker of a dial queue must carry. The trimming lives here rather than in each job's opts:
 * BullMQ applies a Worker's removeOnComplete/removeOnFail to every job that has none of its own, and
 * a million pending jobs then do not store the same 90 bytes a million times (jobs added by older
 * versions keep their own options, which win).
 */
export const DIAL_WORKER_KEEP = { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } as const;

/**
 * A back-off without a type name: BullMQ hands every type it has no built-in for (an absent one too) to the
 * Worker's `settings.backoffStrategy`, i.e. dialerBackoff. Leaving the name out keeps a queued job's stored
 * opts under Redis' `hash-max-listpack-value` (64 bytes), so the job hash stays a compact listpack
 * (≈ 280 bytes instead of ≈ 600 as a hashtable).
 */
const WORKER_BACKOFF = {} as BackoffOptions;

/** Options of the job for attempt n: the deterministic job id makes re-adding it a no-op. */
export function dialJobOptions(contactId: string, attempt: number, delayMs = 0): JobsOptions {
  const opts: JobsOptions = {
    jobId: attemptJobId(contactId, attempt),
    // Transport failures (SAVG unreachable, 502/503/504) are retried by BullMQ without spending an attempt.
    attempts: 50,
    backoff: WORKER_BACKOFF,
  };
  // `delay: 0` would only add bytes to every stored job.
  const delay = Math.round(delayMs);
  if (delay > 0) opts.delay = delay;
  return opts;
}

/**
 * Length of each campaign queue's event stream (BullMQ trims it on every write). Nothing of ours reads it (no
 * QueueEvents; Bull Board reads jobs), and BullMQ's default of 10,000 entries keeps ~0.75 MB per campaign.
 */
export const DIAL_EVENTS_MAX_LEN = 1000;

/**
 * One BullMQ queue per campaign (queue name = campaign id), cached per process. Every instance states the
 * stream length: BullMQ writes it into the queue's meta whenever a Queue is created, so one created without
 * it would put the default back.
 */
export class CampaignQueues {
  private readonly queues = new Map<string, Queue<DialJobData>>();

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly keys: Keys,
  ) {}

  get(campaignId: string): Queue<DialJobData> {
    let q = this.queues.get(campaignId);
    if (!q) {
      q = new Queue<DialJobData>(campaignId, {
        connection: this.connection,
        prefix: this.keys.campaignQueuePrefix(campaignId),
        streams: { events: { maxLen: DIAL_EVENTS_MAX_LEN } },
      });
      // A Queue re-emits its connection's errors, and BullMQ prints them to the console when nobody listens;
      // every process logs its connections' errors itself (once per connection, not once per campaign).
      q.on('error', () => undefined);
      this.queues.set(campaignId, q);
    }
    return q;
  }

  /** Adds (or re-ensures) the job for attempt n of a contact. */
  async addAttempt(campaignId: string, contactId: string, attempt: number, delayMs = 0): Promise<void> {
    await this.get(campaignId).add(
      DIAL_JOB_NAME,
      { c: contactId, n: attempt },
      dialJobOptions(contactId, attempt, delayMs),
    );
  }

  /**
   * Makes sure attempt n has a job that will run: adds it when missing, and replaces one that has finished
   * (failed for good, or completed) since a finished job never runs again and would block re-adding its id.
   * Only for an attempt whose contact is still queued or waiting for it (the caller checked). Safe when several
   * processes do it at once: the id is deterministic, so at most one job exists.
   */
  async ensureAttempt(
    campaignId: string,
    contactId: string,
    attempt: number,
    delayMs = 0,
  ): Promise<'present' | 'added' | 'replaced'> {
    const queue = this.get(campaignId);
    const jobId = attemptJobId(contactId, attempt);
    const job = await queue.getJob(jobId);
    if (job && !job.finishedOn) return 'present';
    if (job) await queue.remove(jobId);
    await this.addAttempt(campaignId, contactId, attempt, delayMs);
    return job ? 'replaced' : 'added';
  }

  /**
   * Drops the cached queue of a campaign this process no longer works on, so that the cache does not grow with
   * every campaign ever seen (a later `get` creates it again). On a shared connection closing it closes nothing.
   */
  async forget(campaignId: string): Promise<void> {
    const q = this.queues.get(campaignId);
    if (!q) return;
    this.queues.delete(campaignId);
    await q.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/**
 * The back-off for transport retries (see WORKER_BACKOFF): exponential from 1 s, capped at 60 s, with full jitter
 * so that many workers retrying after an outage do not hit SAVG in lockstep. Pass as the workers'
 * `settings.backoffStrategy`.
 */
export function dialerBackoff(attemptsMade: number, random: () => number = Math.random): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * Adds the first-attempt jobs of a chunk of contacts in one script (lua/add-jobs.lua): the same jobs, events
 * and wait-list order as `queue.addBulk` of `dialJobOptions(contact, 1)` jobs, whose one script per job was
 * most of a large import's time. A job whose id exists is left as it is. Resolves with the number added.
 */
export async function addFirstAttempts(
  redis: RedisClient,
  queue: Queue<DialJobData>,
  contactIds: readonly string[],
  now = Date.now(),
): Promise<number> {
  if (contactIds.length === 0) return 0;
  defineStoreCommands(redis);
  // The options every first attempt shares; the script sets each job's own id in them.
  const shared: JobsOptions = { ...dialJobOptions('', 1) };
  delete shared.jobId;
  const pairs: string[] = [];
  for (const c of contactIds) pairs.push(attemptJobId(c, 1), JSON.stringify({ c, n: 1 } satisfies DialJobData));
  const k = queue.keys;
  return redis.dialerAddJobs(
    k.wait,
    k.meta,
    k.id,
    k.active,
    k.events,
    k.marker,
    queue.toKey(''),
    DIAL_JOB_NAME,
    now,
    JSON.stringify(shared),
    ...pairs,
  );
}
