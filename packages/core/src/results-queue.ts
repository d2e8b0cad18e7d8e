/**
 * The results webhook's BullMQ queue (`results`, its own `{results}` slot): one job per delivery, its id the
 * delivery id, so moving an outbox entry twice (a crash between queueing and trimming, two movers) queues it once.
 * Delivered jobs are trimmed (bounded), finally failed ones kept a week for `dialer results redeliver`.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { DialerConfig } from './config.js';
import type { RedisClient } from './redis.js';
import type { Keys } from './store/keys.js';
import { RESULTS_QUEUE } from './store/keys.js';
import { retryTries } from './results-delivery.js';

export const RESULTS_JOB_NAMES = { contact: 'contact', attempt: 'attempt' } as const;
export const RESULTS_KEEP_COMPLETED = { age: 3600, count: 1000 } as const;
export const RESULTS_KEEP_FAILED = { age: 7 * 24 * 3600, count: 100_000 } as const;

/** The results queue (a reader and adder: it does not run jobs). */
export function openResultsQueue(connection: RedisClient, keys: Keys): Queue {
  return new Queue(RESULTS_QUEUE, { connection, prefix: keys.resultsQueuePrefix() });
}

/**
 * A delivery's job options: as many tries as fit in RESULTS_RETRY_WINDOW_MS, the waits from the deliverer's
 * backoff strategy (no type name: BullMQ hands it to the Worker's `backoffStrategy`).
 */
export function resultJobOptions(jobId: string, config: DialerConfig['results']): JobsOptions {
  return {
    jobId,
    attempts: retryTries(config.retryBaseMs, config.retryWindowMs),
    backoff: { type: 'results' },
    removeOnComplete: RESULTS_KEEP_COMPLETED,
    removeOnFail: RESULTS_KEEP_FAILED,
  };
}

/**
 * Sends again every delivery of a campaign that finally failed (`dialer results redeliver`): each gets the whole
 * retry schedule again, under the same delivery id. Returns how many.
 */
export async function redeliverFailed(queue: Queue, campaignId: string): Promise<number> {
  let redelivered = 0;
  const page = 500;
  // Retrying moves jobs out of the failed set: read from the start until a page has none of this campaign left.
  for (let start = 0; ;) {
    const jobs = await queue.getFailed(start, start + page - 1);
    if (jobs.length === 0) break;
    let moved = 0;
    for (const job of jobs) {
      const data = job.data as { campaignId?: unknown };
      if (data.campaignId !== campaignId) continue;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      moved += 1;
    }
    redelivered += moved;
    start += jobs.length - moved;
  }
  return redelivered;
}

/** Job states of a delivery not yet made (a retry waits in `delayed`). */
const UNDELIVERED = ['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'] as const;

/**
 * How many of a campaign's deliveries are queued and not yet made or finally failed: a campaign is not deleted
 * under them (its webhook settings go with it). Reads job ids only, a page at a time; delivery ids start with
 * `<campaign>/`.
 */
export async function undeliveredCount(queue: Queue, campaignId: string): Promise<number> {
  const page = 1000;
  let count = 0;
  for (const state of UNDELIVERED) {
    for (let start = 0; ; start += page) {
      const ids = await queue.getRanges([state], start, start + page - 1, true);
      count += ids.filter((id) => id.startsWith(`${campaignId}/`)).length;
      if (ids.length < page) break;
    }
  }
  return count;
}
