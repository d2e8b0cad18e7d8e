/**
 * A counting semaphore for one process: caps dial-outs in flight across every campaign this process works
 * on (`WORKER_CONCURRENCY`), whatever the number of per-campaign BullMQ workers. Waiters are served FIFO so
 * no campaign starves, and a waiter can give up through an AbortSignal (shutdown).
 */
export class Semaphore {
  #free: number;
  readonly #waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('Semaphore: size must be a positive integer');
    this.#free = size;
  }

  /** Permits currently held. */
  get inUse(): number {
    return this.size - this.#free;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a permit, waiting if none is free; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Gives a permit back (to the longest waiter, if any). */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next.resolve();
    else this.#free = Math.min(this.size, this.#free + 1);
  }
}

/** Sleeps `ms`, waking early (resolving `false`) if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(!signal?.aborted);
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
