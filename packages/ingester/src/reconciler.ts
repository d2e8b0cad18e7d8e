import { type CampaignQueues, type CampaignStore, type Logger, type StrandedContact } from '@dialer/core';
import type { IngesterMetrics } from './ingester-metrics.js';

export interface ReconcilerDeps {
  store: CampaignStore;
  queues: CampaignQueues;
  metrics: IngesterMetrics;
  logger: Logger;
  /** LOST_AFTER_MS: the deadline a dialing or in-call attempt that lost its own is given. */
  lostAfterMs: number;
  /** RECONCILE_GRACE_MS: contacts that changed more recently are in motion and left alone. */
  graceMs: number;
  /** Contacts looked at per sweep, all campaigns together (bounds the work of one tick). @defaultValue 5000 */
  budget?: number;
  /** Contacts per page (one script call). @defaultValue 500 */
  pageSize?: number;
}

/**
 * The net under every way a contact could be left without a way forward (a job dropped by a cancel while its
 * dial-out failed, a job removed by hand, a job failed for good, a process dying between two steps): a
 * contact that is not terminal needs either a job that will run (queued, waiting for a re-dial) or a deadline
 * the watchdog acts on (dialing, in a call). Each sweep looks at a bounded number of contacts, continuing
 * every campaign's pass where the last sweep (of any process: the cursor is in Redis) left it, and gives each
 * stranded contact its job or deadline back. Any number of processes may run it: re-adding a job with its
 * deterministic id and restoring a deadline with NX are idempotent.
 */
export class Reconciler {
  private readonly log: Logger;
  private next = 0;

  constructor(private readonly deps: ReconcilerDeps) {
    this.log = deps.logger.child({ component: 'reconciler' });
  }

  /**
   * Looks at up to `budget` contacts of the given campaigns, round-robin from where the last sweep stopped;
   * returns how many stranded contacts it gave a way forward.
   */
  async sweep(campaignIds: string[], now: number, isClosing: () => boolean = () => false): Promise<number> {
    const budget = this.deps.budget ?? 5000;
    const pageSize = this.deps.pageSize ?? 500;
    let seen = 0;
    let recovered = 0;
    let idle = 0;
    while (seen < budget && campaignIds.length > 0 && idle < campaignIds.length && !isClosing()) {
      const id = campaignIds[this.next++ % campaignIds.length] as string;
      const { passDone, stranded } = await this.deps.store.findStranded(id, {
        now,
        graceMs: this.deps.graceMs,
        pageSize,
      });
      seen += pageSize;
      // A campaign whose pass just ended is not scanned again in this sweep (small campaigns end at once).
      idle = passDone ? idle + 1 : 0;
      let given = 0;
      for (const contact of stranded) if (await this.recover(id, contact, now)) given++;
      if (given > 0) await this.deps.store.countStranded(id, given);
      recovered += given;
    }
    return recovered;
  }

  private async recover(campaignId: string, c: StrandedContact, now: number): Promise<boolean> {
    const { store, queues, metrics } = this.deps;
    let done: string;
    if (c.waiting) {
      // BullMQ's delay runs on the real clock.
      done = await queues.ensureAttempt(campaignId, c.contactId, c.attempt, Math.max(0, c.due - Date.now()));
      // A worker that found the campaign's queue drained has retired it: tell it work came back.
      if (done !== 'present') await store.publish({ type: 'jobs-restored', campaignId });
    } else {
      const ref = { campaignId, contactId: c.contactId, attempt: c.attempt };
      done = (await store.attempts.restoreDeadline(ref, now + this.deps.lostAfterMs)) ? 'deadline-restored' : 'present';
    }
    // Another process got there first (or the job turned up meanwhile): nothing was missing after all.
    if (done === 'present') return false;
    metrics.strandedRecovered(c.kind);
    this.log.warn(
      { campaignId, contactId: c.contactId, attempt: c.attempt, kind: c.kind, action: done },
      c.waiting
        ? 'stranded contact (no job that will run) given its job back'
        : 'stranded attempt (no deadline) given a deadline',
    );
    return true;
  }
}
