/**
 * A dial-out that placed no call (SAVG refused it, throttled it, or it certainly never reached SAVG): the
 * attempt is given back (or the contact ends `rejected`) first, then the job waits, backs off or pauses its
 * campaign, as the answer says. Giving the attempt back before anything else matters: a failure after it
 * (Redis, say) only retries the job, which then dials again, whereas a failure before it would leave the
 * attempt `dialing`, and its retry would take it for a possibly placed call (uncertain: never re-sent).
 */
import { CANCELLED_REASON, DialerError } from '@dialer/core';
import type { Attempt } from './dial-attempt.js';
import type { DialContext } from './dial-context.js';
import type { DialoutResult } from './dialout-result.js';
import type { JobControl } from './job-control.js';

/** The BullMQ transport-retry budget is kept in reserve: past it a job waits this long and tries again. */
const OUTAGE_RETRY_MS = 60_000;
/** A job whose refusal paused its campaign joins the back of the line after this long. */
const CONFIG_RETRY_MS = 1000;

export type NotPlacedResult = Exclude<DialoutResult, { kind: 'placed' | 'uncertain' }>;

export class NotPlaced {
  /** 429s in a row per campaign (the back-off grows with them); a placed call clears its count. */
  readonly #rate429 = new Map<string, number>();

  constructor(
    private readonly ctx: DialContext,
    private readonly jobs: JobControl,
  ) {}

  /** A dial-out of the campaign was placed: its 429 back-off starts over. */
  placed(campaignId: string): void {
    this.#rate429.delete(campaignId);
  }

  /** Handles the answer of a dial-out that placed no call; `number`/`member` name its contact-cap count. */
  async handle(a: Attempt, res: NotPlacedResult, number: string, member: string): Promise<string> {
    const { store } = this.ctx;
    const refusal = await this.refusalOfContact(a, res);
    if (refusal !== undefined)
      await store.attempts.end({ ...a.ref, from: 'dialing', outcome: 'rejected', fields: { rs: refusal } });
    else await store.attempts.settle(a.ref, 'not-placed');
    // No call came of it: it does not count against the contact caps.
    await this.releaseCap(a, number, member);
    // (`res.kind` narrows the type: a `rejected` answer always has a refusal.)
    if (refusal !== undefined || res.kind === 'rejected') {
      a.log.info({ detail: refusal }, 'dial-out rejected by SAVG: contact ends rejected');
      return this.jobs.done(a, 'rejected', 'rejected');
    }
    // A cancel that came while the request was out skipped this contact (it was dialing): end it here, or
    // its job, put back below, would be removed by the cancel and the contact left pending. The state is
    // read after the revert, so either this sees the cancel or the cancel's sweep sees the reverted contact.
    if ((await store.getState(a.campaignId)) === 'cancelled')
      return this.jobs.endBeforeDial(a, 'cancelled', CANCELLED_REASON);
    return this.retryLater(a, res);
  }

  /** Why SAVG refused this contact's own request (not the campaign's), or undefined: the contact ends `rejected`. */
  private async refusalOfContact(a: Attempt, res: DialoutResult): Promise<string | undefined> {
    if (res.kind === 'rejected') return res.detail;
    if (res.kind !== 'config') return undefined;
    // A failed read counts as "not again": the campaign pauses (what a first refusal does), nothing is lost.
    const again = await this.refusedAgain(a).catch(() => false);
    return again
      ? `${res.detail} (again after the campaign was resumed, while other dial-outs were accepted: this contact's request is refused)`
      : undefined;
  }

  /** Gives back a contact-cap count; a failure only leaves the number counted until the cap's window passes. */
  private async releaseCap(a: Attempt, number: string, member: string): Promise<void> {
    try {
      await this.ctx.caps.release(number, member);
    } catch (err) {
      a.log.warn({ error: (err as Error).message }, 'giving back a contact-cap count failed: it expires by itself');
    }
  }

  /**
   * Whether this attempt's refusal already paused the campaign once, and SAVG has accepted other dial-outs since:
   * then the refusal is about this contact, not the campaign, and pausing again on every resume would stop the
   * campaign for one contact's sake.
   */
  private async refusedAgain(a: Attempt): Promise<boolean> {
    const { store } = this.ctx;
    const meta = await store.getCampaign(a.campaignId);
    if (!meta || !store.isPausedBy(meta, a.ref)) return false;
    return (await store.stats(a.campaignId)).placed > (meta.pausedPlaced ?? 0);
  }

  private async retryLater(a: Attempt, res: Exclude<NotPlacedResult, { kind: 'rejected' }>): Promise<string> {
    if (res.kind === 'rate-limited') {
      const k = (this.#rate429.get(a.campaignId) ?? 0) + 1;
      this.#rate429.set(a.campaignId, k);
      const backoff = res.retryAfterMs ?? Math.min(60_000, 1000 * 2 ** (k - 1)) * (0.8 + 0.4 * this.random());
      a.log.warn(
        { backoffMs: Math.round(backoff), retryAfter: res.retryAfterMs !== undefined },
        'SAVG answered 429: the campaign queue backs off',
      );
      return this.jobs.rateLimit(a, backoff, 'rate-limited');
    }
    if (res.kind === 'config') return this.pauseForConfig(a, res.detail);
    const { job } = a;
    this.ctx.metrics.job('unavailable');
    a.log.warn(
      { detail: res.detail, retry: job.attemptsMade + 1 },
      'SAVG unreachable: retrying with back-off, attempt not spent',
    );
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      // Never let an outage fail the job for good (the contact would be stuck queued): keep waiting.
      return this.jobs.delayUntil(a, Date.now() + OUTAGE_RETRY_MS, 'SAVG still unreachable');
    }
    throw new DialerError('DIALER_ERR_SAVG_UNAVAILABLE', `SAVG unavailable: ${res.detail}`);
  }

  /** 401/403 and other configuration answers: pause the campaign (with why) instead of failing every contact. */
  private async pauseForConfig(a: Attempt, reason: string): Promise<string> {
    const { store, queues, campaigns } = this.ctx;
    // Only a running campaign is paused (never turn a cancel into a pause, never overwrite an operator's
    // pause: the state machine refuses both); the queue stops first, then the state says why (so whoever sees
    // `paused` also sees the queue paused).
    const state = await store.getState(a.campaignId);
    if (state === 'running' || state === 'paused') await queues.get(a.campaignId).pause();
    const change = await store.transition(a.campaignId, 'auto-pause', { reason, pausedBy: a.ref });
    // A cancel between the two reads: the queue must flow again so the cancel can end the leftover jobs.
    if (change.state === 'cancelled') await queues.get(a.campaignId).resume();
    campaigns.invalidate(a.campaignId);
    a.log.error({ reason }, 'campaign paused: SAVG refused the dial-out configuration');
    // Back through the delayed set rather than to the head of the line: after a resume the other contacts go
    // first, so if this refusal was about this contact alone, their dial-outs show it (see refusedAgain).
    return this.jobs.delayUntil(
      a,
      Date.now() + CONFIG_RETRY_MS,
      'campaign paused by a refusal of this dial-out',
      'config-paused',
    );
  }

  private random(): number {
    return (this.ctx.random ?? Math.random)();
  }
}
