// The campaign schedule with a moved clock (nobody before startAt; whoever is still pending at endAt expires,
// also when the window's next opening lies past endAt), and live-call caps per trunk across campaigns.
import { describe, it, expect, afterEach } from '@jest/globals';
import { startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import type { DialoutRecord, NotificationRecord } from '@dialer/simulator';
import { allTerminal, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';
import { TestClock, delayedJobs, seedPeople, settle, travelTo } from './time-machine.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  env: Record<string, string>,
  notifyDelayMs: number | { min: number; max: number },
): Promise<{ sim: SimulatorHarness; w: World }> {
  const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs });
  const w = await createWorld({ DIAL_RATE_PER_SECOND: '1000', ...env });
  cleanups.push(
    () => sim.close(),
    () => w.close(),
  );
  return { sim, w };
}

/**
 * The delayed jobs are due at the expected calendar instants: never before, and late by no more than the
 * milliseconds the real clock ran on between the worker's two clock reads (calendar, then real).
 */
function expectDues(dues: number[], expected: number[]): void {
  const sorted = [...dues].sort((x, y) => x - y);
  expect(sorted).toHaveLength(expected.length);
  sorted.forEach((due, i) => {
    expect(due).toBeGreaterThanOrEqual(expected[i] as number);
    expect(due).toBeLessThan((expected[i] as number) + 50);
  });
}

describe('campaign schedule', () => {
  it('dials nobody before startAt; contacts still pending at endAt expire, unspent', async () => {
    const { sim, w } = await setup({}, 10);
    const clock = new TestClock();
    await startWorker(w, sim.url, { now: clock.now });
    const T0 = Date.parse('2026-12-01T06:00:00Z');
    const startAt = '2026-12-01T10:00:00Z';
    const endAt = '2026-12-01T12:00:00Z';
    clock.set(T0);
    // 09:00–17:00 UTC is open at startAt; in Tokyo it is closed from then until after endAt.
    const people = [
      { number: '+15550300001', zone: 'UTC', tz: 'UTC' },
      { number: '+15550300002', zone: 'UTC', tz: 'UTC' },
      { number: '+15550300003', zone: 'Asia/Tokyo', tz: 'Asia/Tokyo' },
      { number: '+15550300004', zone: 'Asia/Tokyo', tz: 'Asia/Tokyo' },
    ];
    const { campaignId } = await seedPeople(w, { startAt, endAt, window: { start: '09:00', end: '17:00' } }, people);
    await settle(w, campaignId, 'jobs delayed to startAt');
    // Tokyo's first opening from startAt (09:00 JST = 00:00 UTC) is past endAt: they wait for endAt to expire.
    const dues = [...(await delayedJobs(w, clock, campaignId)).values()];
    expectDues(dues, [Date.parse(startAt), Date.parse(startAt), Date.parse(endAt), Date.parse(endAt)]);
    expect(await sim.dialouts()).toHaveLength(0);

    await travelTo(w, clock, campaignId, Date.parse(startAt) + 10);
    await settle(w, campaignId, 'the UTC contacts dialed');
    expect((await sim.dialouts()).map((d) => d.request?.target).sort()).toEqual([
      'tel:+15550300001',
      'tel:+15550300002',
    ]);
    expectDues([...(await delayedJobs(w, clock, campaignId)).values()], [Date.parse(endAt), Date.parse(endAt)]);
    expect(await w.store.getState(campaignId)).toBe('running');

    await travelTo(w, clock, campaignId, Date.parse(endAt) + 10);
    await settle(w, campaignId, 'the rest expired');
    expect(await w.store.stats(campaignId)).toMatchObject({
      terminal: 4,
      dialouts: 2,
      outcomes: { 'answered-human': 2, expired: 2 },
    });
    expect(await w.store.getState(campaignId)).toBe('completed');
    expect(await sim.dialouts()).toHaveLength(2);
  });
});

/** Most calls live at once among these dial-outs: each spans [received, final notification sent). */
function maxConcurrent(dialouts: DialoutRecord[], notifications: NotificationRecord[]): number {
  const ended = new Map(notifications.filter((n) => n.kind === 'final').map((n) => [n.sid, n.sentAt]));
  const events: [number, number][] = [];
  for (const d of dialouts) if (d.sid) events.push([d.receivedAt, +1], [ended.get(d.sid) ?? Infinity, -1]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (live += delta));
  return max;
}

describe('live-call cap per trunk', () => {
  it('caps the calls on one trunk across the campaigns sharing it; another trunk is not held back', async () => {
    const { sim, w } = await setup({ MAX_LIVE_CALLS: '50', WORKER_CONCURRENCY: '12' }, { min: 60, max: 140 });
    const a = await seedCampaign(w, { trunk: 'TRUNK-A', maxLiveCallsPerTrunk: 2 }, numbers(8));
    const b = await seedCampaign(w, { trunk: 'TRUNK-A', maxLiveCallsPerTrunk: 2 }, numbers(8));
    const other = await seedCampaign(w, { trunk: 'TRUNK-B', maxLiveCallsPerTrunk: 4 }, numbers(8));
    await startWorker(w, sim.url);
    const ids = [a.campaignId, b.campaignId, other.campaignId];
    await waitUntil(
      async () => (await Promise.all(ids.map((id) => allTerminal(w.store, id)))).every(Boolean),
      30_000,
      'all dialed',
    );
    const dialouts = await sim.dialouts();
    const notifications = await sim.notifications();
    const onTrunk = (trunk: string) => dialouts.filter((d) => d.request?.trunk === trunk);
    expect(onTrunk('TRUNK-A')).toHaveLength(16);
    expect(maxConcurrent(onTrunk('TRUNK-A'), notifications)).toBe(2);
    const maxB = maxConcurrent(onTrunk('TRUNK-B'), notifications);
    expect(maxB).toBeLessThanOrEqual(4);
    expect(maxB).toBeGreaterThan(2);
    // The receiver releases a slot just after ending the attempt.
    await waitUntil(async () => (await w.limits.liveCount()) === 0, 5000, 'every live slot released');
  });
});
