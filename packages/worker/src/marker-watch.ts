/**
 * "Which campaigns have new work?" without a connection or a poll per campaign. BullMQ adds to a queue's marker
 * key (a sorted set) whenever a job becomes ready (score 0: added, promoted, put back, recovered from a stall,
 * the queue resumed) or is delayed (score: when the earliest delayed job is due). One connection blocks on the
 * markers of every campaign this process has no work in hand for, in a single BZPOPMIN, plus a key of the
 * process's own that it writes to interrupt the wait when a campaign joins the set. A marker is a hint that
 * stays until someone pops it, so nothing is lost between two waits.
 *
 * Redis Cluster refuses a command over keys of several slots (each campaign has its own), so there the
 * markers are popped one by one, every `clusterPollMs`.
 */
import type { Logger, RedisClient } from '@dialer/core';
import { sleep } from './semaphore.js';

export interface Watched {
  readonly markerKey: string;
}

export interface MarkerWatchOptions<T extends Watched> {
  /** Standalone Redis: a connection of its own (it blocks). Cluster: any connection (it is polled). */
  connection: RedisClient;
  /** For the wake-up writes and for giving markers back. */
  commands: RedisClient;
  /** This process's wake-up key (standalone only). */
  wakeKey: string;
  logger: Logger;
  /** A campaign's marker was popped: `score` 0 means work now, else the time its next delayed job is due. */
  onMarker(item: T, score: number): void;
  /** @defaultValue 1000 */
  clusterPollMs?: number;
}

/** The longest single wait (seconds): the watchdog below abandons a wait that outlives it by far. */
const BLOCK_S = 10;
const WATCHDOG_MS = BLOCK_S * 1000 + 3000;
/** A wake-up re-sends the whole key list: at most this often, so campaigns going idle in a burst cost little. */
const MIN_REISSUE_MS = 50;
const ERROR_PAUSE_MS = 500;

export class MarkerWatch<T extends Watched> {
  readonly #items = new Map<string, T>();
  readonly #cluster: boolean;
  #closed = false;
  #paused = false;
  #blocked = false;
  #wakeSent = false;
  #changed: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  readonly #stop = new AbortController();

  constructor(private readonly opts: MarkerWatchOptions<T>) {
    this.#cluster = opts.connection.isCluster;
  }

  /** Campaigns watched right now. */
  get size(): number {
    return this.#items.size;
  }

  start(): void {
    this.#loop ??= (this.#cluster ? this.pollLoop() : this.blockLoop()).catch((err: unknown) =>
      this.opts.logger.error({ err }, 'marker watch stopped'),
    );
  }

  add(item: T): void {
    if (this.#closed || this.#items.get(item.markerKey) === item) return;
    this.#items.set(item.markerKey, item);
    this.changed();
  }

  delete(item: T): void {
    if (this.#items.get(item.markerKey) === item) this.#items.delete(item.markerKey);
  }

  /**
   * While paused (the process has no room for more jobs) no new wait starts, so markers are left to processes
   * that can take the work; one popped meanwhile is given back.
   */
  setPaused(paused: boolean): void {
    if (this.#paused === paused) return;
    this.#paused = paused;
    if (!paused) this.changed();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    this.#changed?.();
    // A blocked BZPOPMIN holds the loop: the connection is closed by the owner right after (disconnect
    // rejects it); the loop is not awaited here for that reason.
    this.#items.clear();
  }

  /** Waits for the loop to end (after close() and the connection's disconnect). */
  async stopped(): Promise<void> {
    await this.#loop;
  }

  private changed(): void {
    const wake = this.#changed;
    this.#changed = undefined;
    wake?.();
    if (this.#blocked && !this.#wakeSent && !this.#cluster) {
      this.#wakeSent = true;
      const { commands, wakeKey, logger } = this.opts;
      // The wait pops it and the key is gone; the expiry only covers a process that dies in between.
      commands
        .multi()
        .zadd(wakeKey, 0, 'wake')
        .pexpire(wakeKey, 60_000)
        .exec()
        .catch((err: unknown) => logger.debug({ err }, 'could not wake the marker watch'));
    }
  }

  private waitForChange(): Promise<void> {
    return new Promise((resolve) => (this.#changed = resolve));
  }

  private async blockLoop(): Promise<void> {
    const { connection, wakeKey } = this.opts;
    let issuedAt = 0;
    while (!this.#closed) {
      if (this.#paused || this.#items.size === 0) {
        await this.waitForChange();
        continue;
      }
      const wait = Date.now() - issuedAt;
      if (wait < MIN_REISSUE_MS) await sleep(MIN_REISSUE_MS - wait, this.#stop.signal);
      if (this.#closed) break;
      const keys = [...this.#items.keys(), wakeKey];
      issuedAt = Date.now();
      this.#blocked = true;
      this.#wakeSent = false;
      let popped: [string, string, string] | null | 'stuck';
      try {
        popped = await this.withWatchdog(connection.bzpopmin(...keys, BLOCK_S));
      } catch (err) {
        if (this.#closed) break;
        this.opts.logger.warn({ error: (err as Error).message }, 'marker wait failed; retrying');
        await sleep(ERROR_PAUSE_MS, this.#stop.signal);
        continue;
      } finally {
        this.#blocked = false;
      }
      if (popped === 'stuck') {
        // ioredis re-sends a blocking command after a reconnect, and such a command has been seen to never
        // answer: reconnect, so the next wait starts on a healthy connection.
        if (!this.#closed) connection.disconnect(true);
        continue;
      }
      if (popped && popped[0] !== wakeKey) this.popped(popped[0], popped[1], Number(popped[2]));
    }
  }

  private async pollLoop(): Promise<void> {
    const { connection, logger } = this.opts;
    while (!this.#closed) {
      await sleep(this.opts.clusterPollMs ?? 1000, this.#stop.signal);
      if (this.#closed) break;
      if (this.#paused || this.#items.size === 0) continue;
      await Promise.all(
        [...this.#items.keys()].map(async (key) => {
          try {
            const [member, score] = await connection.zpopmin(key);
            if (member !== undefined) this.popped(key, member, Number(score));
          } catch (err) {
            if (!this.#closed) logger.debug({ err, key }, 'marker poll failed');
          }
        }),
      );
    }
  }

  private popped(key: string, member: string, score: number): void {
    const item = this.#items.get(key);
    // Popped while this process has no room, or for a campaign that is fetching meanwhile (its fetch may have
    // come just before the job): given back, for other processes and for this one's next wait. LT: never
    // over a marker BullMQ has since moved earlier.
    if (this.#paused || !item) this.opts.commands.zadd(key, 'LT', score, member).catch(() => undefined);
    if (item) this.opts.onMarker(item, score);
  }

  private async withWatchdog<R>(command: Promise<R>): Promise<R | 'stuck'> {
    command.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), WATCHDOG_MS);
    });
    try {
      return await Promise.race([command, watchdog]);
    } finally {
      clearTimeout(timer);
    }
  }
}
