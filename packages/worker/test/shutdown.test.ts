// Graceful shutdown: stop taking jobs, let in-flight dial-outs finish and be recorded, put waiting jobs back.
import { describe, it, expect, afterAll } from '@jest/globals';
import { startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import { contactStates, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

let sim: SimulatorHarness | undefined;
let world: World | undefined;
afterAll(async () => {
  await world?.close();
  await sim?.close();
});

describe('close()', () => {
  it('finishes the dial-out in flight, records it, and returns the other jobs to the queue unspent', async () => {
    sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 60_000, slowMs: 400 });
    world = await createWorld({ DIAL_RATE_PER_SECOND: '2' });
    const { campaignId } = await seedCampaign(world, {}, numbers(6));
    const worker = await startWorker(world, sim.url);
    await sim.waitFor((s) => s.stats().pendingReplies >= 1, 10_000);
    await worker.close();

    // The request that was in flight got its answer and was stored (in-call, sid kept).
    const placed = (await sim.dialouts()).filter((d) => d.sid);
    expect(placed.length).toBeGreaterThanOrEqual(1);
    expect(sim.state.stats().pendingReplies).toBe(0);
    const states = [...(await contactStates(world.store, campaignId)).values()];
    expect(states.filter((s) => s === 'i')).toHaveLength(placed.length);
    // Nothing left half-done: the rest are queued with no attempt spent, their jobs back in the queue.
    expect(states.filter((s) => s === 'q')).toHaveLength(6 - placed.length);
    for await (const [, rec] of world.store.contacts(campaignId)) if (rec.s === 'q') expect(rec.a).toBe(0);
    const queue = world.queues.get(campaignId);
    await waitUntil(async () => (await queue.getActiveCount()) === 0, 5000, 'no active job');
    expect(await queue.getWaitingCount()).toBe(6 - placed.length);
    // Their slots were given back; the placed calls keep theirs until their notifications.
    expect(await world.limits.liveCount({ campaignId })).toBe(placed.length);
  });
});
