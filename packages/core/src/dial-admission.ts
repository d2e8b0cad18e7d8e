/**
 * What one attempt asks of the limits before its dial-out (Limits.admit): its live-call slot under the global,
 * campaign and trunk caps, its paced instant, and its bot's share of the gateway's quotas. One definition for
 * the worker and `dialer call`, which dials through the same path.
 */
import type { CampaignSettings } from './campaign-settings.js';
import type { DialerConfig } from './config.js';
import { quotaIntervalMs } from './contact-cap-rules.js';
import type { AttemptRef } from './notify-token.js';
import { attemptKey } from './store/keys.js';
import type { AdmissionRequest } from './store/limits.js';

/** How long a live-call slot may outlive its holder beyond the dial-out and notification time-outs. */
const LEASE_MARGIN_MS = 60_000;

export function dialAdmission(ref: AttemptRef, settings: CampaignSettings, config: DialerConfig): AdmissionRequest {
  return {
    member: attemptKey(ref.campaignId, ref.contactId, ref.attempt),
    scope: { campaignId: ref.campaignId, trunk: settings.trunk },
    limits: {
      global: config.pacing.maxLiveCalls,
      campaign: settings.maxLiveCalls ?? Infinity,
      trunk: settings.maxLiveCallsPerTrunk ?? Infinity,
    },
    leaseMs: config.savg.timeoutMs + config.lostAfterMs + LEASE_MARGIN_MS,
    globalRate: config.pacing.ratePerSecond,
    campaignRate: settings.ratePerSecond,
    // The gateway's quotas hold per bot, for every campaign and worker together (SAVG_QUOTAS).
    botQuota: { botId: dialBotId(settings, config), intervalMs: quotaIntervalMs(config.savg.quotas) },
  };
}

/** The bot a campaign dials through: its own `botId` setting, else SAVG_BOT_ID. */
export function dialBotId(settings: CampaignSettings, config: DialerConfig): string {
  return settings.botId ?? (config.savg.botId as string);
}
