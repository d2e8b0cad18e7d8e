// Changes at run time (real Redis): a running campaign's settings (validated, merged atomically, refused once the
// campaign is finished, announced), the global limits every admission reads, and deleting a finished campaign
// (every key of it gone, other campaigns untouched, safe to repeat and to resume).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignQueues,
  CampaignStore,
  GlobalLimitsStore,
  Limits,
  createRedis,
  deleteCampaign,
  isDialerError,
  newContactRecord,
  openResultsQueue,
  contactIdFor,
  resolveCampaignSettings,
  suppressedContactRecord,
  updateCampaignSettings,
  type AdmissionRequest,
  type CampaignSettingsInput,
} from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
let serial = 0;

beforeAll(() => {
  ctx = testContext({ REDIAL_DELAY_MS: '60000' });
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
});
afterAll(async () => {
  await queues.close();
  await ctx.close();
});

const deps = () => ({ store, queues, config: ctx.config });
const update = (id: string, patch: unknown) => updateCampaignSettings(deps(), id, patch, { recheckAfterMs: 0 });

async function seed(settings: CampaignSettingsInput = {}, count = 3): Promise<{ id: string; contacts: string[] }> {
  const id = `lc${++serial}`;
  await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111', ...settings }, ctx.config));
  const numbers = Array.from({ length: count }, (_, i) => `+1555${String(serial).padStart(3, '0')}${i}000`);
  const contacts = numbers.map(contactIdFor);
  await store.addContacts(
    id,
    contacts.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
  );
  for (const c of contacts) await queues.addAttempt(id, c, 1);
  return { id, contacts };
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDialerError(err)) throw new Error(`expected a DialerError, got ${String(err)}`);
  return err;
}

describe('changing a running campaign', () => {
  it('refuses keys that cannot change and bad values, naming the key; changes nothing then', async () => {
    const { id } = await seed({ ratePerSecond: 2 });
    const before = await ctx.redis.hget(ctx.keys.campaignMeta(id), 'settings');
    for (const [patch, key] of [
      [{ botId: 'st-other' }, 'botId'],
      [{ ratePerSecond: -1 }, 'ratePerSecond'],
      [{ ratePerSecond: 20_000 }, 'ratePerSecond'],
      [{ maxLiveCalls: 1.5 }, 'maxLiveCalls'],
      [{ window: { start: '25:00' } }, 'window.start'],
      [{ window: { start: '10:00', end: '09:00' } }, 'window'],
      [{ blackoutDates: ['2026-02-30'] }, 'blackoutDates.0'],
      [{ redial: { rules: { nonsense: {} } } }, 'redial.rules'],
      [{ caller: null }, 'caller'],
    ] as const) {
      const err = await errorOf(update(id, patch));
      expect(err.code).toBe('DIALER_ERR_SETTINGS');
      expect(err.message).toContain(key);
    }
    expect((await errorOf(update(id, {}))).code).toBe('DIALER_ERR_SETTINGS');
    expect(await ctx.redis.hget(ctx.keys.campaignMeta(id), 'settings')).toBe(before);
  });

  it('merges: given keys replace, others stay, null removes; records when and announces it', async () => {
    const { id } = await seed({
      ratePerSecond: 2,
      maxLiveCalls: 5,
      trunk: 'T1',
      regionRules: { 'US-FL': { end: '20:00' } },
      redial: { maxAttempts: 3, rules: { busy: { delayMs: 1000 }, 'no-answer': { maxAttempts: 2 } } },
    });
    const sub = createRedis(ctx.config.redisUrl, 'blocking', 'test-sub');
    const events: Record<string, unknown>[] = [];
    sub.on('message', (_c: string, m: string) => events.push(JSON.parse(m) as Record<string, unknown>));
    await sub.subscribe(ctx.keys.events());
    try {
      const r = await update(id, {
        ratePerSecond: 20,
        maxLiveCalls: null,
        window: { start: '09:00', end: '17:00' },
        metadata: { team: 'b' },
      });
      expect(r).toMatchObject({ campaign: id, state: 'running', heldRechecked: 0 });
      expect([...r.changed].sort()).toEqual(['maxLiveCalls', 'metadata', 'ratePerSecond', 'window']);
      const meta = await store.requireCampaign(id);
      expect(meta.settings).toEqual(r.settings);
      expect(meta.settings).toMatchObject({
        ratePerSecond: 20,
        trunk: 'T1',
        caller: '+15550001111',
        metadata: { team: 'b' },
        regionRules: { 'US-FL': { end: '20:00' } },
        window: { start: '09:00', end: '17:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
      });
      expect(meta.settings.maxLiveCalls).toBeUndefined();
      expect(meta.settingsUpdatedAt).toBe(Date.parse(r.settingsUpdatedAt));
      await waitUntil(() => events.some((e) => e.type === 'campaign-settings' && e.campaignId === id), 5000, 'event');

      // A new default maxAttempts reaches the rules that inherited it; a rule's own stays.
      const redial = await update(id, { redial: { maxAttempts: 5, rules: { busy: { delayMs: 1000 } } } });
      expect(redial.settings.redial).toEqual({ maxAttempts: 5, rules: { busy: { delayMs: 1000, maxAttempts: 5 } } });
      // A trunk removed stays removed (no SAVG_TRUNK of whoever changes it); the same value again changes nothing.
      expect((await update(id, { trunk: null })).settings.trunk).toBeUndefined();
      expect((await update(id, { ratePerSecond: 20 })).changed).toEqual([]);
      // A window that leaves a region rule no time is refused, as in the settings file.
      const err = await errorOf(update(id, { window: { start: '20:30', end: '22:00' } }));
      expect(err.message).toContain('regionRules.US-FL');
    } finally {
      sub.disconnect();
    }
  });

  it('adds, changes and removes the results webhook: the ends after each change are recorded as it says', async () => {
    const { id, contacts } = await seed({}, 3);
    const end = (i: number) =>
      store.attempts.end({
        campaignId: id,
        contactId: contacts[i]!,
        attempt: 1,
        from: 'before-dial',
        outcome: 'expired',
        fields: { rs: 'test' },
      });
    const outbox = () => ctx.redis.llen(ctx.keys.campaignOutbox(id));
    await end(0);
    expect(await outbox()).toBe(0);
    const url = 'http://127.0.0.1:9/results';
    const added = await update(id, { results: { url, secret: 'live-secret-0123456789', attempts: true } });
    expect(added.changed).toEqual(['results']);
    expect(added.settings.results).toMatchObject({ url, secret: '********', attempts: true });
    expect(await ctx.redis.hget(ctx.keys.campaignMeta(id), 'results')).toBe('a');
    expect(await ctx.redis.sismember(ctx.keys.resultsCampaigns(), id)).toBe(1);
    await end(1);
    // The attempt's end and the contact's end.
    expect(await outbox()).toBe(2);
    expect(
      (await errorOf(update(id, { results: { url: 'http://example.com/r', secret: 'x'.repeat(20) } }))).message,
    ).toContain('results.url');
    const removed = await update(id, { results: null });
    expect(removed.changed).toEqual(['results']);
    expect(removed.settings.results).toBeUndefined();
    expect(await ctx.redis.hget(ctx.keys.campaignMeta(id), 'results')).toBeNull();
    await end(2);
    expect(await outbox()).toBe(2);
  });

  it('is atomic: concurrent changes of different keys all land', async () => {
    const { id } = await seed();
    const patches = [
      { ratePerSecond: 7 },
      { maxLiveCalls: 9 },
      { metadata: { a: 1 } },
      { blackoutDates: ['2030-01-01'] },
      { caller: '+15550002222' },
      { trunk: 'T9' },
    ];
    // Each on its own connection, so the compare-and-set really races.
    const others = patches.map(() => new CampaignStore(createRedis(ctx.config.redisUrl, 'blocking'), ctx.keys));
    try {
      await Promise.all(
        patches.map((p, i) => updateCampaignSettings({ ...deps(), store: others[i]! }, id, p, { recheckAfterMs: 0 })),
      );
    } finally {
      for (const o of others) o.redis.disconnect();
    }
    expect((await store.requireCampaign(id)).settings).toMatchObject({
      ratePerSecond: 7,
      maxLiveCalls: 9,
      metadata: { a: 1 },
      blackoutDates: ['2030-01-01'],
      caller: '+15550002222',
      trunk: 'T9',
    });
  });

  it('is refused for a cancelled or completed campaign, and for an unknown one', async () => {
    const { id } = await seed();
    await store.transition(id, 'cancel');
    const err = await errorOf(update(id, { ratePerSecond: 3 }));
    expect(err.code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    const done = await seed({}, 0);
    await ctx.redis.hset(ctx.keys.campaignMeta(done.id), 'state', 'completed');
    expect((await errorOf(update(done.id, { ratePerSecond: 3 }))).code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    expect((await errorOf(update('no-such', { ratePerSecond: 3 }))).code).toBe('DIALER_ERR_CAMPAIGN_NOT_FOUND');
  });

  it('gives held contacts back to the workers, again after a worker may have re-held one with the old rules', async () => {
    const id = `lc${++serial}`;
    await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
    const numbers = ['+15558880001', '+15558880002', '+15558880003'];
    const contacts = numbers.map(contactIdFor);
    await store.addContacts(
      id,
      contacts.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
    );
    // Two contacts held by their window (delayed for an hour), one not held (its job waits).
    for (const [i, c] of contacts.entries()) {
      await queues.addAttempt(id, c, 1, i < 2 ? 3_600_000 : 0);
      if (i < 2) await store.attempts.hold({ campaignId: id, contactId: c, attempt: 1 }, 'window');
    }
    const queue = queues.get(id);
    const jobOf = (c: string) => `${c}-1`;
    let resleeps = 0;
    const r = await updateCampaignSettings(
      {
        ...deps(),
        // Between the passes: a worker still on the old settings holds contact 0 again; contact 1 is held again
        // by a worker that took its job after the change (it knew the new rules): only contact 0 is promoted again.
        sleep: async () => {
          resleeps++;
          for (const c of contacts.slice(0, 2)) {
            await queue.remove(jobOf(c));
            await queues.addAttempt(id, c, 1, 3_600_000);
          }
          await ctx.redis.hset(
            `${ctx.keys.campaignJobKeyPrefix(id)}${jobOf(contacts[1]!)}`,
            'processedOn',
            Date.now() + 60_000,
          );
        },
      },
      id,
      { window: { start: '00:00', end: '24:00' } },
      { recheckAfterMs: 1 },
    );
    expect(resleeps).toBe(1);
    expect(r.heldRechecked).toBe(3);
    expect(await (await queue.getJob(jobOf(contacts[0]!)))?.isDelayed()).toBe(false);
    expect(await (await queue.getJob(jobOf(contacts[1]!)))?.isDelayed()).toBe(true);
    expect(await queue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 2, delayed: 1 });
  });

  it('moves calls in progress to the new trunk, where their release looks', async () => {
    const { id } = await seed({ trunk: 'OLD' });
    const limits = new Limits(ctx.redis, ctx.keys);
    const [m1, m2] = [`${id}/c1/1`, `${id}/c2/1`];
    for (const member of [m1, m2]) {
      const admitted = await limits.admit({
        member,
        scope: { campaignId: id, trunk: 'OLD' },
        limits: { global: 100, campaign: 100, trunk: 100 },
        leaseMs: 60_000,
        globalRate: 1000,
        maxAheadMs: 10_000,
      });
      expect(admitted.kind).toBe('admitted');
    }
    await updateCampaignSettings(
      {
        ...deps(),
        // Between the passes an ingester that has not seen the change yet releases m2 under the old trunk.
        sleep: () => limits.releaseLive(m2, { campaignId: id, trunk: 'OLD' }).then(() => undefined),
      },
      id,
      { trunk: 'NEW' },
      { recheckAfterMs: 1 },
    );
    expect(await ctx.redis.zcard(ctx.keys.liveTrunk('OLD'))).toBe(0);
    expect(await ctx.redis.zrange(ctx.keys.liveTrunk('NEW'), 0, -1)).toEqual([m1]);
    await limits.releaseLive(m1, { campaignId: id, trunk: 'NEW' });
    expect(await ctx.redis.zcard(ctx.keys.liveTrunk('NEW'))).toBe(0);
  });
});

describe('global limits at run time', () => {
  it('show the environment, set (validated), reset; every admission follows them', async () => {
    const own = testContext({ DIAL_RATE_PER_SECOND: '1000', MAX_LIVE_CALLS: '100' });
    try {
      const global = GlobalLimitsStore.fromConfig(own.redis, own.keys, own.config);
      expect(await global.get()).toEqual({
        ratePerSecond: 1000,
        maxLiveCalls: 100,
        source: { ratePerSecond: 'env', maxLiveCalls: 'env' },
      });
      for (const bad of [{ ratePerSecond: 0 }, { ratePerSecond: 10_001 }, { maxLiveCalls: 2.5 }, {}]) {
        expect((await errorOf(global.set(bad))).code).toBe('DIALER_ERR_LIMITS');
      }
      const set = await global.set({ maxLiveCalls: 2 });
      expect(set).toMatchObject({
        ratePerSecond: 1000,
        maxLiveCalls: 2,
        source: { ratePerSecond: 'env', maxLiveCalls: 'redis' },
      });

      // The worker passes its environment's values; the stored cap wins: the third call finds the global scope full.
      const limits = new Limits(own.redis, own.keys);
      const req = (i: number): AdmissionRequest => ({
        member: `g/${i}/1`,
        scope: { campaignId: 'g' },
        limits: { global: 100 },
        leaseMs: 60_000,
        globalRate: 1000,
        maxAheadMs: 60_000,
      });
      const T0 = 1_800_000_000_000;
      expect((await limits.admit(req(1), T0)).kind).toBe('admitted');
      expect((await limits.admit(req(2), T0)).kind).toBe('admitted');
      expect(await limits.admit(req(3), T0)).toEqual({ kind: 'full', scope: 1 });

      // The stored rate wins too: at 2/s the next instants are 500 ms apart.
      await global.set({ ratePerSecond: 2, maxLiveCalls: 50 });
      const waits: number[] = [];
      for (let i = 4; i < 7; i++) {
        const r = await limits.admit(req(i), T0 + 10_000);
        if (r.kind !== 'admitted') throw new Error(`expected admission, got ${r.kind}`);
        waits.push(r.waitMs);
      }
      expect(waits).toEqual([0, 500, 1000]);

      expect(await global.reset()).toEqual({
        ratePerSecond: 1000,
        maxLiveCalls: 100,
        source: { ratePerSecond: 'env', maxLiveCalls: 'env' },
      });
    } finally {
      await own.close();
    }
  });
});

/** Every key under the prefix that names the campaign: in its hash tag, or a `{limits}` key of it. */
async function keysOf(id: string): Promise<string[]> {
  const all = await ctx.redis.keys(`${ctx.keys.prefix}:*`);
  return all.filter((k) => k.includes(`{${id}}`) || k.endsWith(`:c:${id}`));
}

describe('deleting a finished campaign', () => {
  async function finished(state: 'completed' | 'cancelled'): Promise<string> {
    const { id, contacts } = await seed({ trunk: 'TD' });
    const limits = new Limits(ctx.redis, ctx.keys);
    // Traces of a campaign that ran: a paced instant, a live slot given back, a rate sample, reconciler state.
    const member = `${id}/${contacts[0]}/1`;
    await limits.admit({
      member,
      scope: { campaignId: id, trunk: 'TD' },
      limits: { global: 100 },
      leaseMs: 60_000,
      globalRate: 1000,
      campaignRate: 10,
    });
    await limits.releaseLive(member, { campaignId: id, trunk: 'TD' });
    await store.findStranded(id, { now: Date.now(), graceMs: 0, pageSize: 10 });
    if (state === 'cancelled') await store.transition(id, 'cancel');
    for (const c of contacts) {
      await store.attempts.end({
        campaignId: id,
        contactId: c,
        attempt: 1,
        from: 'before-dial',
        outcome: state === 'cancelled' ? 'cancelled' : 'expired',
        fields: { rs: 'test' },
      });
    }
    await waitUntil(async () => (await store.getState(id)) === state, 5000, state);
    return id;
  }

  it('removes every key and the queue; other campaigns are untouched; a second delete finds nothing', async () => {
    const other = await seed();
    const otherKeys = (await keysOf(other.id)).sort();
    for (const state of ['completed', 'cancelled'] as const) {
      const id = await finished(state);
      expect((await keysOf(id)).length).toBeGreaterThan(5);
      const r = await deleteCampaign({ store, queues }, id);
      expect(r).toMatchObject({ campaign: id, state, resumed: false });
      expect(await keysOf(id)).toEqual([]);
      expect(await store.listCampaignIds()).not.toContain(id);
      expect(await store.getCampaign(id)).toBeUndefined();
      expect((await errorOf(deleteCampaign({ store, queues }, id))).code).toBe('DIALER_ERR_CAMPAIGN_NOT_FOUND');
    }
    expect((await keysOf(other.id)).sort()).toEqual(otherKeys);
    expect(await queues.get(other.id).getJobCounts('waiting')).toEqual({ waiting: 3 });
  });

  it('deletes a campaign suppressed in full at import', async () => {
    const id = `lc${++serial}`;
    await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
    const number = '+15559990000';
    await store.addContacts(id, [
      [contactIdFor(number), suppressedContactRecord(newContactRecord({ p: number, r: 2 }), 'test', Date.now())],
    ]);
    expect(await store.getState(id)).toBe('completed');
    await deleteCampaign({ store, queues }, id);
    expect(await keysOf(id)).toEqual([]);
  });

  it('is refused while running, paused, or with calls in progress; unknown is not found', async () => {
    const { id, contacts } = await seed();
    expect((await errorOf(deleteCampaign({ store, queues }, id))).code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    await store.transition(id, 'pause');
    expect((await errorOf(deleteCampaign({ store, queues }, id))).code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    // One call in progress when the campaign is cancelled: its notification still needs the records.
    await store.transition(id, 'resume');
    await store.attempts.begin(
      { campaignId: id, contactId: contacts[0]!, attempt: 1 },
      { deadline: Date.now() + 60_000 },
    );
    await store.transition(id, 'cancel');
    const err = await errorOf(deleteCampaign({ store, queues }, id));
    expect(err.code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    expect(err.message).toContain('in progress');
    expect(await store.getCampaign(id)).toBeDefined();
    expect((await errorOf(deleteCampaign({ store, queues }, 'no-such'))).code).toBe('DIALER_ERR_CAMPAIGN_NOT_FOUND');
  });

  it('waits for results not yet queued for the webhook, then leaves the webhook registry', async () => {
    const { id, contacts } = await seed({
      results: { url: 'http://127.0.0.1:9/results', secret: 'test-secret-0123456789' },
    });
    expect(await ctx.redis.sismember(ctx.keys.resultsCampaigns(), id)).toBe(1);
    // A change answers with the settings, never with the webhook's secret (it is printed and served).
    const changed = await update(id, { ratePerSecond: 5 });
    expect(changed.settings.results).toMatchObject({ secret: '********' });
    expect(JSON.stringify(changed)).not.toContain('test-secret');
    expect((await store.getCampaign(id))?.settings.results?.secret).toBe('test-secret-0123456789');
    for (const c of contacts) {
      await store.attempts.end({
        campaignId: id,
        contactId: c,
        attempt: 1,
        from: 'before-dial',
        outcome: 'expired',
        fields: { rs: 'test' },
      });
    }
    await waitUntil(async () => (await store.getState(id)) === 'completed', 5000, 'completed');
    expect(await ctx.redis.llen(ctx.keys.campaignOutbox(id))).toBe(contacts.length);
    const err = await errorOf(deleteCampaign({ store, queues }, id));
    expect(err.code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    expect(err.message).toContain('results webhook');
    expect(await ctx.redis.llen(ctx.keys.campaignOutbox(id))).toBe(contacts.length);
    // What a results deliverer's mover does: the entries go into the delivery queue, the outbox is trimmed.
    await ctx.redis.del(ctx.keys.campaignOutbox(id));
    const results = openResultsQueue(ctx.redis, ctx.keys);
    const job = await results.add(
      'contact',
      { campaignId: id },
      { jobId: `${id}/${contacts[0]}/1/contact`, delay: 60_000 },
    );
    await results.add('contact', { campaignId: 'other' }, { jobId: `other-${id}/x/1/contact`, delay: 60_000 });
    // Not delivered yet: it needs the campaign's webhook settings.
    const waiting = await errorOf(deleteCampaign({ store, queues }, id));
    expect(waiting.code).toBe('DIALER_ERR_CAMPAIGN_STATE');
    expect(waiting.message).toContain('being delivered');
    expect(await ctx.redis.hget(ctx.keys.campaignMeta(id), 'deleting')).toBeNull();
    expect(await store.getCampaign(id)).toBeDefined();
    await job.remove();
    await deleteCampaign({ store, queues }, id);
    await results.close();
    expect(await keysOf(id)).toEqual([]);
    expect(await ctx.redis.sismember(ctx.keys.resultsCampaigns(), id)).toBe(0);
  });

  it('finishes a deletion interrupted half-way', async () => {
    const id = await finished('completed');
    // The first run died after marking and removing the counters (the state check could not pass again).
    await ctx.redis.hset(ctx.keys.campaignMeta(id), 'deleting', Date.now());
    await ctx.redis.del(ctx.keys.campaignStats(id), ctx.keys.campaignContacts(id));
    const r = await deleteCampaign({ store, queues }, id);
    expect(r.resumed).toBe(true);
    expect(await keysOf(id)).toEqual([]);
    expect(await store.listCampaignIds()).not.toContain(id);
  });
});
