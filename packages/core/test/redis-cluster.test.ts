// Every Lua script, MULTI and BullMQ call of @dialer/core on a real 3-master Redis Cluster: a key outside the
// script's hash tag would fail here with CROSSSLOT (or "non local key"), which a single Redis never reports.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  GlobalLimitsStore,
  Limits,
  SuppressionList,
  deleteCampaign,
  updateCampaignSettings,
  contactIdFor,
  createKeys,
  createRedis,
  loadConfig,
  newContactRecord,
  parseRedisUrl,
  resolveCampaignSettings,
  waitForRedis,
  type CampaignSettings,
  type Keys,
  type RedisClient,
} from '@dialer/core';
import { hashTagOf, keysPerNode, startRedisCluster, uniquePrefix, type RedisCluster } from '@dialer/test-utils';
import type { Cluster } from 'ioredis';

let cluster: RedisCluster;
let redis: RedisClient;
let keys: Keys;
let store: CampaignStore;
let limits: Limits;
let queues: CampaignQueues;
let settings: CampaignSettings;
const T0 = 1_800_000_000_000;
// Their hash tags fall on three different masters of a cluster made by `redis-cli --cluster create` (slot
// ranges are fixed by node order; the slot of `{id}` is CRC16(id) mod 16384): alpha 865, bravo 8623, echo 14438.
const CAMPAIGNS = ['alpha', 'bravo', 'echo'];

beforeAll(async () => {
  cluster = await startRedisCluster();
  const config = loadConfig({ REDIS_URL: cluster.url, REDIS_PREFIX: uniquePrefix('clu'), SAVG_CALLER: '+15550001111' });
  redis = createRedis(config.redisUrl, 'blocking', 'cluster-test');
  await waitForRedis(redis);
  keys = createKeys(config.keyPrefix);
  store = new CampaignStore(redis, keys);
  limits = new Limits(redis, keys);
  queues = new CampaignQueues(redis, keys);
  settings = resolveCampaignSettings({ caller: '+15550001111' }, config);
}, 30_000);

afterAll(async () => {
  await queues?.close();
  redis?.disconnect();
  await cluster?.destroy();
});

describe('REDIS_URL', () => {
  it('parses a cluster seed list, with credentials, TLS and IPv6', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001')).toMatchObject({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    });
    const tls = parseRedisUrl('rediss+cluster://app:p%40ss:word@cfg.example.com:6379');
    expect(tls).toMatchObject({ cluster: true, nodes: [{ host: 'cfg.example.com', port: 6379 }] });
    expect(tls.options).toMatchObject({ username: 'app', password: 'p@ss:word', tls: {} });
    expect(parseRedisUrl('redis+cluster://[::1]:7000,[::1]')).toMatchObject({
      nodes: [
        { host: '::1', port: 7000 },
        { host: '::1', port: 6379 },
      ],
    });
    // A cluster has one database: a path is ignored there, honoured on a single Redis.
    expect(parseRedisUrl('redis+cluster://h:7000/3').options.db).toBeUndefined();
    expect(parseRedisUrl('redis://:secret@h:6380/3')).toMatchObject({
      cluster: false,
      nodes: [{ host: 'h', port: 6380 }],
      options: { password: 'secret', db: 3 },
    });
  });

  it('connects with the ioredis Cluster client when given a cluster', async () => {
    expect((redis as Cluster).isCluster).toBe(true);
    const request = createRedis(cluster.url, 'request', 'cluster-request');
    await waitForRedis(request);
    expect((request as Cluster).isCluster).toBe(true);
    expect(await request.ping()).toBe('PONG');
    request.disconnect();
  });
});

async function seed(id: string, numbers: string[]): Promise<string[]> {
  await store.createCampaign(id, settings, { now: T0 });
  const ids = numbers.map(contactIdFor);
  expect(
    await store.addContacts(
      id,
      ids.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
    ),
  ).toEqual(ids.map(() => 1));
  return ids;
}

describe('contact state machine scripts on a cluster', () => {
  it('runs begin, dialed, interim, settle, end (re-dial, terminal, completed) for campaigns on every master', async () => {
    for (const [i, id] of CAMPAIGNS.entries()) {
      const [a, b] = await seed(id, [`+1555010${i}001`, `+1555010${i}002`]);
      expect(
        await store.attempts.begin({ campaignId: id, contactId: a!, attempt: 1 }, { deadline: T0 + 5000, now: T0 }),
      ).toMatchObject({ kind: 'begun' });
      expect(
        await store.attempts.dialed(
          { campaignId: id, contactId: a!, attempt: 1 },
          { sid: `sid-${id}`, callId: `call-${id}`, now: T0 },
        ),
      ).toBe('dialed');
      expect(await store.attempts.bySid(id, `sid-${id}`)).toEqual({ campaignId: id, contactId: a, attempt: 1 });
      expect(
        await store.attempts.interim({ campaignId: id, contactId: a!, attempt: 1 }, { amd: 'amd_human_detected' }, T0),
      ).toBe('interim');
      const redial = await store.attempts.end(
        {
          campaignId: id,
          contactId: a!,
          attempt: 1,
          from: 'call',
          outcome: 'busy',
          fields: { sip: 486 },
          redialDelayMs: 0,
        },
        T0,
      );
      expect(redial.result).toBe('redial');
      expect(
        await store.attempts.begin({ campaignId: id, contactId: a!, attempt: 2 }, { deadline: T0 + 5000, now: T0 }),
      ).toMatchObject({ kind: 'begun' });
      expect(await store.attempts.settle({ campaignId: id, contactId: a!, attempt: 2 }, 'not-placed', T0)).toBe(
        'settled',
      );
      expect(
        await store.attempts.begin({ campaignId: id, contactId: a!, attempt: 2 }, { deadline: T0 + 5000, now: T0 }),
      ).toMatchObject({ kind: 'begun' });
      expect(await store.attempts.dueDeadlines(id, T0 + 5000)).toContainEqual({
        campaignId: id,
        contactId: a,
        attempt: 2,
      });
      const end = await store.attempts.end(
        { campaignId: id, contactId: a!, attempt: 2, from: 'call', outcome: 'answered-human', fields: { sip: 200 } },
        T0,
      );
      expect(end.result).toBe('terminal');
      expect(
        (
          await store.attempts.end(
            { campaignId: id, contactId: b!, attempt: 1, from: 'before-dial', outcome: 'suppressed', fields: {} },
            T0,
          )
        ).result,
      ).toBe('completed');
      expect(await store.stats(id)).toMatchObject({ contacts: 2, terminal: 2, dialouts: 2, redials: 1 });
      expect(await store.getState(id)).toBe('completed');
    }
    expect(await store.listCampaignIds()).toEqual(expect.arrayContaining(CAMPAIGNS));
  });
});

describe('limits and admission ({limits} tag) on a cluster', () => {
  it('admits a dial-out in one script (live slot + paced instant) and releases its slot in every scope', async () => {
    const scope = { campaignId: 'bravo', trunk: 'T1' };
    const req = (member: string) => ({
      member,
      scope,
      limits: { global: 10, campaign: 1, trunk: 5 },
      leaseMs: 60_000,
      globalRate: 10,
      campaignRate: 5,
    });
    expect(await limits.admit(req('bravo/x/1'), T0)).toEqual({ kind: 'admitted', waitMs: 0 });
    expect(await limits.admit(req('bravo/y/1'), T0)).toEqual({ kind: 'full', scope: 2 });
    expect(await limits.liveCount(scope, T0)).toBe(1);
    expect(await limits.releaseLive('bravo/x/1', scope)).toBe(3);
    expect(await limits.admit(req('bravo/y/1'), T0)).toEqual({ kind: 'admitted', waitMs: 200 });
  });
});

describe('campaign control, queues and do-not-call lists on a cluster', () => {
  it('status (MULTI), pause, resume and cancel (BullMQ scripts) work per campaign slot', async () => {
    const control = new CampaignControl({ store, queues, limits });
    const ids = await seed('charlie', ['+15550200001', '+15550200002', '+15550200003']);
    await queues
      .get('charlie')
      .addBulk(ids.map((c) => ({ name: 'dial', data: { c, n: 1 }, opts: { jobId: `${c}-1` } })));
    await queues.addAttempt('charlie', ids[0]!, 1);
    expect(await control.campaignStatus('charlie')).toMatchObject({
      state: 'running',
      contacts: 3,
      queue: { waiting: 3 },
    });
    expect(await control.pauseCampaign('charlie')).toMatchObject({ state: 'paused' });
    expect(await queues.get('charlie').isPaused()).toBe(true);
    expect(await control.resumeCampaign('charlie')).toMatchObject({ state: 'running' });
    expect(await control.cancelCampaign('charlie')).toMatchObject({ cancelled: 3, jobsRemoved: 3 });
    expect(await store.stats('charlie')).toMatchObject({ terminal: 3, outcomes: { cancelled: 3 } });
  });

  it("changes a campaign's settings, then deletes it from every node", async () => {
    const config = loadConfig({ REDIS_URL: cluster.url, REDIS_PREFIX: keys.prefix, SAVG_CALLER: '+15550001111' });
    await store.createCampaign('hotel', settings);
    const changed = await updateCampaignSettings({ store, queues, config }, 'hotel', { ratePerSecond: 3, trunk: 'T2' });
    expect(changed.changed.sort()).toEqual(['ratePerSecond', 'trunk']);
    const global = GlobalLimitsStore.fromConfig(redis, keys, config);
    expect((await global.set({ ratePerSecond: 7 })).source.ratePerSecond).toBe('redis');
    await global.reset();
    const ids = await seed('india', ['+15550400001', '+15550400002']);
    for (const c of ids) await queues.addAttempt('india', c, 1);
    await new CampaignControl({ store, queues, limits }).cancelCampaign('india');
    await limits.admit(
      {
        member: 'india/x/1',
        scope: { campaignId: 'india' },
        limits: { global: 10 },
        leaseMs: 1000,
        globalRate: 100,
        campaignRate: 5,
      },
      T0,
    );
    expect(await deleteCampaign({ store, queues }, 'india')).toMatchObject({ state: 'cancelled' });
    const left = await keysPerNode(cluster, `${keys.prefix}:*`);
    for (const counts of Object.values(left)) expect(counts.india).toBeUndefined();
    const all = Object.values(left).flatMap((c) => Object.keys(c));
    expect(all).toContain('hotel');
    expect(await redis.exists(keys.rateCampaign('india'), keys.liveCampaign('india'))).toBe(0);
    expect(await store.listCampaignIds()).not.toContain('india');
  });

  it('keeps the global and per-campaign do-not-call lists', async () => {
    const list = new SuppressionList(redis, keys);
    expect(await list.add(['+15550300001', '+15550300002'])).toBe(2);
    expect(await list.add(['+15550300003'], { campaignId: 'golf' })).toBe(1);
    expect(await list.has('+15550300001')).toBe(true);
    expect(await list.has('+15550300003', { campaignId: 'golf' })).toBe(true);
    expect(await list.remove(['+15550300002'])).toBe(1);
    expect(await list.size()).toBe(1);
  });
});

describe('where the keys live', () => {
  it('would catch a script mixing hash tags (the rig is a real cluster)', async () => {
    await expect(redis.eval('return 1', 2, keys.campaignMeta('alpha'), keys.rateGlobal())).rejects.toThrow(/CROSSSLOT/);
  });

  it('puts each hash tag in one slot and spreads the campaigns over every master', async () => {
    const byTag = new Map<string, Set<number>>();
    const mastersOfCampaigns = new Set<string>();
    for (const node of cluster.nodes) {
      const client = cluster.nodeClient(node);
      try {
        let cursor = '0';
        do {
          const [next, found] = await client.scan(cursor, 'MATCH', `${keys.prefix}:*`, 'COUNT', 1000);
          cursor = next;
          for (const key of found) {
            const tag = hashTagOf(key);
            const slot = (await client.cluster('KEYSLOT', key)) as number;
            byTag.set(tag, (byTag.get(tag) ?? new Set()).add(slot));
            if (CAMPAIGNS.includes(tag)) mastersOfCampaigns.add(`${node.port}`);
          }
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    }
    expect(byTag.has('(none)')).toBe(false);
    for (const [tag, slots] of byTag) expect([tag, slots.size]).toEqual([tag, 1]);
    expect([...byTag.keys()]).toEqual(expect.arrayContaining([...CAMPAIGNS, 'charlie', 'golf', 'global', 'limits']));
    expect(mastersOfCampaigns.size).toBe(3);
  });
});
