// The live-call cap (MAX_LIVE_CALLS, campaign maxLiveCalls): a call is live from its dial-out until its final
// notification; the receiver (playing the ingester) releases the slot. Counted from the simulator's records.
import { describe, it, expect, afterEach } from '@jest/globals';
import type { DialoutRecord, NotificationRecord } from '@dialer/simulator';
import { startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import { allTerminal, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Most calls live at once: each call spans [dial-out received, final notification sent). */
function maxConcurrent(dialouts: DialoutRecord[], notifications: NotificationRecord[]): number {
  const ended = new Map(notifications.filter((n) => n.kind === 'final').map((n) => [n.sid, n.sentAt]));
  const events: [number, number][] = [];
  for (const d of dialouts) {
    if (!d.sid) continue;
    events.push([d.receivedAt, +1], [ended.get(d.sid) ?? Infinity, -1]);
  }
  // At equal times the end comes first: the slot was released before the next call could take it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (live += delta));
  return max;
}

async function setup(env: Record<string, string>): Promise<{ sim: SimulatorHarness; w: World }> {
  const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: { min: 60, max: 140 } });
  const w = await createWorld({ DIAL_RATE_PER_SECOND: '1000', ...env });
  cleanups.push(
    () => sim.close(),
    () => w.close(),
  );
  return { sim, w };
}

describe('live-call cap', () => {
  it('MAX_LIVE_CALLS holds across campaigns; waiting for a slot spends no attempt', async () => {
    const { sim, w } = await setup({ MAX_LIVE_CALLS: '3', WORKER_CONCURRENCY: '10' });
    const a = await seedCampaign(w, {}, numbers(12));
    const b = await seedCampaign(w, {}, numbers(12));
    await startWorker(w, sim.url);
    await waitUntil(
      async () => (await allTerminal(w.store, a.campaignId)) && allTerminal(w.store, b.campaignId),
      30_000,
      'all dialed',
    );
    const max = maxConcurrent(await sim.dialouts(), await sim.notifications());
    expect(max).toBeLessThanOrEqual(3);
    expect(max).toBeGreaterThanOrEqual(2);
    expect(await sim.dialouts()).toHaveLength(24);
    for (const id of [a.campaignId, b.campaignId]) {
      for await (const [, rec] of w.store.contacts(id)) expect(rec).toMatchObject({ s: 't', a: 1 });
    }
    // The receiver releases a slot just after ending the attempt.
    await waitUntil(async () => (await w.limits.liveCount()) === 0, 5000, 'every live slot released');
  });

  it("a campaign's maxLiveCalls caps that campaign only", async () => {
    const { sim, w } = await setup({ MAX_LIVE_CALLS: '50', WORKER_CONCURRENCY: '10' });
    const capped = await seedCampaign(w, { maxLiveCalls: 2 }, numbers(10));
    await startWorker(w, sim.url);
    await waitUntil(() => allTerminal(w.store, capped.campaignId), 30_000, 'all dialed');
    const max = maxConcurrent(await sim.dialouts(), await sim.notifications());
    expect(max).toBeLessThanOrEqual(2);
    expect(max).toBe(2);
  });
});
