// What the worker re-checks when a job runs (see docs/design.md (Calling windows and time zones)): campaign state, start/end dates, do-not-call lists.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { SuppressionList, contactIdFor, newContactRecord } from '@dialer/core';
import { startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import type { WorkerService } from '@dialer/worker';
import { allTerminal, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

let sim: SimulatorHarness;
let world: World;
let worker: WorkerService;

// A prefix, worker and simulator per test: the worker takes up every campaign under its prefix, so jobs an
// earlier test left (delayed to startAt, paused, listed numbers) would run in this one.
beforeEach(async () => {
  sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10 });
  world = await createWorld({ DIAL_RATE_PER_SECOND: '1000' });
  worker = await startWorker(world, sim.url);
});
afterEach(async () => {
  await world.close();
  await sim.close();
});

const dialedTargets = async () => new Set((await sim.dialouts()).map((d) => d.request?.target));
const jobResults = async () =>
  (await worker.metrics.registry.getSingleMetricAsString('dialer_worker_jobs_total')) ?? '';

describe('campaign state at dial time', () => {
  it('a paused campaign is not dialed; resuming it dials every contact once', async () => {
    const nums = numbers(4);
    const { campaignId } = await seedCampaign(world, {}, []);
    await world.store.setState(campaignId, 'paused', { reason: 'paused by operator' });
    await addContacts(world, campaignId, nums);
    await worker.rescan();
    await waitUntil(
      async () => /result="paused"} [1-9]/.test(await jobResults()),
      10_000,
      'the worker saw the paused campaign',
    );
    const before = await dialedTargets();
    for (const n of nums) expect(before.has(`tel:${n}`)).toBe(false);
    for await (const [, rec] of world.store.contacts(campaignId)) expect(rec).toMatchObject({ s: 'q', a: 0 });
    await world.store.setState(campaignId, 'running');
    await waitUntil(() => allTerminal(world.store, campaignId), 10_000, 'dialed after resume');
    const records = (await sim.dialouts()).filter((d) => nums.some((n) => d.request?.target === `tel:${n}`));
    expect(records).toHaveLength(4);
  });

  it('a campaign auto-paused on its queue (401) runs again when it is resumed', async () => {
    const nums = numbers(3);
    const { campaignId } = await seedCampaign(world, {}, []);
    await world.store.setState(campaignId, 'paused', { reason: 'SAVG answered 401: …' });
    await world.queues.get(campaignId).pause();
    await addContacts(world, campaignId, nums);
    await world.store.setState(campaignId, 'running');
    await waitUntil(() => allTerminal(world.store, campaignId), 10_000, 'dialed after resume');
    expect(await world.queues.get(campaignId).isPaused()).toBe(false);
  });

  it('a cancelled campaign ends its pending contacts `cancelled` and dials no one', async () => {
    const nums = numbers(5);
    const { campaignId } = await seedCampaign(world, {}, []);
    await world.store.setState(campaignId, 'paused');
    await addContacts(world, campaignId, nums);
    await world.queues.get(campaignId).pause();
    await world.store.setState(campaignId, 'cancelled');
    await waitUntil(
      async () => (await world.store.stats(campaignId)).outcomes.cancelled === 5,
      10_000,
      'contacts cancelled',
    );
    const dialed = await dialedTargets();
    for (const n of nums) expect(dialed.has(`tel:${n}`)).toBe(false);
    // Drained: the worker stops working on it.
    await waitUntil(() => !worker.campaignIds().includes(campaignId), 10_000, 'campaign worker closed');
  });

  it('a job added to a cancelled campaign after it was drained (a late re-dial) is still ended', async () => {
    const nums = numbers(1);
    const { campaignId } = await seedCampaign(world, {}, []);
    await world.store.setState(campaignId, 'cancelled');
    await waitUntil(() => !worker.campaignIds().includes(campaignId), 10_000, 'drained campaign retired');
    await addContacts(world, campaignId, nums);
    await waitUntil(
      async () => (await world.store.stats(campaignId)).outcomes.cancelled === 1,
      15_000,
      'late job ended cancelled',
    );
  });
});

describe('campaign dates', () => {
  it('before startAt the jobs wait (delayed, not dialed); after endAt contacts expire', async () => {
    const later = await seedCampaign(world, { startAt: new Date(Date.now() + 3600_000).toISOString() }, numbers(2));
    const over = await seedCampaign(
      world,
      { startAt: new Date(Date.now() - 7200_000).toISOString(), endAt: new Date(Date.now() - 3600_000).toISOString() },
      numbers(2),
    );
    await waitUntil(
      async () => (await world.queues.get(later.campaignId).getDelayedCount()) === 2,
      10_000,
      'jobs delayed to startAt',
    );
    const delayed = await world.queues.get(later.campaignId).getDelayed();
    for (const job of delayed) expect(job.timestamp + job.delay).toBeGreaterThan(Date.now() + 3500_000);
    await waitUntil(() => allTerminal(world.store, over.campaignId), 10_000, 'contacts expired');
    for (const c of over.contacts) {
      expect(await world.store.getContact(over.campaignId, c.contactId)).toMatchObject({ s: 't', o: 'expired', a: 0 });
    }
    const dialed = await dialedTargets();
    for (const c of [...later.contacts, ...over.contacts]) expect(dialed.has(`tel:${c.number}`)).toBe(false);
  });
});

describe('do-not-call lists at dial time', () => {
  it('numbers suppressed after import (global or campaign list) end `suppressed` without a call', async () => {
    const nums = numbers(3);
    const { campaignId } = await seedCampaign(world, {}, []);
    await world.store.setState(campaignId, 'paused');
    await addContacts(world, campaignId, nums);
    await world.ctx.redis.sadd(world.ctx.keys.globalSuppress(), nums[0]!);
    await world.ctx.redis.sadd(world.ctx.keys.campaignSuppress(campaignId), nums[1]!);
    await world.store.setState(campaignId, 'running');
    await waitUntil(() => allTerminal(world.store, campaignId), 10_000, 'contacts ended');
    const outcome = async (i: number) => (await world.store.getContact(campaignId, contactIdFor(nums[i]!)))?.o;
    expect(await outcome(0)).toBe('suppressed');
    expect(await outcome(1)).toBe('suppressed');
    expect(await outcome(2)).toBe('answered-human');
    const dialed = await dialedTargets();
    expect(dialed.has(`tel:${nums[0]}`)).toBe(false);
    expect(dialed.has(`tel:${nums[1]}`)).toBe(false);
    expect(dialed.has(`tel:${nums[2]}`)).toBe(true);
  });

  it('a number listed while its job waits for its paced instant is not dialed: the lists are checked again after pacing', async () => {
    // A world of its own at one dial-out a second, so that this job's instant is about a second away.
    const w = await createWorld({ DIAL_RATE_PER_SECOND: '1' });
    try {
      const slow = await startWorker(w, sim.url);
      const { campaignId } = await seedCampaign(w, {}, []);
      await waitUntil(() => slow.campaignIds().includes(campaignId), 10_000, 'the worker to take the campaign up');
      // Another dial-out (elsewhere) has just taken the next instant of the global schedule.
      const other = { member: 'elsewhere/other/1', scope: { campaignId: 'elsewhere' } };
      expect(await w.limits.admit({ ...other, limits: { global: 1000 }, leaseMs: 60_000, globalRate: 1 })).toEqual({
        kind: 'admitted',
        waitMs: 0,
      });
      await w.limits.releaseLive(other.member, other.scope);
      const [number] = numbers(1) as [string];
      await addContacts(w, campaignId, [number]);
      // Its live slot is held: the job passed the first do-not-call check and waits for its instant.
      await waitUntil(
        async () => (await w.limits.liveCount({ campaignId })) === 1,
        10_000,
        'the job to wait for its paced instant',
        5,
      );
      await new SuppressionList(w.ctx.redis, w.ctx.keys).add([number]);
      const listedBy = Date.now();
      // The test shows something only if the number was listed before the job woke up: before its instant
      // (the schedule's next free instant, one interval after it, is in Redis).
      const instant = Number(await w.ctx.redis.get(w.ctx.keys.rateGlobal())) - 1000;
      if (!(listedBy + 5 < instant))
        throw new Error(
          `inconclusive: listed at ${listedBy}, not before the paced instant ${instant} (test process stalled?)`,
        );
      await waitUntil(() => allTerminal(w.store, campaignId), 10_000, 'the contact to end');
      expect(await w.store.getContact(campaignId, contactIdFor(number))).toMatchObject({
        s: 't',
        n: 1,
        a: 0,
        o: 'suppressed',
      });
      expect((await dialedTargets()).has(`tel:${number}`)).toBe(false);
      expect((await w.store.stats(campaignId)).dialouts).toBe(0);
      // The slot is given back (one step after the contact ends).
      await waitUntil(async () => (await w.limits.liveCount({ campaignId })) === 0, 5000, 'the live slot given back');
    } finally {
      await w.close();
    }
  });
});

/** Adds contacts (and their first jobs) to an existing campaign. */
async function addContacts(w: World, campaignId: string, nums: string[]): Promise<number> {
  await w.store.addContacts(
    campaignId,
    nums.map((n, i) => [contactIdFor(n), newContactRecord({ p: n, r: i + 2 })]),
  );
  for (const n of nums) await w.queues.addAttempt(campaignId, contactIdFor(n), 1);
  return nums.length;
}
