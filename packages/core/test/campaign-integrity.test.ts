// The edges of the state machines: campaign state changes that cannot overwrite a final state, a campaign that
// cannot be left without a state, a claim that recognises itself when re-sent, and the reconciler's scan for
// contacts with no way forward.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Worker } from 'bullmq';
import {
  CampaignQueues,
  CampaignStore,
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  type CampaignSettings,
} from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
let settings: CampaignSettings;
const T0 = 1_800_000_000_000;

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  settings = resolveCampaignSettings({ caller: '+15550001111' }, ctx.config);
});
afterAll(async () => {
  await queues.close();
  await ctx.close();
});

async function campaignWith(id: string, numbers: string[], now = T0): Promise<string[]> {
  await store.createCampaign(id, settings, { now: now });
  const ids = numbers.map(contactIdFor);
  await store.addContacts(
    id,
    ids.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
  );
  return ids;
}

describe('campaign state changes', () => {
  it('cancelled and completed are final: pause, resume and an automatic pause cannot overwrite them', async () => {
    await campaignWith('s-final', ['+15550100001']);
    expect(await store.setState('s-final', 'cancelled')).toMatchObject({
      result: 'changed',
      previous: 'running',
      state: 'cancelled',
    });
    expect(await store.setState('s-final', 'paused', { reason: 'SAVG answered 401' })).toMatchObject({
      result: 'refused',
      state: 'cancelled',
    });
    expect(await store.transition('s-final', 'auto-pause', { reason: 'SAVG answered 401' })).toMatchObject({
      result: 'refused',
    });
    expect(await store.setState('s-final', 'running')).toMatchObject({ result: 'refused' });
    expect(await store.getCampaign('s-final')).toMatchObject({ state: 'cancelled', pauseReason: undefined });

    // Completed: every contact ended while running.
    const [a] = await campaignWith('s-done', ['+15550100002']);
    await store.attempts.end({
      campaignId: 's-done',
      contactId: a!,
      attempt: 1,
      outcome: 'expired',
      fields: {},
      from: 'before-dial',
    });
    expect(await store.getState('s-done')).toBe('completed');
    for (const action of ['pause', 'auto-pause', 'resume', 'cancel'] as const) {
      expect(await store.transition('s-done', action)).toMatchObject({ result: 'refused', previous: 'completed' });
    }
    expect(await store.getState('s-done')).toBe('completed');
  });

  it('an automatic pause never overwrites an operator pause (or its reason); resume completes a finished campaign', async () => {
    const [a] = await campaignWith('s-pause', ['+15550100003']);
    expect((await store.transition('s-pause', 'pause', { reason: 'lunch break' })).result).toBe('changed');
    expect(
      (
        await store.transition('s-pause', 'auto-pause', {
          reason: 'SAVG answered 401',
          now: T0,
          pausedBy: { campaignId: 's-pause', contactId: 'x', attempt: 1 },
        })
      ).result,
    ).toBe('unchanged');
    expect(await store.getCampaign('s-pause')).toMatchObject({
      state: 'paused',
      pauseReason: 'lunch break',
      pausedBy: undefined,
    });
    // The last contact ends while paused: the end does not complete a paused campaign, the resume does.
    await store.attempts.end({
      campaignId: 's-pause',
      contactId: a!,
      attempt: 1,
      outcome: 'expired',
      fields: {},
      from: 'before-dial',
    });
    expect(await store.getState('s-pause')).toBe('paused');
    expect(await store.transition('s-pause', 'resume', { now: T0 + 5 })).toMatchObject({
      result: 'changed',
      state: 'completed',
    });
    expect(await store.getCampaign('s-pause')).toMatchObject({
      state: 'completed',
      completedAt: T0 + 5,
      pauseReason: undefined,
    });
  });

  it('a pause racing a cancel ends cancelled, whatever the interleaving', async () => {
    for (let i = 0; i < 20; i++) {
      const id = `s-race-${i}`;
      await campaignWith(id, ['+15550100004']);
      // Sent in this order, or the reverse: a transition starts when called, so reverse before calling.
      const steps = [
        () => store.transition(id, 'cancel'),
        () => store.transition(id, 'auto-pause', { reason: 'SAVG answered 403' }),
        () => store.transition(id, 'pause'),
      ];
      if (i % 2 === 1) steps.reverse();
      await Promise.all(steps.map((step) => step()));
      expect(await store.getState(id)).toBe('cancelled');
    }
  });

  it('creating a campaign writes settings, state and counters in one step; one left without a state is repaired', async () => {
    expect(await store.createCampaign('s-create', settings, { now: T0, extra: { note: 'extra meta field' } })).toBe(
      true,
    );
    expect(await ctx.redis.hgetall(ctx.keys.campaignMeta('s-create'))).toMatchObject({
      state: 'running',
      createdAt: String(T0),
      note: 'extra meta field',
    });
    expect(await ctx.redis.hgetall(ctx.keys.campaignStats('s-create'))).toEqual({ contacts: '0', terminal: '0' });
    // What a crash between two writes of the old two-step creation left behind: settings, no state.
    await ctx.redis.hset(ctx.keys.campaignMeta('s-crashed'), 'settings', JSON.stringify(settings));
    expect(await store.createCampaign('s-crashed', settings, { now: T0 })).toBe(false);
    expect(await store.getState('s-crashed')).toBe('running');
    expect(await store.listCampaignIds()).toContain('s-crashed');
  });
});

describe('the claim', () => {
  it('recognises itself when sent again (a reply lost in a reconnect), and no other claimer', async () => {
    const [a] = await campaignWith('k-claim', ['+15550100011']);
    const first = await store.attempts.begin(
      { campaignId: 'k-claim', contactId: a!, attempt: 1 },
      { deadline: T0 + 5000, now: T0, claim: 'worker-1:7' },
    );
    expect(first).toMatchObject({ kind: 'begun', record: { s: 'd', a: 1, k: 'worker-1:7' } });
    // The same claim again: its sender never got the first answer, so it has not dialed: `begin`, counted once.
    expect(
      await store.attempts.begin(
        { campaignId: 'k-claim', contactId: a!, attempt: 1 },
        { deadline: T0 + 5000, now: T0, claim: 'worker-1:7' },
      ),
    ).toMatchObject({ kind: 'begun' });
    expect((await store.stats('k-claim')).dialouts).toBe(1);
    // Another delivery of the job: the request may be out, never dial again.
    expect(
      await store.attempts.begin(
        { campaignId: 'k-claim', contactId: a!, attempt: 1 },
        { deadline: T0 + 5000, now: T0, claim: 'worker-2:1' },
      ),
    ).toMatchObject({ kind: 'uncertain' });
    expect(
      await store.attempts.begin(
        { campaignId: 'k-claim', contactId: a!, attempt: 1 },
        { deadline: T0 + 5000, now: T0, claim: 'worker-1:7' },
      ),
    ).toMatchObject({ kind: 'past', state: 'uncertain' });
    expect((await store.getContact('k-claim', a!))?.k).toBeUndefined();
  });

  it('is dropped once the attempt leaves `d`, so the record stays small', async () => {
    const [a, b] = await campaignWith('k-drop', ['+15550100012', '+15550100013']);
    await store.attempts.begin(
      { campaignId: 'k-drop', contactId: a!, attempt: 1 },
      { deadline: T0 + 5000, now: T0, claim: 'c1' },
    );
    await store.attempts.dialed(
      { campaignId: 'k-drop', contactId: a!, attempt: 1 },
      { sid: 'sid-1', callId: 'call-1', now: T0 },
    );
    expect((await store.getContact('k-drop', a!))?.k).toBeUndefined();
    await store.attempts.begin(
      { campaignId: 'k-drop', contactId: b!, attempt: 1 },
      { deadline: T0 + 5000, now: T0, claim: 'c2' },
    );
    await store.attempts.settle({ campaignId: 'k-drop', contactId: b!, attempt: 1 }, 'not-placed', T0);
    expect(await store.getContact('k-drop', b!)).toMatchObject({ s: 'q', a: 0 });
    expect((await store.getContact('k-drop', b!))?.k).toBeUndefined();
    expect((await store.stats('k-drop')).placed).toBe(1);
  });
});

describe('the reconciler scan', () => {
  it('finds contacts with no way forward: no job, a finished job, a live attempt without deadline; leaves the rest', async () => {
    const nums = ['+15550100021', '+15550100022', '+15550100023', '+15550100024', '+15550100025', '+15550100026'];
    const [noJob, failedJob, withJob, liveNoDeadline, liveWithDeadline, ended] = await campaignWith('r-scan', nums);
    const now = Date.now();
    // A job failed for good (e.g. stalled too often): it never runs again.
    await queues.get('r-scan').add('dial', { c: failedJob!, n: 1 }, { jobId: `${failedJob}-1`, attempts: 1 });
    const failer = new Worker(
      'r-scan',
      async () => {
        throw new Error('processor crashed');
      },
      { connection: ctx.redis, prefix: ctx.keys.campaignQueuePrefix('r-scan') },
    );
    await waitUntil(
      async () => (await queues.get('r-scan').getJob(`${failedJob}-1`))?.failedReason,
      10_000,
      'the job failed',
    );
    await failer.close();
    await queues.addAttempt('r-scan', withJob!, 1);
    await store.attempts.begin(
      { campaignId: 'r-scan', contactId: liveNoDeadline!, attempt: 1 },
      { deadline: now + 60_000, now: now - 120_000 },
    );
    await ctx.redis.zrem(ctx.keys.campaignDeadlines('r-scan'), `${liveNoDeadline}:1`);
    await store.attempts.begin(
      { campaignId: 'r-scan', contactId: liveWithDeadline!, attempt: 1 },
      { deadline: now + 60_000, now: now - 120_000 },
    );
    await store.attempts.end(
      { campaignId: 'r-scan', contactId: ended!, attempt: 1, outcome: 'expired', fields: {}, from: 'before-dial' },
      now - 120_000,
    );
    // The waiting job of `withJob` is taken by nothing: it is waiting, which is a way forward. Contacts that never
    // moved count from when contacts were last added (now): the scan looks a minute later.
    const later = now + 61_000;
    const { passDone, stranded } = await store.findStranded('r-scan', { now: later, graceMs: 60_000, pageSize: 100 });
    expect(passDone).toBe(true);
    expect(stranded.sort((x, y) => x.kind.localeCompare(y.kind))).toEqual([
      { contactId: failedJob, attempt: 1, waiting: true, due: 0, kind: 'job-finished' },
      { contactId: liveNoDeadline, attempt: 1, waiting: false, due: 0, kind: 'no-deadline' },
      { contactId: noJob, attempt: 1, waiting: true, due: 0, kind: 'no-job' },
    ]);
    // What changed within the grace period is in motion: left alone.
    await store.attempts.settle(
      { campaignId: 'r-scan', contactId: liveWithDeadline!, attempt: 1 },
      'not-placed',
      later,
    );
    // Those found are claimed for the grace period (another process scanning now does not report them again),
    // and the one that just changed is in motion.
    const recent = await store.findStranded('r-scan', { now: later, graceMs: 60_000, pageSize: 100 });
    expect(recent.stranded).toEqual([]);
    // Ready to act on once the grace has passed: queued, no job.
    const after = await store.findStranded('r-scan', { now: later + 60_000, graceMs: 60_000, pageSize: 100 });
    expect(after.stranded.map((c) => c.contactId)).toEqual([liveWithDeadline]);
  });

  it('walks a big campaign a page at a time, sharing its cursor between callers', async () => {
    const nums = Array.from({ length: 2000 }, (_, i) => `+1555020${String(i).padStart(4, '0')}`);
    await campaignWith('r-big', nums);
    const now = Date.now();
    const seen = new Set<string>();
    let calls = 0;
    for (;;) {
      const page = await store.findStranded('r-big', { now, graceMs: 0, pageSize: 300 });
      calls++;
      for (const c of page.stranded) seen.add(c.contactId);
      if (page.passDone) break;
      expect(calls).toBeLessThan(100);
    }
    // No job was ever added: every contact is found once per pass, over several bounded pages.
    expect(seen.size).toBe(2000);
    expect(calls).toBeGreaterThan(3);
    expect(await ctx.redis.hget(ctx.keys.campaignReconcile('r-big'), 'passes')).toBe('1');
  });
});
