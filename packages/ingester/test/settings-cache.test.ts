// The ingester's campaign settings cache follows a change made while the campaign runs (`dialer campaign set`):
// re-dial decisions and live-call releases use the new `redial` and `trunk` within a second.
import { describe, it, expect, afterAll } from '@jest/globals';
import { CampaignQueues, CampaignStore, resolveCampaignSettings, updateCampaignSettings } from '@dialer/core';
import { CampaignSettingsCache } from '@dialer/ingester';
import { testContext, waitUntil } from '@dialer/test-utils';

const ctx = testContext();
const store = new CampaignStore(ctx.redis, ctx.keys);
const queues = new CampaignQueues(ctx.redis, ctx.keys);
afterAll(async () => {
  await queues.close();
  await ctx.close();
});

describe('CampaignSettingsCache', () => {
  it('reads a changed campaign again within a second; a deleted one is gone', async () => {
    await store.createCampaign('sc1', resolveCampaignSettings({ redial: { maxAttempts: 2 } }, ctx.config));
    const cache = new CampaignSettingsCache(store);
    expect((await cache.get('sc1'))?.redial.maxAttempts).toBe(2);
    await updateCampaignSettings({ store, queues, config: ctx.config }, 'sc1', { redial: { maxAttempts: 6 } });
    // Cached first (one read per campaign and second at most), then the change shows.
    await waitUntil(async () => (await cache.get('sc1'))?.redial.maxAttempts === 6, 3000, 'the new redial');
    expect(await cache.get('nope')).toBeUndefined();
  });
});
