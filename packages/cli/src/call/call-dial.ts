/**
 * The one dial-out of a test call, the way a worker makes it (see the worker's dial processor): the live-call
 * slot and the paced instant under every rate (Limits.admit: global, campaign, the bot's quotas), the calling
 * rules again after pacing, the contact caps, the atomic claim (`begin`: campaign running, number on no
 * do-not-call list), the request, and its answer recorded. It is run in this process for this one contact
 * because a worker cannot be told to work on one campaign only: an in-process worker would dial every
 * running campaign. Unlike a worker it never retries: whatever keeps the call from being placed ends the
 * contact, so the test campaign is never left with a contact some worker would dial later.
 */
import { randomUUID } from 'node:crypto';
import type {
  AttemptRef,
  CampaignSettings,
  CampaignStore,
  ContactCaps,
  ContactRecord,
  DialLocale,
  DialerConfig,
  Limits,
  Outcome,
} from '@dialer/core';
import type { DialoutResult, SavgClient } from '@dialer/worker';

export interface DialDeps {
  core: typeof import('@dialer/core');
  worker: typeof import('@dialer/worker');
  config: DialerConfig;
  store: CampaignStore;
  limits: Limits;
  caps: ContactCaps;
  savg: SavgClient;
  settings: CampaignSettings;
  record: ContactRecord;
  locale: DialLocale;
  ref: AttemptRef;
  signal: AbortSignal;
  /**
   * Until when (ms epoch) it may wait for a live-call slot and its paced instant: within the time-out, and well
   * within RECONCILE_GRACE_MS, after which the reconciler would give the job-less contact a job a worker dials.
   */
  waitUntil: number;
  /** Says why the dial-out waits (a live-call cap is full). */
  onWait: (text: string) => void;
}

export type DialStep =
  /** Not dialed, and the contact ended (`cancelled`, or `suppressed`) with this reason. */
  | { kind: 'refused'; reason: string; interrupted?: true }
  /** The request went: the gateway's answer (token-free) and how long it took. */
  | { kind: 'sent'; result: DialoutResult; ms: number };

const FULL_SCOPES: Record<number, string> = {
  1: 'the global live-call cap (MAX_LIVE_CALLS, or dialer limits set), every campaign together',
  2: "the campaign's maxLiveCalls",
  3: "the trunk's maxLiveCallsPerTrunk",
};
const FULL_RETRY_MS = 500;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done);
  });
}

/** Places the test call's one dial-out; see the module comment. */
export async function dialOnce(d: DialDeps): Promise<DialStep> {
  const { config, settings, ref } = d;
  const admission = d.core.dialAdmission(ref, settings, config);
  const { member } = admission;
  const botId = d.core.dialBotId(settings, config);
  let held = false;
  let keep = false;
  let waitSaid = false;
  try {
    for (;;) {
      if (d.signal.aborted) return await interrupted(d);
      if (Date.now() >= d.waitUntil)
        return await endUndialed(
          d,
          'cancelled',
          'no live-call slot or paced instant came free in time: try again later',
        );
      const adm = await d.limits.admit(admission);
      if (adm.kind === 'full') {
        if (!waitSaid) d.onWait(`a live-call cap is full (${FULL_SCOPES[adm.scope] ?? 'a cap'}): waiting for a slot`);
        waitSaid = true;
        await sleep(FULL_RETRY_MS, d.signal);
        continue;
      }
      if (adm.kind === 'busy') {
        await sleep(Math.max(50, adm.retryInMs), d.signal);
        continue;
      }
      held = true;
      await sleep(adm.waitMs, d.signal);
      if (d.signal.aborted) return await interrupted(d);
      // Pacing may have waited: the window (or the campaign's dates) may have closed meanwhile.
      const when = d.worker.checkDialTime(d.record, settings, Date.now(), d.worker.DIAL_GUARD_MS, d.locale);
      if (when.kind !== 'dial') return await endUndialed(d, 'cancelled', `not dialed: ${when.reason}`);
      const capped = await d.caps.reserve(d.record.p, member);
      if (!capped.ok) {
        const until = new Date(capped.until).toISOString();
        return await endUndialed(d, 'cancelled', `a contact cap (CONTACT_CAP) is full for this number until ${until}`);
      }
      const begun = await d.store.attempts.begin(ref, {
        deadline: Date.now() + config.savg.timeoutMs + config.lostAfterMs,
        claim: randomUUID(),
        number: d.record.p,
      });
      if (begun.kind !== 'begun') {
        await d.caps.release(d.record.p, member);
        if (begun.kind === 'suppressed')
          return await endUndialed(d, 'suppressed', 'on the do-not-call list at dial time');
        const why =
          begun.kind === 'not-running' ? `the campaign is ${begun.state}` : `the claim answered ${begun.kind}`;
        return await endUndialed(d, 'cancelled', `not dialed: ${why}`);
      }
      // From here the request may leave: the slot stays held unless the answer says no call exists.
      keep = true;
      return await send(d, botId, member, () => (keep = false));
    }
  } finally {
    if (held && !keep) await d.limits.releaseLive(member, admission.scope);
  }
}

async function send(d: DialDeps, botId: string, member: string, noCall: () => void): Promise<DialStep> {
  const { config, settings, ref, store } = d;
  const token = d.core
    .createNotifyTokenSigner({
      secret: config.notify.tokenSecret as string,
      audience: config.deploymentId,
      ttlMs: config.notify.tokenTtlMs,
    })
    .sign(ref);
  const body = d.worker.buildDialoutRequest({
    settings,
    contact: d.record,
    botId,
    notifyUrl: `${config.notify.baseUrl}/notify/${token}`,
    notifyToken: token,
    apiVersion: config.savg.apiVersion,
  });
  const started = performance.now();
  const raw = await d.savg.dialOut(botId, body, config.savg.apiVersion);
  const ms = Math.round(performance.now() - started);
  // A gateway's error text could echo the request: the token never reaches the screen.
  const result = 'detail' in raw ? { ...raw, detail: raw.detail.split(token).join('[token]') } : raw;
  if (result.kind === 'placed') {
    const now = Date.now();
    await store.attempts.dialed(ref, {
      sid: result.sid,
      callId: result.callId,
      now,
      deadline: now + config.lostAfterMs,
    });
  } else if (result.kind === 'uncertain') {
    // The call may exist: its notification (or the watchdog) ends it, as for any worker's attempt.
    await store.attempts.settle(ref, 'uncertain');
  } else {
    noCall();
    await d.caps.release(d.record.p, member);
    if (result.kind === 'unavailable') {
      await store.attempts.settle(ref, 'not-placed');
      await endUndialed(d, 'cancelled', `test call not placed: ${result.detail}`);
    } else {
      // The gateway refused this request (4xx, 429): it ends the contact as a worker ends a rejected one.
      await store.attempts.end({ ...ref, from: 'dialing', outcome: 'rejected', fields: { rs: result.detail } });
    }
  }
  return { kind: 'sent', result, ms };
}

async function interrupted(d: DialDeps): Promise<DialStep> {
  const step = await endUndialed(d, 'cancelled', 'test call interrupted before its dial-out');
  return { ...step, interrupted: true } as DialStep;
}

/** Ends the contact before any dial-out, so no worker ever picks it up; `reason` is what the user is told. */
async function endUndialed(d: DialDeps, outcome: Outcome, reason: string): Promise<DialStep> {
  await d.store.attempts.end({ ...d.ref, from: 'before-dial', outcome, fields: { rs: reason } });
  return { kind: 'refused', reason };
}
