import {
  attemptKey,
  contactState,
  decideRedial,
  type AttemptRef,
  type AttemptResultFields,
  type CampaignQueues,
  type CampaignStore,
  type ContactRecord,
  type EndResult,
  type Limits,
  type Logger,
  type Outcome,
} from '@dialer/core';
import type { CampaignSettingsCache } from './campaign-settings-cache.js';
import type { IngesterMetrics } from './ingester-metrics.js';

export interface AttemptEnderDeps {
  store: CampaignStore;
  limits: Limits;
  queues: CampaignQueues;
  settings: CampaignSettingsCache;
  metrics: IngesterMetrics;
  logger: Logger;
}

export interface EndedAttempt {
  result: EndResult | 'unknown-campaign';
  record?: ContactRecord;
}

/**
 * Whether the attempt's live-call slot can be given back. Yes whenever the attempt is over, also on a
 * replay (the first run may have crashed before releasing; releasing is idempotent). No only when the
 * record is still before this attempt's dial-out (q/w at this attempt): that slot, if any, is the
 * worker's, taken for the dial-out it is about to make.
 */
function mayRelease(record: ContactRecord | undefined, attempt: number): boolean {
  if (!record || record.n !== attempt) return true;
  const state = contactState(record);
  return state !== 'queued' && state !== 'waiting';
}

/**
 * The policy's re-dial delay, never past the campaign's `endAt`: a re-dial due later is due at `endAt`, when
 * the worker ends it `expired` (it would not be dialed anyway), so the campaign completes at its end date
 * rather than whenever the last re-dial delay runs out.
 */
function redialDelay(delayMs: number, endAt: string | undefined, now: number): number {
  if (endAt === undefined) return delayMs;
  return Math.max(0, Math.min(delayMs, Date.parse(endAt) - now));
}

/**
 * Ends an attempt the way notifications and the watchdog both need: the atomic `end` transition (with the
 * re-dial policy's delay), the re-dial job for attempt n+1 (deterministic id: a replay re-ensures it,
 * never adds a second), and the live-call slot given back.
 */
export class AttemptEnder {
  constructor(private readonly deps: AttemptEnderDeps) {}

  async end(ref: AttemptRef, outcome: Outcome, fields: AttemptResultFields, now: number): Promise<EndedAttempt> {
    const { store, limits, queues, metrics } = this.deps;
    const settings = await this.deps.settings.get(ref.campaignId);
    if (!settings) return { result: 'unknown-campaign' };
    const decision = decideRedial(outcome, ref.attempt, settings.redial);
    const { result, record, revised } = await store.attempts.end(
      {
        ...ref,
        outcome,
        fields,
        redialDelayMs: decision.redial ? redialDelay(decision.delayMs, settings.endAt, now) : undefined,
        from: 'call',
      },
      now,
    );
    if (mayRelease(record, ref.attempt)) {
      await limits.releaseLive(attemptKey(ref.campaignId, ref.contactId, ref.attempt), {
        campaignId: ref.campaignId,
        trunk: settings.trunk,
      });
    }
    // The job names only contact and attempt: the worker reads every dial parameter from the stored
    // campaign settings and contact record, so the re-dial keeps them all.
    if (result === 'redial' && record)
      await queues.addAttempt(ref.campaignId, ref.contactId, record.n, (record.due ?? now) - now);
    if (result === 'redial-pending' && record) await this.ensureRedial(ref, record, now);
    if (result === 'redial') metrics.redialScheduled();
    if (revised) {
      metrics.lostRevised();
      this.deps.logger.warn(
        { campaignId: ref.campaignId, contactId: ref.contactId, attempt: ref.attempt, outcome: record?.o },
        'notification came after its attempt was declared lost: its outcome replaces lost (a pending re-dial of it is called off)',
      );
    }
    // The stored outcome: a re-dial a cancel cut short ends `cancelled`, not with the attempt's outcome.
    if (result === 'terminal' || result === 'completed' || result === 'redial') metrics.outcome(record?.o ?? outcome);
    return { result, record };
  }

  /**
   * A replay (duplicate notification, the watchdog's re-dial guard) found the re-dial scheduled: make sure
   * its job exists. It is missing only when a process died between `end` and adding it; re-adding it with
   * its deterministic id is a no-op when it does exist.
   */
  private async ensureRedial(ref: AttemptRef, record: ContactRecord, now: number): Promise<void> {
    const { queues, metrics, logger } = this.deps;
    // A failed (or completed) job does not count as present: it never runs again.
    const done = await queues.ensureAttempt(
      ref.campaignId,
      ref.contactId,
      record.n,
      Math.max(0, (record.due ?? now) - now),
    );
    if (done === 'present') return;
    metrics.redialRecovered();
    logger.warn(
      { campaignId: ref.campaignId, contactId: ref.contactId, attempt: record.n, action: done },
      done === 'added'
        ? 're-dial job was missing (a process died before adding it): re-added'
        : 're-dial job had finished without dialing: replaced',
    );
  }
}
