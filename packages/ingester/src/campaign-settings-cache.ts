import type { CampaignSettings, CampaignStore } from '@dialer/core';

const MAX_ENTRIES = 10_000;
/** A campaign's settings may change while it runs (`dialer campaign set`): read again after this long. */
const TTL_MS = 1000;

/**
 * Campaign settings by id, each read at most once a second per process: the re-dial decision and the live-call
 * release of every notification need them, and a change (`dialer campaign set`: `redial`, `trunk`) must apply
 * within a second. Concurrent notifications of one campaign share one read. A re-dial job carries no settings: it
 * reads the campaign's when it runs.
 */
export class CampaignSettingsCache {
  private readonly cache = new Map<string, { at: number; settings: Promise<CampaignSettings | undefined> }>();

  constructor(
    private readonly store: CampaignStore,
    private readonly ttlMs = TTL_MS,
  ) {}

  get(campaignId: string): Promise<CampaignSettings | undefined> {
    const now = Date.now();
    const hit = this.cache.get(campaignId);
    if (hit && now - hit.at < this.ttlMs) return hit.settings;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    const settings = this.store.getCampaign(campaignId).then((meta) => meta?.settings);
    this.cache.set(campaignId, { at: now, settings });
    // A failed read or an unknown campaign is not kept: the next notification asks again.
    const forget = () => {
      if (this.cache.get(campaignId)?.settings === settings) this.cache.delete(campaignId);
    };
    settings.then((s) => (s === undefined ? forget() : undefined), forget);
    return settings;
  }
}
