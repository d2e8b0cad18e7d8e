import { Queue } from 'bullmq';
import { DialerError, NOTIFY_QUEUE, type Keys, type RedisClient } from '@dialer/core';
import {
  MAX_ITEMS_PER_JOB,
  NOTIFY_EVENTS_MAX_LEN,
  NOTIFY_JOB_NAME,
  NOTIFY_JOB_OPTIONS,
  type NotifyItem,
  type NotifyJobData,
} from './notify-job.js';

export interface NotifyHandoffOptions {
  /**
   * How long notifications are collected before one job stores them. 0 (the default) collects what arrives in
   * the same event-loop turn: no added latency when idle, growing batches under load.
   */
  windowMs?: number;
  /** A batch is written at once when it reaches this size. @defaultValue MAX_ITEMS_PER_JOB */
  maxBatch?: number;
  /** A batch Redis has not confirmed within this time is answered 503 (it may still be stored). @defaultValue 2000 */
  timeoutMs?: number;
}

interface Pending {
  item: NotifyItem;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The webhook's durable hand-off: notifications become jobs of the `{notify}` BullMQ queue (one job per
 * batch, see NotifyJobData), and `add` resolves only once Redis confirmed the write.
 *
 * Why a queue: it is durable (Redis, AOF in production), answers in one round trip, and gives the
 * processor retries, stall recovery and visibility in Bull Board for free. Applying the notification in
 * the request itself would tie SAVG's request to several scripts and a re-dial job, and a crash between
 * them would lose work that SAVG never re-sends.
 *
 * Why a fail-fast connection (`createRedis(url, 'request')`: no offline queue, one retry): while Redis is
 * down an add fails at once instead of waiting for a reconnect, so the webhook answers 503 quickly and
 * never 2xx for a notification that was not stored. A 503 may, rarely, be given for a batch Redis did store
 * (a time-out on a slow but alive Redis); that is harmless because applying a notification is idempotent.
 *
 * Why batches: what arrives in one event-loop turn is written as one job in one round trip. Measured:
 * `addBulk` of N jobs costs the webhook as much CPU per notification as N `queue.add` calls (~50 µs); one
 * job carrying N notifications costs ~8 µs each, and Redis runs one script instead of N.
 */
export class NotifyHandoff {
  readonly queue: Queue<NotifyJobData>;
  private pending: Pending[] = [];
  private scheduled = false;
  private inFlight = new Set<Promise<void>>();
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private readonly timeoutMs: number;
  private readonly flushNow = () => this.flush();

  constructor(
    private readonly connection: RedisClient,
    keys: Keys,
    options: NotifyHandoffOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 0;
    this.maxBatch = Math.min(options.maxBatch ?? MAX_ITEMS_PER_JOB, MAX_ITEMS_PER_JOB);
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.queue = new Queue<NotifyJobData>(NOTIFY_QUEUE, {
      connection,
      prefix: keys.notifyQueuePrefix(),
      defaultJobOptions: NOTIFY_JOB_OPTIONS,
      // Nothing reads the queue's event stream (no QueueEvents; Bull Board reads jobs): BullMQ's default of
      // 10,000 entries would keep ~0.6 MB for nobody.
      streams: { events: { maxLen: NOTIFY_EVENTS_MAX_LEN } },
    });
    // Connection errors surface through the adds (→ 503) and /readyz; an unhandled 'error' would crash.
    this.queue.on('error', () => undefined);
  }

  /** Whether Redis is connected now: when it is not, the webhook answers 503 without trying. */
  get available(): boolean {
    return this.connection.status === 'ready';
  }

  /** Stores one notification; resolves once Redis confirmed it, rejects (DIALER_ERR_REDIS) otherwise. */
  add(item: NotifyItem): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        if (this.windowMs > 0) setTimeout(this.flushNow, this.windowMs);
        else setImmediate(this.flushNow);
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const write = this.write(batch);
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  private async write(batch: Pending[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not confirmed within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const data: NotifyJobData = { items: batch.map((p) => p.item) };
      await Promise.race([this.queue.add(NOTIFY_JOB_NAME, data), timeout]);
      for (const p of batch) p.resolve();
    } catch (err) {
      const error = new DialerError(
        'DIALER_ERR_REDIS',
        `notification not stored: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
      for (const p of batch) p.reject(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes what is pending and waits for every write under way (graceful shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.queue.close();
  }
}
