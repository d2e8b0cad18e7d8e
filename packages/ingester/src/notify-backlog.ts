import { Queue } from 'bullmq';
import { NOTIFY_QUEUE, type Keys, type RedisClient } from '@dialer/core';
import type { NotifyJobData } from './notify-job.js';

/** Job states of notifications stored but not applied yet (a retry waits in `delayed`). */
const PENDING = ['waiting', 'active', 'delayed', 'prioritized'] as const;
/** Jobs looked at per state: the oldest ones, which are all the watermark needs. */
const SAMPLE = 50;

/**
 * The processor's backlog, as seen by the lost-notification watchdog: when the oldest notification still
 * waiting to be applied was received. An attempt whose deadline is not older than that may have its
 * notification in the backlog (stored, answered 2xx, not applied yet: the ingester was restarting, a
 * processor died holding the job, processing lags) and must not be declared lost before it is applied.
 */
export class NotifyBacklog {
  private readonly queue: Queue<NotifyJobData>;

  constructor(connection: RedisClient, keys: Keys) {
    // A reader: it must not rewrite the queue's meta (BullMQ would put the default event-stream length back).
    this.queue = new Queue<NotifyJobData>(NOTIFY_QUEUE, {
      connection,
      prefix: keys.notifyQueuePrefix(),
      skipMetasUpdate: true,
    });
    this.queue.on('error', () => undefined);
  }

  /** Receipt time (ms epoch) of the oldest pending notification, or undefined when none is pending. */
  async oldest(): Promise<number | undefined> {
    let oldest: number | undefined;
    for (const state of PENDING) {
      for (const job of await this.queue.getJobs([state], 0, SAMPLE - 1, true)) {
        const received = Math.min(job.timestamp, ...(job.data?.items ?? []).map((i) => i.r));
        if (Number.isFinite(received)) oldest = Math.min(oldest ?? received, received);
      }
    }
    return oldest;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
