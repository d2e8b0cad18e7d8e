import type { JobsOptions } from 'bullmq';
import type { SavgNotification } from '@dialer/core';

/**
 * One notification as the webhook hands it to the processor: the attempt the token named and the
 * notification already validated and normalized (so the processor never re-parses wire spellings).
 */
export interface NotifyItem {
  /** Campaign id. */
  c: string;
  /** Contact id. */
  k: string;
  /** Attempt number. */
  n: number;
  /** The normalized notification. */
  b: SavgNotification;
  /** When the webhook received it (ms epoch): the processing-latency metric starts here. */
  r: number;
}

/**
 * A job of the `{notify}` queue: the notifications that arrived together (one event-loop turn), in arrival
 * order. One job per batch instead of one per notification: BullMQ's per-job cost (~50 µs of CPU in the
 * webhook, a Lua script in Redis) is then shared by the whole batch, which is what lets the webhook — which
 * also verifies a token and validates a body — outrun a naive `queue.add` per request. Each notification
 * is still stored before its 2xx, and applying one is idempotent, so a retried batch is harmless.
 */
export interface NotifyJobData {
  items: NotifyItem[];
}

/** Most notifications one job carries (a job stays a few tens of kB). */
export const MAX_ITEMS_PER_JOB = 128;

export const NOTIFY_JOB_NAME = 'notification';

/** Processing is idempotent (atomic, replay-safe transitions), so a failed job is simply retried. */
export const NOTIFY_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
};

/**
 * Retention, set on the processor's Worker rather than on every job (the webhook then packs less per job).
 * Completed jobs are trimmed hard: at 1,000 notifications/s an hour of history would be millions of
 * hashes, and the result already lives in the contact record. A job is a batch (up to 128 notifications,
 * ~50 kB under load), so 100 of them is already plenty to look at in Bull Board and bounds what they keep
 * to a few MB (1,000 kept ~2 MB at low load and up to ~50 MB at saturation: P5 benchmark).
 */
export const NOTIFY_RETENTION = {
  removeOnComplete: { age: 3600, count: 100 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const;

/** Length of the `{notify}` queue's event stream (BullMQ trims it on every add). */
export const NOTIFY_EVENTS_MAX_LEN = 1000;
