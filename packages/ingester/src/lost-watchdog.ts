import type { AttemptRef, CampaignStore, Logger } from '@dialer/core';
import type { AttemptEnder } from './attempt-ender.js';
import type { IngesterMetrics } from './ingester-metrics.js';
import type { Reconciler } from './reconciler.js';

export interface LostWatchdogDeps {
  store: CampaignStore;
  ender: AttemptEnder;
  metrics: IngesterMetrics;
  logger: Logger;
  /** Pause between sweeps (WATCHDOG_INTERVAL_MS). */
  intervalMs: number;
  /** LOST_AFTER_MS: for the logs, and the longest the backlog may hold the watchdog back. */
  lostAfterMs: number;
  /** Receipt time of the oldest notification stored but not yet applied (see NotifyBacklog). */
  backlog?: () => Promise<number | undefined>;
  /** Gives stranded contacts a way forward, a bounded share of every campaign per sweep. */
  reconciler?: Reconciler;
  now?: () => number;
}

export const LOST_REASON = 'no notification within LOST_AFTER_MS';

const PAGE = 500;
// Bounds one campaign's share of a sweep; the rest waits for the next one.
const MAX_PAGES = 100;
const CONCURRENCY = 20;

/**
 * Turns attempts that got no terminal notification before their deadline (set at dial time to now +
 * LOST_AFTER_MS; uncertain attempts keep theirs) into outcome `lost`, which the re-dial policy may re-dial,
 * and gives their live-call slot back. Any number of ingester replicas may sweep at once: `end` is atomic
 * and idempotent, so an attempt is declared lost once and re-dialed at most once.
 *
 * A notification stored before an attempt's deadline but not applied yet (the ingester restarting, a
 * processor that died holding its job, a processing lag) holds that attempt back: the sweep only acts on
 * deadlines older than the oldest pending notification (at most LOST_AFTER_MS behind), so a notification
 * answered 2xx is applied rather than overtaken by `lost`.
 *
 * The same sweep guards re-dials: an attempt that ended with a re-dial leaves its member in the deadlines
 * set at `due + REDIAL_GUARD_MS` (removed when the re-dial begins). When it comes due the re-dial has not
 * started; `end` answers `redial-pending` and the ender re-adds the job if a crash lost it.
 */
export class LostWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private started = false;
  private overrun = false;
  private closing = false;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: LostWatchdogDeps) {
    this.log = deps.logger.child({ component: 'watchdog' });
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.closing) return;
    this.timer = setTimeout(() => {
      void this.tick()
        .catch((err: unknown) => this.log.error({ err }, 'watchdog sweep failed'))
        .finally(() => this.schedule());
    }, this.deps.intervalMs);
  }

  /** One sweep over every campaign; returns how many attempts it declared lost. Overlapping calls share a sweep. */
  tick(): Promise<number> {
    if (!this.running) {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async sweep(): Promise<number> {
    let lost = 0;
    const horizon = await this.horizon();
    const ids = await this.deps.store.listCampaignIds();
    for (const campaignId of ids) {
      if (this.closing) break;
      lost += await this.sweepCampaign(campaignId, horizon);
    }
    await this.reconcile(ids);
    return lost;
  }

  /** The reconciler's share of the sweep: campaigns that may still have contacts to end (not completed). */
  private async reconcile(ids: string[]): Promise<void> {
    const { reconciler, store } = this.deps;
    if (!reconciler || this.closing) return;
    const states = await Promise.all(ids.map((id) => store.getState(id)));
    const open = ids.filter((_id, i) => states[i] !== undefined && states[i] !== 'completed');
    await reconciler.sweep(open, this.now(), () => this.closing);
  }

  /**
   * Deadlines up to this instant may be acted on: now, unless notifications received earlier are still
   * waiting to be applied (one of them may end the attempt). The backlog holds the sweep back at most
   * LOST_AFTER_MS, so a stuck job cannot keep every slot taken for good.
   */
  private async horizon(): Promise<number> {
    const now = this.now();
    const oldest = await this.deps.backlog?.();
    const age = oldest === undefined || oldest > now ? 0 : now - oldest;
    this.deps.metrics.notifyBacklog(age);
    this.noteOverrun(age);
    if (age === 0) return now;
    if (age >= 1000) this.log.debug({ backlogMs: age }, 'notifications waiting to be applied: older deadlines only');
    return Math.max(now - age - 1, now - this.deps.lostAfterMs);
  }

  /**
   * A backlog older than LOST_AFTER_MS no longer holds the sweep back: from then on an attempt whose
   * notification is still waiting may end `lost` (and be re-dialed) before it is applied. That must never
   * pass silently: one warning when it starts, one when it is over.
   */
  private noteOverrun(age: number): void {
    const over = age > this.deps.lostAfterMs;
    if (over === this.overrun) return;
    this.overrun = over;
    if (over) {
      this.log.warn(
        { backlogMs: age, lostAfterMs: this.deps.lostAfterMs },
        'notification processing lags more than LOST_AFTER_MS: attempts whose notification still waits may be declared lost',
      );
    } else this.log.info({ lostAfterMs: this.deps.lostAfterMs }, 'notification backlog back under LOST_AFTER_MS');
  }

  private async sweepCampaign(campaignId: string, horizon: number): Promise<number> {
    let lost = 0;
    for (let page = 0; page < MAX_PAGES && !this.closing; page++) {
      const due = await this.deps.store.attempts.dueDeadlines(campaignId, horizon, PAGE);
      // A few at a time: after an outage thousands may be due, each a handful of round trips.
      for (let i = 0; i < due.length; i += CONCURRENCY) {
        const chunk = due.slice(i, i + CONCURRENCY);
        const declared = await Promise.all(chunk.map((ref) => this.declareLost(ref, horizon)));
        lost += declared.filter(Boolean).length;
      }
      if (due.length < PAGE) break;
    }
    return lost;
  }

  private async declareLost(ref: AttemptRef, horizon: number): Promise<boolean> {
    const { result, record } = await this.deps.ender.end(ref, 'lost', { rs: LOST_REASON }, this.now());
    this.deps.metrics.applied(result);
    const log = this.log.child({ campaignId: ref.campaignId, contactId: ref.contactId, attempt: ref.attempt });
    if (result === 'terminal' || result === 'completed' || result === 'redial') {
      this.deps.metrics.lostDeclared();
      log.info(
        { lostAfterMs: this.deps.lostAfterMs, result, nextAttempt: result === 'redial' ? record?.n : undefined },
        'attempt lost: no notification in time',
      );
      return true;
    }
    // Nothing left to end (already over — the re-dial re-ensured if one was pending —, or the contact is
    // gone): drop the orphaned deadline so it is not revisited on every sweep.
    await this.deps.store.attempts.dropDueDeadline(ref, horizon);
    log.debug({ result }, 'stale deadline dropped');
    return false;
  }

  /** Stops sweeping and waits for a sweep under way. */
  async stop(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
