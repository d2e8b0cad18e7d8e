import type { CampaignSettings, CampaignStore } from '@dialer/core';

const MAX_ENTRIES = 10_000;
/** A campaign's settings may change while it runs (`dialer campaign set`): read again after this long. */
const TTL_MS = 1000;

/**
 * Campaign settings by id, each read at most once a second per process: the re-dial decision and the live-call
 * release of every notification need them, and a change (`dialer campaign set`: `redial`, `trunk`) must apply
 * within a second. A re-dial job carries no settings: it reads the campaign's when it runs.
 */
export class CampaignSettingsCache {
  private readonly cache = new Map<string, { at: number; settings: CampaignSettings }>();

  constructor(
    private readonly store: CampaignStore,
    private readonly ttlMs = TTL_MS,
  ) {}

  async get(campaignId: string): Promise<CampaignSettings | undefined> {
    const now = Date.now();
    const hit = this.cache.get(campaignId);
    if (hit && now - hit.at < this.ttlMs) return hit.settings;
    const meta = await this.store.getCampaign(campaignId);
    if (!meta) {
      this.cache.delete(campaignId);
      return undefined;
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(campaignId, { at: now, settings: meta.settings });
    return meta.settings;
  }
}
