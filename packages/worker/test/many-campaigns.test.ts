// One worker process and many campaigns: its Redis connections stay a handful whatever the number of campaigns,
// every contact is dialed once, campaigns take turns, and finished campaigns are not read again scan after scan.
// On a redis-server of this file's own: its CLIENT LIST and command counts are this file's alone.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { contactIdFor, newContactRecord } from '@dialer/core';
import {
  startRedisServer,
  startSimulator,
  waitUntil,
  type RedisServer,
  type SimulatorHarness,
} from '@dialer/test-utils';
import { allTerminal, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

let server: RedisServer | undefined;
let sim: SimulatorHarness | undefined;
let world: World | undefined;

beforeAll(async () => {
  [server, sim] = await Promise.all([startRedisServer(), startSimulator({ outcomes: 'human=1', notifyDelayMs: 5 })]);
});
afterAll(async () => {
  await world?.close();
  await sim?.close();
  await server?.destroy();
});

async function newWorld(env: Record<string, string> = {}): Promise<World> {
  await world?.close();
  world = await createWorld({ REDIS_URL: server!.url, ...env });
  return world;
}

async function info(w: World, section: string): Promise<string> {
  return (await w.ctx.redis.call('INFO', section)) as string;
}

/** The worker's open connections: its own names (`worker…`), and any BullMQ would name after the key prefix. */
async function workerConnections(w: World): Promise<number> {
  const list = (await w.ctx.redis.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => {
    const name = /\bname=(\S*)/.exec(line)?.[1] ?? '';
    return name.startsWith('worker') || name.startsWith(w.config.keyPrefix);
  }).length;
}

/** Connections the server has accepted so far. */
async function connectionsReceived(w: World): Promise<number> {
  return Number(/total_connections_received:(\d+)/.exec(await info(w, 'stats'))?.[1]);
}

/** Calls per command so far (INFO commandstats). */
async function commandCalls(w: World): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const m of (await info(w, 'commandstats')).matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g))
    calls[m[1]!] = Number(m[2]);
  return calls;
}

describe('one worker process, many campaigns', () => {
  it('300 running campaigns: every contact dialed once, on a bounded set of Redis connections', async () => {
    const CAMPAIGNS = 300;
    const PER = 3;
    const w = await newWorld({ DIAL_RATE_PER_SECOND: '2000', MAX_LIVE_CALLS: '100000' });
    const seeded: { campaignId: string }[] = [];
    for (let i = 0; i < CAMPAIGNS; i += 50)
      seeded.push(...(await Promise.all(Array.from({ length: 50 }, () => seedCampaign(w, {}, numbers(PER))))));
    const openedBefore = await connectionsReceived(w);
    const worker = await startWorker(w, sim!.url);
    let most = 0;
    let mostCampaigns = 0;
    await waitUntil(
      async () => {
        most = Math.max(most, await workerConnections(w));
        mostCampaigns = Math.max(mostCampaigns, worker.campaignIds().length);
        return sim!.state.stats().placed >= CAMPAIGNS * PER;
      },
      60_000,
      'every contact dialed',
      25,
    );
    // It did work on the campaigns side by side (they were all queued when it started)...
    expect(mostCampaigns).toBeGreaterThan(CAMPAIGNS / 3);
    // ...on its own few connections (commands, events, BullMQ, queue markers), none per campaign.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(8);
    expect((await connectionsReceived(w)) - openedBefore).toBeLessThanOrEqual(8);

    await waitUntil(
      async () => (await Promise.all(seeded.map((c) => allTerminal(w.store, c.campaignId)))).every(Boolean),
      30_000,
      'every contact terminal',
      200,
    );
    const targets = (await sim!.dialouts()).map((d) => d.request?.target);
    expect(targets).toHaveLength(CAMPAIGNS * PER);
    expect(new Set(targets).size).toBe(CAMPAIGNS * PER);
    // Completed and drained: let go of.
    await waitUntil(() => worker.campaignIds().length === 0, 30_000, 'finished campaigns let go of');
  });

  it('finished campaigns cost no command per scan: their state is read only in the occasional full scan', async () => {
    const CAMPAIGNS = 200;
    const SCANS = 20;
    const w = await newWorld();
    const hourAgo = Date.now() - 3600_000;
    for (let i = 0; i < CAMPAIGNS; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const { campaignId } = await seedCampaign(w, {}, []);
          await w.store.setState(campaignId, 'cancelled', { now: hourAgo });
        }),
      );
    // A scan every 200 ms (the tests' interval): each reads the registry once (ZRANGE).
    const worker = await startWorker(w, sim!.url);
    expect(worker.campaignIds()).toEqual([]);
    const before = await commandCalls(w);
    const scans = async () => ((await commandCalls(w)).zrange ?? 0) - (before.zrange ?? 0);
    await waitUntil(async () => (await scans()) >= SCANS, 30_000, `${SCANS} scans`, 50);
    const after = await commandCalls(w);
    const delta = (cmd: string) => (after[cmd] ?? 0) - (before[cmd] ?? 0);
    const scanned = await scans();
    // Each finished campaign's state was read in far fewer scans than there were (the full scans only)...
    expect(delta('hget') / (scanned * CAMPAIGNS)).toBeLessThan(0.25);
    // ...and no BullMQ script ran on their queues (no fetch, no stalled-job check).
    expect(delta('evalsha')).toBe(0);
    expect(worker.campaignIds()).toEqual([]);
  });

  it('a campaign is let go of when it completes, and taken up again when new contacts arrive (events, no scan)', async () => {
    const w = await newWorld({ DIAL_RATE_PER_SECOND: '1000' });
    const { campaignId } = await seedCampaign(w, {}, numbers(1));
    // No re-scan after the first one: only the campaign's own events can tell the worker.
    const worker = await startWorker(w, sim!.url, { rescanIntervalMs: 600_000 });
    await waitUntil(async () => (await w.store.getState(campaignId)) === 'completed', 10_000, 'campaign completed');
    await waitUntil(() => !worker.campaignIds().includes(campaignId), 10_000, 'completed campaign let go of');
    const [number] = numbers(1) as [string];
    await w.store.addContacts(campaignId, [[contactIdFor(number), newContactRecord({ p: number, r: 3 })]]);
    expect(await w.store.getState(campaignId)).toBe('running');
    await w.queues.addAttempt(campaignId, contactIdFor(number), 1);
    await waitUntil(() => allTerminal(w.store, campaignId), 10_000, 'the new contact dialed');
    expect((await sim!.dialouts()).filter((d) => d.request?.target === `tel:${number}`)).toHaveLength(1);
  });

  it('campaigns take turns: one added behind a big one is dialed within a few dial-outs', async () => {
    const CONCURRENCY = 4;
    const w = await newWorld({ DIAL_RATE_PER_SECOND: '40', WORKER_CONCURRENCY: String(CONCURRENCY) });
    const big = await seedCampaign(w, {}, numbers(120));
    await startWorker(w, sim!.url);
    const placedBefore = sim!.state.stats().placed;
    await sim!.waitFor((s) => s.stats().placed >= placedBefore + 10, 20_000);
    const small = await seedCampaign(w, {}, numbers(3));
    const from = (await sim!.dialouts()).length;
    await waitUntil(() => allTerminal(w.store, small.campaignId), 20_000, 'the small campaign dialed', 50);
    const dialouts = await sim!.dialouts();
    const smallTargets = new Set(small.contacts.map((c) => `tel:${c.number}`));
    const positions = dialouts
      .map((d, i) => (smallTargets.has(d.request?.target ?? '') ? i - from : -1))
      .filter((i) => i >= 0);
    expect(positions).toHaveLength(3);
    // Ahead of it at most the big campaign's jobs already in hand (WORKER_CONCURRENCY of them) and the
    // dial-outs already on their way.
    expect(Math.max(...positions)).toBeLessThan(2 * CONCURRENCY + 3);
    expect(await allTerminal(w.store, big.campaignId)).toBe(false);
  });
});
