/**
 * `dialer call`: one real dial-out to one number through the whole path a campaign's calls take — a campaign
 * of its own with one contact (settings, do-not-call lists, calling window, caps and pacing as for any
 * contact), the notify token, the gateway, then the ingester applying its notifications — and what came back
 * at each step. The campaign is kept (its report shows the attempt) and never re-dials: its settings have no
 * re-dial rule, and whatever keeps the call from being placed ends the contact.
 */
import { randomBytes } from 'node:crypto';
import { dialOnce, type DialStep } from './call-dial.js';
import { CallReport, type Verdict } from './call-report.js';
import { CallWatch, type WatchEnd } from './call-watch.js';
import { ingesterCheck } from '../doctor/gateway-checks.js';

export interface TestCallOptions {
  number: string;
  settingsFile?: string;
  campaignId?: string;
  defaultCountry?: string;
  timeoutMs: number;
  json: boolean;
}

/** `call-20260102T030405-1a2b3c`: sortable, and two test calls in the same second still differ. */
function testCampaignId(now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
  return `call-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Runs the test call; resolves with the exit code (see VERDICT_EXIT_CODES). */
export async function runTestCall(opts: TestCallOptions): Promise<number> {
  const core = await import('@dialer/core');
  const producer = await import('@dialer/producer');
  const worker = await import('@dialer/worker');
  const { DialerError } = core;
  // The worker's requirements: the gateway, the bot, the credentials, the notify URL and token secret.
  const config = core.loadConfig(process.env, 'worker');
  const campaignId = opts.campaignId ?? testCampaignId();
  await producer.checkNewCampaignId(campaignId);
  const country = await producer.checkDefaultCountry(opts.defaultCountry);
  const normalized = core.normalizeNumber(opts.number, country);
  if (!normalized.ok)
    throw new DialerError('DIALER_ERR_PHONE', `Not a phone number: "${opts.number}" (${normalized.reason})`);
  const number = normalized.number;
  const base = await producer.resolveSettingsFiles({ settingsFile: opts.settingsFile }, config);
  // One dial-out, never a re-dial a worker would place later: no outcome has a re-dial rule.
  const settings = { ...base, redial: { maxAttempts: 1, rules: {} } };
  const report = new CallReport(opts.json, campaignId, core.maskPhone(number));

  // The same rules as an import: a contact no zone is known for is refused unless the campaign sets one.
  const locale = core.contactLocale({ number });
  if (locale.zones.length === 0 && settings.window.timezone === undefined && core.windowNeedsZone(settings))
    return report.finish(
      'refused',
      'refused: timezone unknown: no zone is known for this number and the settings set no window.timezone',
    );
  const encoded = core.encodeLocale(locale);
  const lk = core.localeKey(encoded);
  const record = core.newContactRecord({ p: number, r: 1, lk });

  const opened = await core.openCampaignControl(config, 'dialer-call');
  const { store, limits } = opened;
  const { redis, keys } = store;
  const subscriber = core.createRedis(config.redisUrl, 'blocking', 'dialer-call-events');
  subscriber.on('error', () => undefined);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const auth = new core.SavgAuthToken({
    clientId: config.savg.clientId as string,
    clientSecret: config.savg.clientSecret as string,
  });
  const savg = new worker.SavgClient({
    baseUrl: config.savg.baseUrl as string,
    auth,
    timeoutMs: config.savg.timeoutMs,
  });
  let watch: CallWatch | undefined;
  try {
    if (await store.getCampaign(campaignId)) throw exists(core, campaignId);
    // Checked before anything is written: a refused test call leaves nothing behind. `begin` checks the
    // lists again atomically, and the calling rules are checked again after pacing.
    const lists = new core.SuppressionList(redis, keys);
    for (const scope of [{}, { campaignId }]) {
      if (await lists.has(number, scope))
        return report.finish(
          'refused',
          `refused: the number is on ${scope.campaignId ? `the do-not-call list of campaign "${campaignId}"` : 'the global do-not-call list'}; nothing was dialed`,
        );
    }
    const when = worker.checkDialTime(record, settings, Date.now(), worker.DIAL_GUARD_MS, locale);
    if (when.kind === 'expire') return report.finish('refused', `refused: ${when.reason}`);
    if (when.kind === 'delay')
      return report.finish(
        'refused',
        `refused: not now (${when.reason}); it could be dialed from ${new Date(when.untilMs).toISOString()}`,
      );

    // A call whose notifications nobody takes can only time out: say so before dialing (not a refusal: the URL
    // may be reachable from the internet and not from this host).
    const ingester = await ingesterCheck(process.env);
    if (ingester.status === 'WARN') report.note(`warning: ${ingester.message} (${ingester.fix})`);

    const ids = await core.resolveContactIdScheme(redis, keys, config, campaignId, { create: true });
    const contactId = core.contactIdHasher(ids)(number);
    const ref = { campaignId, contactId, attempt: 1 };
    watch = new CallWatch(core, subscriber, ref, (e) => report.notification(e));
    await core.waitForRedis(subscriber, 5000);
    await watch.start(keys);
    const label = core.contactIdSchemeLabel(ids);
    const extra: Record<string, string> = label ? { [core.CONTACT_IDS_FIELD]: label } : {};
    if (!(await store.createCampaign(campaignId, settings, { extra }))) throw exists(core, campaignId);
    await new core.LocaleStore(redis, keys).put(new Map([[lk, encoded]]));
    await store.addContacts(campaignId, [[contactId, record]]);
    report.started(contactId);

    let numberKey: ((n: string) => string) | undefined;
    const caps = new core.ContactCaps(redis, keys, config.contactCaps, (n) => (numberKey as (n: string) => string)(n));
    if (caps.enabled) {
      const secret = await core.deploymentContactIdKey(redis, keys, config, true);
      if (secret) numberKey = core.hmacContactIds(secret);
    }
    const step = await dialOnce({
      core,
      worker,
      config,
      store,
      limits,
      caps,
      savg,
      settings,
      record,
      locale,
      ref,
      signal: abort.signal,
      waitUntil: Date.now() + Math.min(opts.timeoutMs, config.reconcileGraceMs / 2),
      onWait: (text) => report.note(text),
    });
    const undialed = afterDial(step, report, campaignId);
    if (undialed) return report.finish(undialed.verdict, undialed.message);
    const end = await watch.waitFinal(store, Date.now() + opts.timeoutMs, abort.signal);
    const verdict = verdictOf(end, watch.events.length > 0, step, opts.timeoutMs, config.lostAfterMs, campaignId);
    return report.finish(verdict.verdict, verdict.message, verdict.outcome);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    savg.close();
    if (watch) await watch.close();
    else subscriber.disconnect();
    await opened.close();
  }
}

function exists(core: typeof import('@dialer/core'), id: string): Error {
  return new core.DialerError(
    'DIALER_ERR_CAMPAIGN_STATE',
    `Campaign "${id}" already exists: a test call makes a campaign of its own; leave --campaign out or name a new one`,
    { campaignId: id },
  );
}

/** Prints the dial-out's answer; the verdict when no call can come of it (nothing to wait for). */
function afterDial(
  step: DialStep,
  report: CallReport,
  campaignId: string,
): { verdict: Verdict; message: string } | undefined {
  if (step.kind === 'refused')
    return step.interrupted
      ? { verdict: 'interrupted', message: 'interrupted before the dial-out: nothing was dialed' }
      : { verdict: 'refused', message: `refused: ${step.reason}` };
  report.dialout(step.result, step.ms);
  const r = step.result;
  if (r.kind === 'placed') {
    report.note('waiting for notifications…');
    return undefined;
  }
  if (r.kind === 'uncertain') {
    report.note('the gateway may have placed the call: waiting for its notifications…');
    return undefined;
  }
  const what =
    r.kind === 'unavailable'
      ? 'the gateway could not be reached'
      : r.kind === 'rate-limited'
        ? "the gateway's rate limit refused it (429): try again later, and keep SAVG_QUOTAS at or under the platform's limits"
        : r.kind === 'config'
          ? 'the gateway refused the request'
          : 'the gateway rejected this request';
  return {
    verdict: 'not-placed',
    message: `not placed: ${what}: ${r.detail}. The contact ended (dialer report ${campaignId} shows it).`,
  };
}

function verdictOf(
  end: WatchEnd,
  anyEvent: boolean,
  step: DialStep,
  timeoutMs: number,
  lostAfterMs: number,
  campaignId: string,
): { verdict: Verdict; message: string; outcome?: { outcome?: string; reason?: string } } {
  if (end.kind === 'final') {
    const e = end.event;
    return {
      verdict: 'final',
      message: `Outcome: ${e.outcome ?? e.status}${e.reason ? ` (${e.reason})` : ''}. The gateway placed the call and the ingester applied its final notification.`,
      outcome: { outcome: e.outcome, reason: e.reason },
    };
  }
  if (end.kind === 'interrupted')
    return {
      verdict: 'interrupted',
      message: `stopped watching: the call goes on; dialer report ${campaignId} shows how it ends`,
    };
  if (end.kind === 'ended') {
    const { o, rs } = end.record;
    // The record ended by a notification whose event was missed (a reconnect): the path works all the same.
    const byNotification = o !== undefined && o !== 'lost' && o !== 'cancelled';
    return {
      verdict: byNotification ? 'final' : 'no-final-notification',
      message: byNotification
        ? `Outcome: ${o}${rs ? ` (${rs})` : ''}. The ingester applied the final notification.`
        : `the attempt ended ${o ?? '?'}${rs ? ` (${rs})` : ''} without a final notification. ${NO_NOTIFICATION_HINT}`,
      outcome: { outcome: o, reason: rs },
    };
  }
  const seconds = Math.round(timeoutMs / 1000);
  const placed = step.kind === 'sent' && step.result.kind === 'placed';
  return {
    verdict: 'no-final-notification',
    message:
      `no final notification within ${seconds} s` +
      (anyEvent ? ' (interim ones came: the call may still be in progress).' : `. ${NO_NOTIFICATION_HINT}`) +
      ` ${placed ? 'The call was placed: its' : 'Its'} attempt ends lost after LOST_AFTER_MS (${Math.round(lostAfterMs / 1000)} s) ` +
      `unless its notification comes (dialer campaign status ${campaignId}).`,
  };
}

const NO_NOTIFICATION_HINT =
  'Is `dialer ingester` running, and can the gateway reach it at NOTIFY_BASE_URL (`dialer doctor` checks the URL)?';
