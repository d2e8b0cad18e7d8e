// Changes at run time followed by a running worker (real Redis, the SAVG simulator): a campaign's rate raised
// mid-campaign, a calling window widened while its contacts are held, the global live-call cap and rate lowered
// with `dialer limits set`'s store. Assertions count dial-outs (generous ratios), never tight timings.
import { describe, it, expect, afterEach } from '@jest/globals';
import {
  GlobalLimitsStore,
  deleteCampaign,
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  updateCampaignSettings,
} from '@dialer/core';
import { createCampaignWithContacts, startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import {
  allTerminal,
  createWorld,
  maxInSlidingWindow,
  numbers,
  seedCampaign,
  startWorker,
  type World,
} from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(env: Record<string, string>, notifyDelayMs = 10): Promise<{ sim: SimulatorHarness; w: World }> {
  const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs });
  const w = await createWorld({ DIAL_RATE_PER_SECOND: '1000', ...env });
  cleanups.push(
    () => sim.close(),
    () => w.close(),
  );
  return { sim, w };
}

const meanGap = (times: number[]) => (times[times.length - 1]! - times[0]!) / (times.length - 1);

describe('a running campaign changed', () => {
  it('dials faster from the change on: ratePerSecond 1 -> 20', async () => {
    const { sim, w } = await setup({ WORKER_CONCURRENCY: '10' });
    const { campaignId } = await seedCampaign(w, { ratePerSecond: 1 }, numbers(30));
    await startWorker(w, sim.url);
    await sim.waitFor(async () => (await sim.dialouts()).length >= 5, 15_000);
    const changing = Date.now();
    await updateCampaignSettings({ store: w.store, queues: w.queues, config: w.config }, campaignId, {
      ratePerSecond: 20,
    });
    const changedAt = Date.now();
    await waitUntil(() => allTerminal(w.store, campaignId), 30_000, 'every contact dialed', 100);
    const times = (await sim.dialouts()).map((d) => d.receivedAt).sort((a, b) => a - b);
    expect(times).toHaveLength(30);
    // Dial-outs while the change was being written count on neither side.
    const before = times.filter((t) => t < changing);
    const after = times.filter((t) => t >= changedAt);
    expect(before.length).toBeGreaterThanOrEqual(5);
    expect(after.length).toBeGreaterThanOrEqual(20);
    // At 1/s the rest would take 20 s and more; at 20/s under 2 s. A ratio of 4 leaves room for a busy machine.
    expect(meanGap(before)).toBeGreaterThan(700);
    expect(meanGap(after) * 4).toBeLessThan(meanGap(before));
  });

  it('dials contacts held by a closed window as soon as the window is widened', async () => {
    const { sim, w } = await setup({});
    // A window closed now (and for the next hours) in UTC, the one zone of every contact.
    const hour = new Date().getUTCHours();
    const closed = hour < 12 ? { start: '18:00', end: '20:00' } : { start: '02:00', end: '04:00' };
    const id = `win-${Date.now().toString(36)}`;
    await w.store.createCampaign(id, resolveCampaignSettings({ window: closed }, w.config));
    const nums = numbers(5);
    await w.store.addContacts(
      id,
      nums.map((p, i) => [contactIdFor(p), newContactRecord({ p, r: i + 2, tz: 'UTC' })]),
    );
    for (const p of nums) await w.queues.addAttempt(id, contactIdFor(p), 1);
    await startWorker(w, sim.url);
    await waitUntil(async () => (await w.store.stats(id)).held.window === 5, 15_000, 'held by the window');
    expect(await w.queues.get(id).getJobCounts('delayed')).toEqual({ delayed: 5 });
    expect(await sim.dialouts()).toHaveLength(0);

    const r = await updateCampaignSettings({ store: w.store, queues: w.queues, config: w.config }, id, {
      window: { start: '00:00', end: '24:00' },
    });
    expect(r.heldRechecked).toBeGreaterThanOrEqual(1);
    await waitUntil(() => allTerminal(w.store, id), 15_000, 'every held contact dialed');
    expect(await sim.dialouts()).toHaveLength(5);
    expect((await w.store.stats(id)).held.window ?? 0).toBe(0);
  });
});

describe('a finished campaign deleted under a running worker', () => {
  it('the worker lets it go and nothing of it is left', async () => {
    const { sim, w } = await setup({});
    // Completed with jobs still delayed in its queue: the worker keeps its lane (not drained) until it is deleted.
    const { campaignId, contacts } = await createCampaignWithContacts(w.store, w.config, {}, numbers(3));
    for (const c of contacts) await w.queues.addAttempt(campaignId, c.contactId, 1, 3_600_000);
    for (const c of contacts)
      await w.store.attempts.end({
        campaignId,
        contactId: c.contactId,
        attempt: 1,
        from: 'before-dial',
        outcome: 'expired',
        fields: { rs: 'test' },
      });
    expect(await w.store.getState(campaignId)).toBe('completed');
    const kept = await seedCampaign(w, { ratePerSecond: 0.001 }, numbers(2));
    const worker = await startWorker(w, sim.url);
    await waitUntil(
      () => worker.campaignIds().includes(campaignId) && worker.campaignIds().includes(kept.campaignId),
      5000,
      'both campaigns worked on',
    );
    await deleteCampaign({ store: w.store, queues: w.queues }, campaignId);
    await waitUntil(() => !worker.campaignIds().includes(campaignId), 5000, 'lane dropped');
    // A scan of the worker (every 200 ms here) must not bring any key back.
    await worker.rescan();
    const keys = await w.ctx.redis.keys(`${w.ctx.keys.prefix}:*`);
    expect(keys.filter((k) => k.includes(`{${campaignId}}`) || k.endsWith(`:c:${campaignId}`))).toEqual([]);
    expect(keys.some((k) => k.includes(`{${kept.campaignId}}`))).toBe(true);
    expect(await w.store.listCampaignIds()).toEqual([kept.campaignId]);
    expect(await sim.dialouts()).toHaveLength(1);
  });
});

describe('global limits changed at run time', () => {
  it('a running worker follows a lower live-call cap and a lower rate without a restart', async () => {
    // Calls last a while, so the cap binds.
    const { sim, w } = await setup({ MAX_LIVE_CALLS: '50', WORKER_CONCURRENCY: '10' }, 150);
    const global = GlobalLimitsStore.fromConfig(w.ctx.redis, w.ctx.keys, w.config);
    await startWorker(w, sim.url);
    await global.set({ maxLiveCalls: 2 });
    const a = await seedCampaign(w, {}, numbers(10));
    await waitUntil(() => allTerminal(w.store, a.campaignId), 30_000, 'first campaign dialed', 100);
    const first = await sim.dialouts();
    const notes = await sim.notifications();
    const ended = new Map(notes.filter((n) => n.kind === 'final').map((n) => [n.sid, n.sentAt]));
    // Most calls live at once, from the simulator's records.
    const events = first.flatMap((d) => [
      [d.receivedAt, 1],
      [ended.get(d.sid!) ?? Infinity, -1],
    ]);
    events.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
    let live = 0;
    let max = 0;
    for (const [, delta] of events) max = Math.max(max, (live += delta!));
    expect(max).toBe(2);

    await global.set({ ratePerSecond: 4, maxLiveCalls: 50 });
    const b = await seedCampaign(w, {}, numbers(12));
    await waitUntil(() => allTerminal(w.store, b.campaignId), 30_000, 'second campaign dialed', 100);
    const times = (await sim.dialouts()).slice(first.length).map((d) => d.receivedAt);
    expect(times).toHaveLength(12);
    // At 1000/s all 12 would land within one second; at 4/s at most 4 (6 with the test's jitter) in any second.
    expect(maxInSlidingWindow(times, 1000)).toBeLessThanOrEqual(6);
    await global.reset();
  });
});
