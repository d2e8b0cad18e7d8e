/**
 * One dial job, start to end. The order of steps is what keeps the guarantees:
 *   read (campaign, contact) → dial-time rules → live-call slot → paced instant → dial-time rules again →
 *   `begin` (atomic: campaign running, number on no do-not-call list, q/w → d, deadline) → dial-out →
 *   record the answer.
 * Nothing before `begin` changes the attempt, so any of those steps may be abandoned and the job put back
 * without spending the attempt. After `begin` the attempt is "dialing": a crash there leaves state `d`,
 * which a re-delivered job turns into `uncertain` instead of dialing again (see docs/design.md (Attempt identity)).
 */
import { DelayedError, RateLimitError, WaitingError, type Job } from 'bullmq';
import {
  dialAdmission,
  dialBotId,
  contactLocale,
  contactState,
  createNotifyTokenSigner,
  maskPhone,
  DialerError,
  type AdmissionRequest,
  type BeginOptions,
  type ClaimRequest,
  type DialLocale,
  type CampaignMeta,
  type CampaignSettings,
  type ContactRecord,
  type DialJobData,
  type DialoutRequest,
  type NotifyTokenSigner,
} from '@dialer/core';
import { Attempt } from './dial-attempt.js';
import { JobControl } from './job-control.js';
import { NotPlaced } from './not-placed.js';
import { checkDialTime, DIAL_GUARD_MS, type DialTimeDecision } from './dial-time.js';
import { buildDialoutRequest } from './dial-request.js';
import { Pacer, MAX_LATE_RETRIES, isLate } from './pacer.js';
import type { DialContext } from './dial-context.js';

/** The attempt's live-call slot: taken (held) and whether a call may exist, which keeps it past the job. */
interface Slot {
  held: boolean;
  keep: boolean;
}

const PAUSED_BACKOFF_MS = 1000;
const SUPPRESSED_REASON = 'on the do-not-call list at dial time';
const BUSY_REST_MS = 250;
/** How long after a dial-time check the admission may still claim in its own step (well inside DIAL_GUARD_MS). */
const CLAIM_AFTER_CHECK_MS = 250;

/** BullMQ's put-back signals (JobControl) and the outage retry, which is logged where it is thrown. */
function isControlError(err: unknown): boolean {
  if (err instanceof DelayedError || err instanceof RateLimitError || err instanceof WaitingError) return true;
  return err instanceof DialerError && err.code === 'DIALER_ERR_SAVG_UNAVAILABLE';
}

export class DialProcessor {
  private readonly pacer: Pacer;
  private readonly tokens: NotifyTokenSigner;
  private readonly jobs: JobControl;
  private readonly notPlaced: NotPlaced;

  constructor(private readonly ctx: DialContext) {
    this.jobs = new JobControl(ctx);
    this.notPlaced = new NotPlaced(ctx, this.jobs);
    this.pacer = new Pacer({ ...ctx, admission: ctx.limits });
    const { notify, deploymentId } = ctx.config;
    this.tokens = createNotifyTokenSigner({
      secret: notify.tokenSecret as string,
      audience: deploymentId,
      ttlMs: notify.tokenTtlMs,
    });
  }

  /** The BullMQ processor: resolves with a short result for the job's return value, or throws BullMQ's
   * control errors (Delayed/RateLimit/Waiting) to put the job back without spending the attempt. */
  async process(job: Job<DialJobData>, token: string | undefined): Promise<string> {
    const { semaphore, metrics, signal, logger } = this.ctx;
    const a = new Attempt(job, token, logger);
    try {
      await semaphore.acquire(signal);
    } catch {
      return this.jobs.backToWait(a, 'shutdown');
    }
    metrics.inFlight(1);
    try {
      return await this.run(a);
    } catch (err) {
      // BullMQ retries a failed job silently; say why, or a re-delivery found `dialing` later has no cause in the log.
      if (!isControlError(err))
        a.log.warn({ error: (err as Error).message }, 'dial job failed: BullMQ tries it again after a back-off');
      throw err;
    } finally {
      semaphore.release();
      metrics.inFlight(-1);
    }
  }

  private async run(a: Attempt): Promise<string> {
    const { store, campaigns } = this.ctx;
    const [meta, record] = await Promise.all([
      campaigns.get(a.campaignId),
      store.getContact(a.campaignId, a.contactId),
    ]);
    if (!meta || !record) return this.jobs.done(a, 'noop', 'missing');
    a.phone = maskPhone(record.p);
    const state = contactState(record);
    if (record.n !== a.n || state === 'in-call' || state === 'uncertain' || state === 'ended')
      return this.jobs.done(a, 'noop', `skip:${record.n}:${state}`);
    if (state === 'dialing') return this.redelivered(a);
    if (meta.state === 'cancelled')
      return this.jobs.endBeforeDial(a, 'cancelled', 'campaign cancelled before the call');
    if (meta.state !== 'running') return this.notRunning(a, meta.state);
    // A re-dial is never early, also when its job runs before its delay (given back by the reconciler,
    // promoted in the board): it waits for the due time the policy set.
    if (state === 'waiting' && record.due !== undefined && record.due > Date.now())
      return this.jobs.delayUntil(a, record.due, 're-dial not due yet');

    a.locale = await this.localeOf(record);
    const when = checkDialTime(record, meta.settings, this.ctx.now(), DIAL_GUARD_MS, a.locale);
    if (when.kind !== 'dial') return this.notNow(a, when);
    // The do-not-call lists are checked once, by `begin` after pacing (pacedDial): a check here too would
    // cost every dial-out a round trip to spare a rare late-listed number one instant.
    return this.withLiveSlot(a, meta, record);
  }

  /** A job whose attempt is already dialing: its worker died mid-dial. `begin` marks it uncertain; never re-send. */
  private async redelivered(a: Attempt): Promise<string> {
    // The deadline set by the first delivery's `begin` stands (the request may have left then).
    const { kind } = await this.ctx.store.attempts.begin(a.ref, { deadline: this.beginDeadline(), claim: a.claim });
    a.log.warn(
      { result: kind },
      'job re-delivered while its attempt was dialing: the request may have gone out, not dialing again',
    );
    return this.jobs.done(a, 'redelivered-uncertain', kind);
  }

  private async withLiveSlot(a: Attempt, meta: CampaignMeta, record: ContactRecord): Promise<string> {
    const { limits, config } = this.ctx;
    const settings = meta.settings;
    const admission = dialAdmission(a.ref, settings, config);
    const slot = { held: false, keep: false };
    try {
      return await this.pacedDial(a, settings, record, admission, slot);
    } finally {
      // Whenever no call can exist for this attempt, its slot is given back here; a placed or uncertain
      // call keeps it until its notification (ingester) or the lost-notification watchdog releases it.
      if (slot.held && !slot.keep) await limits.releaseLive(admission.member, admission.scope);
    }
  }

  private async pacedDial(
    a: Attempt,
    settings: CampaignSettings,
    record: ContactRecord,
    admission: AdmissionRequest,
    slot: Slot,
  ): Promise<string> {
    // Everything the request needs is ready before the paced instant, so that little stands between the
    // instant and the request leaving.
    const request = this.prepare(a, settings, record);
    let late = 0;
    // When the dial-time rules were last checked (run() did, just before this).
    let checkedAt = Date.now();
    for (;;) {
      const claim = this.claimWith(a, record, checkedAt);
      const paced = await this.pacer.pace(admission, () => (slot.held = true), late, claim);
      if (paced.kind === 'shutdown') return this.jobs.backToWait(a, 'shutdown');
      // A live-call cap is full: the whole campaign queue rests briefly instead of cycling its jobs.
      if (paced.kind === 'full') return this.jobs.rateLimit(a, 200 + Math.round(this.random() * 200), 'live-cap');
      // The schedule is full for the next second: the campaign queue rests (at least a quarter second: the
      // instants handed out cover the next second, and waking for every freed 1/rate slot would only cycle
      // jobs through the workers) and this job goes back unspent, holding no permit or slot meanwhile.
      if (paced.kind === 'busy') return this.jobs.rateLimit(a, Math.max(paced.retryInMs, BUSY_REST_MS), 'paced');
      let begun = paced.begun;
      if (!begun) {
        // Pacing may have waited a second or more: the window (or the campaign) may have closed meanwhile.
        const when = checkDialTime(record, settings, this.ctx.now(), DIAL_GUARD_MS, a.locale);
        if (when.kind !== 'dial') return this.notNow(a, when);
        checkedAt = Date.now();
        // The contact caps (CONTACT_CAP) count this dial-out before the claim, in their own atomic step: a number
        // dialed often enough lately, by any campaign, waits until a cap allows (never failed, no attempt spent).
        const capped = await this.ctx.caps.reserve(record.p, admission.member);
        if (!capped.ok) return this.heldByCap(a, capped.until);
        // So may the number have been put on a do-not-call list: `begin` checks the lists with the claim (the
        // slot is given back on the way out, no attempt spent), so a number listed before the claim is never dialed.
        begun = await this.ctx.store.attempts.begin(a.ref, this.claimOptions(a, record));
      }
      // A claim that did not happen takes its count back; one another delivery holds (uncertain, in a call)
      // keeps it: it is the same attempt's dial-out.
      const claimedElsewhere = begun.kind === 'uncertain' || begun.kind === 'past';
      if (begun.kind !== 'begun' && !claimedElsewhere) await this.ctx.caps.release(record.p, admission.member);
      if (begun.kind === 'suppressed') return this.jobs.endBeforeDial(a, 'suppressed', SUPPRESSED_REASON);
      if (begun.kind === 'begun') {
        // `begin` itself was slow (Redis busy): the request has not left, so the attempt can be given back
        // and a fresh instant taken rather than sending late (which would bunch dial-outs).
        late = paced.late;
        if (isLate(paced.instant) && late++ < MAX_LATE_RETRIES) {
          this.ctx.metrics.pacingLate();
          await this.ctx.store.attempts.settle(a.ref, 'not-placed');
          continue;
        }
        return this.dial(a, request, slot, record.p, admission.member);
      }
      // Another delivery of this job got here first (uncertain), or the call is live: the slot stays held.
      if (
        begun.kind === 'uncertain' ||
        (begun.kind === 'past' && (begun.state === 'in-call' || begun.state === 'uncertain'))
      ) {
        slot.keep = true;
        return this.jobs.done(a, 'noop', begun.kind === 'past' ? begun.state : begun.kind);
      }
      if (begun.kind === 'not-running') {
        if (begun.state === 'cancelled')
          return this.jobs.endBeforeDial(a, 'cancelled', 'campaign cancelled before the call');
        return this.notRunning(a, begun.state);
      }
      return this.jobs.done(a, 'noop', begun.kind);
    }
  }

  /**
   * The claim the admission may make in its own step when the instant is now, sparing a round trip: only when
   * nothing has to run between the two, i.e. the dial-time rules were checked moments ago (their guard,
   * DIAL_GUARD_MS, covers that moment) and no contact cap has to count the dial-out before its claim.
   */
  private claimWith(a: Attempt, record: ContactRecord, checkedAt: number): ClaimRequest | undefined {
    if (this.ctx.caps.enabled || Date.now() - checkedAt > CLAIM_AFTER_CHECK_MS) return undefined;
    return { ref: a.ref, opts: this.claimOptions(a, record) };
  }

  private claimOptions(a: Attempt, record: ContactRecord): BeginOptions {
    return { deadline: this.beginDeadline(), claim: a.claim, number: record.p };
  }

  /**
   * The watchdog's deadline for an attempt about to be sent: LOST_AFTER_MS counts from the call being placed,
   * and until the answer says it was, the call may be placed as late as the request time-out (a slow gateway,
   * a worker stalled mid-request). `dialed` moves the deadline to LOST_AFTER_MS after the answer.
   */
  private beginDeadline(): number {
    return Date.now() + this.ctx.config.savg.timeoutMs + this.ctx.config.lostAfterMs;
  }

  /** The dial-out body with this attempt's notify URL and `notifyHeaders` (its signed token in both). */
  private prepare(
    a: Attempt,
    settings: CampaignSettings,
    record: ContactRecord,
  ): { botId: string; body: DialoutRequest } {
    const { config } = this.ctx;
    const botId = dialBotId(settings, config);
    const token = this.tokens.sign({ campaignId: a.campaignId, contactId: a.contactId, attempt: a.n });
    return {
      botId,
      body: buildDialoutRequest({
        settings,
        contact: record,
        botId,
        notifyUrl: `${config.notify.baseUrl}/notify/${token}`,
        notifyToken: token,
        apiVersion: config.savg.apiVersion,
      }),
    };
  }

  private async dial(
    a: Attempt,
    request: { botId: string; body: DialoutRequest },
    slot: Slot,
    number: string,
    member: string,
  ): Promise<string> {
    const { savg, metrics, store } = this.ctx;
    // From the moment the request may leave, a failure of ours (e.g. Redis down while recording the answer)
    // must not free the slot of a call that may exist.
    slot.keep = true;
    const started = performance.now();
    const res = await savg.dialOut(request.botId, request.body, this.ctx.config.savg.apiVersion);
    metrics.dialout(res, (performance.now() - started) / 1000);
    if (res.kind === 'placed') {
      this.notPlaced.placed(a.campaignId);
      const now = Date.now();
      await store.attempts.dialed(a.ref, {
        sid: res.sid,
        callId: res.callId,
        now,
        deadline: now + this.ctx.config.lostAfterMs,
      });
      return this.jobs.done(a, 'dialed', 'dialed');
    }
    if (res.kind === 'uncertain') {
      await store.attempts.settle(a.ref, 'uncertain');
      a.log.warn(
        { detail: res.detail },
        'dial-out outcome unknown: the attempt waits for its notification or the watchdog, it is not re-sent',
      );
      return this.jobs.done(a, 'uncertain', 'uncertain');
    }
    slot.keep = false;
    return this.notPlaced.handle(a, res, number, member);
  }

  /** A contact cap is full for this number: the job waits until it frees (held by `cap`), no attempt spent. */
  private async heldByCap(a: Attempt, until: number): Promise<string> {
    await this.ctx.store.attempts.hold(a.ref, 'cap');
    return this.jobs.delayUntil(a, until, 'a contact cap (CONTACT_CAP) is full for this number', 'capped');
  }

  /** The contact's stored locale; one imported before locales were stored gets it from its number, by the same rules. */
  private async localeOf(record: ContactRecord): Promise<DialLocale> {
    const stored = record.lk === undefined ? undefined : await this.ctx.locales.get(record.lk);
    return stored ?? contactLocale({ number: record.p, timezone: record.tz });
  }

  /** Outside the campaign's dates or the contact's calling window: expire, or wait unspent for the opening. */
  private async notNow(a: Attempt, when: Exclude<DialTimeDecision, { kind: 'dial' }>): Promise<string> {
    if (when.kind === 'expire') return this.jobs.endBeforeDial(a, 'expired', when.reason);
    // Held back by its calling rules: recorded (only when the reason changes) for `campaign status` and the report.
    if (when.why) await this.ctx.store.attempts.hold(a.ref, when.why);
    // The decision is in calendar time (the injectable clock); BullMQ's delay runs on the real one. The
    // calendar is read first so that a millisecond ticking between the two reads makes the job due late,
    // never early (early, it would only be delayed again).
    const calendarNow = this.ctx.now();
    return this.jobs.delayUntil(a, Date.now() + (when.untilMs - calendarNow), when.reason);
  }

  /** Paused (or otherwise not running): the job goes back and the campaign queue rests a second, so a
   * paused campaign's jobs are not cycled through the workers. Resuming needs no clean-up. */
  private notRunning(a: Attempt, state: string): Promise<string> {
    a.log.debug({ state }, 'campaign not running: job put back');
    return this.jobs.rateLimit(a, PAUSED_BACKOFF_MS, 'paused');
  }

  private random(): number {
    return (this.ctx.random ?? Math.random)();
  }
}
