import type { CampaignMeta, CampaignStore } from '@dialer/core';

/**
 * Campaign meta (state + settings) cached for a short time: read on every job, it changes rarely, and a
 * change is announced on the events channel (which invalidates the entry). The cache is only a shortcut:
 * the authoritative state check is the atomic `begin` script, so a stale entry can never cause a dial.
 */
export class CampaignCache {
  readonly #entries = new Map<string, { at: number; value: Promise<CampaignMeta | undefined> }>();

  constructor(
    private readonly store: CampaignStore,
    private readonly ttlMs = 1000,
  ) {}

  get(campaignId: string): Promise<CampaignMeta | undefined> {
    const now = Date.now();
    const hit = this.#entries.get(campaignId);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = this.store.getCampaign(campaignId);
    this.#entries.set(campaignId, { at: now, value });
    // A failed read is not cached: the next job asks again.
    value.catch(() => {
      if (this.#entries.get(campaignId)?.value === value) this.#entries.delete(campaignId);
    });
    return value;
  }

  invalidate(campaignId?: string): void {
    if (campaignId === undefined) this.#entries.clear();
    else this.#entries.delete(campaignId);
  }
}
