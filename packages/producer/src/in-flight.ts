/**
 * Lets up to `max` tasks run at once: the reader keeps parsing while earlier chunks travel to Redis, and
 * stops reading (back-pressure) while `max` are outstanding, so memory stays bounded. The first failure
 * is re-thrown to the reader at its next `add` or at `drain`.
 */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private failed = false;
  private failure: unknown;

  constructor(private readonly max: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    const p: Promise<void> = task().then(
      () => {
        this.running.delete(p);
      },
      (err: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.failure = err;
        }
        this.running.delete(p);
      },
    );
    this.running.add(p);
    while (this.running.size >= this.max) {
      await Promise.race(this.running);
      this.throwIfFailed();
    }
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.throwIfFailed();
  }

  /** Waits for every task without throwing (clean-up after a failure elsewhere). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private throwIfFailed(): void {
    if (this.failed) throw this.failure;
  }
}
