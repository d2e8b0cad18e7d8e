import type { Logger } from '@dialer/core';

/**
 * A warning that may repeat thousands of times a second (a flood of forged notify requests) is logged at
 * most once per interval: the first occurrence at once, with its reason, then while they keep coming one
 * summary line per interval with how many came since, by reason. Counting is the metrics' job; the log
 * only has to say that it is happening, without filling the disk or slowing the webhook.
 */
export class ThrottledWarning {
  private readonly counts = new Map<string, number>();
  private suppressed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs: number,
  ) {}

  note(reason: string): void {
    if (!this.timer) {
      this.log.warn({ reason }, this.message);
      this.openWindow();
      return;
    }
    this.suppressed++;
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  /** Logs what the current window held back (if anything); no more lines after this. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.summarize();
  }

  private openWindow(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Still coming: one summary now, and the next at the end of a new window.
      if (this.summarize()) this.openWindow();
    }, this.intervalMs);
    this.timer.unref();
  }

  private summarize(): boolean {
    if (this.suppressed === 0) return false;
    this.log.warn(
      { count: this.suppressed, reasons: Object.fromEntries(this.counts), intervalMs: this.intervalMs },
      `${this.message} (more since the last line)`,
    );
    this.suppressed = 0;
    this.counts.clear();
    return true;
  }
}
