/**
 * Changes a campaign's settings while it runs (`dialer campaign set`, the API's PATCH): merged into the stored
 * settings and written in one atomic compare-and-set (lua/update-settings.lua), refused for a finished campaign,
 * and announced on the events channel, so every worker drops its cached copy at once (its cache lives a second at
 * most anyway) and the ingester's re-dial decisions read the new `redial` within a second.
 *
 * What follows the write, so that the change holds from the next dial-out on:
 * - a new `window` or `blackoutDates`: contacts the workers hold back by their calling rules sit in the delayed
 *   set until the opening the old rules gave; they are promoted, so the workers judge them again now under the
 *   new rules (dialed at once when open, held until the new opening otherwise);
 * - a new `trunk`: calls in progress move to the new trunk's live-call count, where their release will look.
 * Both run again after the workers' cache has surely expired, for a worker that decided with the old settings
 * while the change was being written (the second pass promotes only jobs last taken by a worker before the
 * change was announced, so contacts already judged under the new rules are not cycled again).
 */
import type { Job } from 'bullmq';
import { maskSettings, type CampaignSettings } from './campaign-settings.js';
import type { DialerConfig } from './config.js';
import type { CampaignQueues, DialJobData } from './dial-jobs.js';
import { DialerError } from './errors.js';
import type { Logger } from './logger.js';
import type { CampaignState } from './outcomes.js';
import { applySettingsPatch, parseSettingsPatch, type PatchableSetting } from './settings-patch.js';
import { HOLD_REASONS, type HoldReason } from './store/attempts.js';
import type { CampaignStore } from './store/campaign-store.js';
import { attemptJobId } from './store/keys.js';
import { resultsMetaFields } from './store/results-outbox.js';

/** The workers' campaign cache lives 1 s; the second pass comes after it. */
const RECHECK_AFTER_MS = 1500;
/** A job a worker took this long after the change was written was judged under the new settings (the event). */
const ANNOUNCED_WITHIN_MS = 200;
/** Hold reasons that come from the calling rules a settings change may move (`cap` does not). */
const RULE_HOLDS: ReadonlySet<string> = new Set<HoldReason>(HOLD_REASONS.filter((r) => r !== 'cap'));
const COMPARE_AND_SET_TRIES = 10;
const PROMOTE_PAGE = 500;

export interface SettingsUpdateDeps {
  store: CampaignStore;
  queues: CampaignQueues;
  /** Defaults for what a changed `window` or `redial` leaves out (REDIAL_DELAY_MS, REDIAL_MAX_ATTEMPTS). */
  config: DialerConfig;
  logger?: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SettingsUpdateOptions {
  /** When the second pass runs (0: none). @defaultValue 1500 */
  recheckAfterMs?: number;
}

/** What `dialer campaign set --json` prints and the API answers. */
export interface SettingsUpdateResult {
  campaign: string;
  state: CampaignState;
  /** The keys whose value changed (empty when the change changed nothing). */
  changed: PatchableSetting[];
  /** The campaign's settings from now on. */
  settings: CampaignSettings;
  settingsUpdatedAt: string;
  /** Contacts held by their calling rules that were given back to the workers to be judged again. */
  heldRechecked: number;
}

/**
 * Applies a settings change (`patch`: parsed JSON, validated here; DIALER_ERR_SETTINGS names a bad key) to
 * campaign `id`. DIALER_ERR_CAMPAIGN_NOT_FOUND for an unknown campaign, DIALER_ERR_CAMPAIGN_STATE for a completed
 * or cancelled one. See settings-patch.ts for the merge.
 */
export async function updateCampaignSettings(
  deps: SettingsUpdateDeps,
  id: string,
  patch: unknown,
  opts: SettingsUpdateOptions = {},
): Promise<SettingsUpdateResult> {
  const { store, logger } = deps;
  const now = deps.now ?? Date.now;
  const parsed = parseSettingsPatch(patch);
  for (let tries = 0; ; tries++) {
    const raw = await store.redis.hget(store.keys.campaignMeta(id), 'settings');
    if (raw === null) throw notFound(id);
    const before = JSON.parse(raw) as CampaignSettings;
    const { settings, changed } = applySettingsPatch(before, parsed, deps.config);
    const at = now();
    const results = resultsMetaFields(settings).results ?? '';
    // Before the change: the results mover must know the campaign by the time its first end is recorded.
    if (results) await store.redis.sadd(store.keys.resultsCampaigns(), id);
    const [answer, state] = await store.redis.dialerUpdateSettings(
      store.keys.campaignMeta(id),
      raw,
      JSON.stringify(settings),
      at,
      results,
    );
    if (answer === 'missing') throw notFound(id);
    if (answer === 'refused')
      throw new DialerError(
        'DIALER_ERR_CAMPAIGN_STATE',
        `Campaign "${id}" is ${state}: its settings can no longer change`,
        {
          campaignId: id,
          state,
        },
      );
    if (answer === 'conflict') {
      if (tries < COMPARE_AND_SET_TRIES) continue;
      throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', `Campaign "${id}": its settings keep changing; try again`, {
        campaignId: id,
      });
    }
    // Key names only: values (metadata, the caller) stay out of the logs.
    logger?.info({ campaignId: id, changed }, 'campaign settings changed');
    await store.publish({ type: 'campaign-settings', campaignId: id, changed });
    const heldRechecked = await followChange(deps, id, { before, after: settings, at }, changed, opts.recheckAfterMs);
    return {
      campaign: id,
      state: state as CampaignState,
      changed,
      // The answer is printed (campaign set --json) and served (the API): never with the webhook's secret.
      settings: maskSettings(settings),
      settingsUpdatedAt: new Date(at).toISOString(),
      heldRechecked,
    };
  }
}

/** Promotes held contacts (new calling rules) and moves live calls (new trunk), twice; returns contacts promoted. */
async function followChange(
  deps: SettingsUpdateDeps,
  id: string,
  change: { before: CampaignSettings; after: CampaignSettings; at: number },
  changed: PatchableSetting[],
  recheckAfterMs = RECHECK_AFTER_MS,
): Promise<number> {
  const rules = changed.includes('window') || changed.includes('blackoutDates');
  const trunk = changed.includes('trunk');
  if (!rules && !trunk) return 0;
  const pass = async (takenBefore: number) => {
    if (trunk) await moveLiveCalls(deps.store, id, change.before.trunk, change.after.trunk);
    return rules ? promoteHeld(deps, id, takenBefore) : 0;
  };
  let promoted = await pass(Infinity);
  if (recheckAfterMs > 0) {
    await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(recheckAfterMs);
    promoted += await pass(change.at + ANNOUNCED_WITHIN_MS);
  }
  return promoted;
}

async function moveLiveCalls(store: CampaignStore, id: string, from?: string, to?: string): Promise<void> {
  const k = store.keys;
  const campaign = k.liveCampaign(id);
  await store.redis.dialerMoveLiveTrunk(
    campaign,
    from ? k.liveTrunk(from) : campaign,
    to ? k.liveTrunk(to) : campaign,
    `${id}/`,
  );
}

/**
 * Every contact held back by its calling rules has its job moved from the delayed set to the wait list, one
 * HSCAN page at a time; a job not delayed (running, already promoted), or last taken by a worker at or after
 * `takenBefore` (ms epoch), is left alone.
 */
async function promoteHeld(deps: SettingsUpdateDeps, id: string, takenBefore: number): Promise<number> {
  const queue = deps.queues.get(id);
  let promoted = 0;
  let page: Promise<void>[] = [];
  const promote = async (jobId: string) => {
    const job = (await queue.getJob(jobId)) as Job<DialJobData> | undefined;
    if (!job || (job.processedOn ?? 0) >= takenBefore || !(await job.isDelayed())) return;
    // Another process may promote it or a worker may take it between the two reads: then there is nothing to do.
    await job.promote().then(
      () => void promoted++,
      () => undefined,
    );
  };
  for await (const [contactId, rec] of deps.store.contacts(id)) {
    if (!rec.hb || !RULE_HOLDS.has(rec.hb) || (rec.s !== 'q' && rec.s !== 'w')) continue;
    page.push(promote(attemptJobId(contactId, rec.n)));
    if (page.length >= PROMOTE_PAGE) {
      await Promise.all(page);
      page = [];
    }
  }
  await Promise.all(page);
  return promoted;
}

function notFound(id: string): DialerError {
  return new DialerError('DIALER_ERR_CAMPAIGN_NOT_FOUND', `No campaign named "${id}"`, { campaignId: id });
}
