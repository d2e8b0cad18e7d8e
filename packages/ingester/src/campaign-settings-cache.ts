import type { CampaignSettings, CampaignStore } from '@dialer/core';

const MAX_ENTRIES = 10_000;

/**
 * Campaign settings by id, read once per process. Safe to cache for good: a campaign's settings are written
 * once when it is created (HSETNX) and never change, so every re-dial keeps its original parameters.
 */
export class CampaignSettingsCache {
  private readonly cache = new Map<string, CampaignSettings>();

  constructor(private readonly store: CampaignStore) {}

  async get(campaignId: string): Promise<CampaignSettings | undefined> {
    const hit = this.cache.get(campaignId);
    if (hit) return hit;
    const meta = await this.store.getCampaign(campaignId);
    if (!meta) return undefined;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(campaignId, meta.settings);
    return meta.settings;
  }
}
