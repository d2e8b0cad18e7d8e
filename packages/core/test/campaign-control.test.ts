import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  Limits,
  QUEUE_PAUSED_REASON,
  attemptKey,
  contactIdFor,
  isDialerError,
  newContactRecord,
  resolveCampaignSettings,
  type CampaignSettings,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
let limits: Limits;
let control: CampaignControl;
let settings: CampaignSettings;
let serial = 0;

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  limits = new Limits(ctx.redis, ctx.keys);
  control = new CampaignControl({ store, queues, limits });
  settings = resolveCampaignSettings({ caller: '+15550001111' }, ctx.config);
});
afterAll(async () => {
  await queues.close();
  await ctx.close();
});

/** A campaign with `count` queued contacts and the job of each one's first attempt. */
async function seed(count: number): Promise<{ id: string; contacts: string[] }> {
  const id = `cc${++serial}`;
  await store.createCampaign(id, settings);
  const numbers = Array.from(
    { length: count },
    (_, i) => `+1555${String(serial).padStart(3, '0')}${String(i).padStart(4, '0')}`,
  );
  const contacts = numbers.map(contactIdFor);
  await store.addContacts(
    id,
    contacts.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
  );
  for (const c of contacts) await queues.addAttempt(id, c, 1);
  return { id, contacts };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDialerError(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

describe('CampaignControl', () => {
  it('pauses: state and queue, `begin` refuses; resume continues and clears the reason', async () => {
    const { id, contacts } = await seed(2);
    expect(await control.pauseCampaign(id, 'lunch')).toMatchObject({ state: 'paused', previous: 'running' });
    expect(await queues.get(id).isPaused()).toBe(true);
    expect(
      await store.attempts.begin(
        { campaignId: id, contactId: contacts[0]!, attempt: 1 },
        { deadline: Date.now() + 1000 },
      ),
    ).toMatchObject({ kind: 'not-running', state: 'paused' });
    const paused = await control.campaignStatus(id);
    expect(paused).toMatchObject({ state: 'paused', pauseReason: 'lunch', queue: { isPaused: true, waiting: 2 } });
    // Pausing again keeps the first reason.
    await control.pauseCampaign(id);
    expect((await control.campaignStatus(id)).pauseReason).toBe('lunch');

    expect(await control.resumeCampaign(id)).toMatchObject({ state: 'running', previous: 'paused' });
    expect(await queues.get(id).isPaused()).toBe(false);
    expect(await control.campaignStatus(id)).toMatchObject({ state: 'running', pauseReason: null });
    expect(
      await store.attempts.begin(
        { campaignId: id, contactId: contacts[0]!, attempt: 1 },
        { deadline: Date.now() + 1000 },
      ),
    ).toMatchObject({ kind: 'begun' });
  });

  it('resumes an automatic pause (SAVG 401) and clears its reason', async () => {
    const { id } = await seed(1);
    // What a worker does on a 401.
    await store.setState(id, 'paused', { reason: 'SAVG answered 401 Unauthorized' });
    await queues.get(id).pause();
    expect((await control.campaignStatus(id)).pauseReason).toBe('SAVG answered 401 Unauthorized');
    await control.resumeCampaign(id);
    expect(await store.getCampaign(id)).toMatchObject({ state: 'running', pauseReason: undefined });
  });

  it('treats a queue paused in Bull Board as a paused campaign, and resume resumes the queue', async () => {
    const { id } = await seed(1);
    await queues.get(id).pause();
    expect(await control.campaignStatus(id)).toMatchObject({ state: 'paused', pauseReason: QUEUE_PAUSED_REASON });
    expect(await control.resumeCampaign(id)).toMatchObject({ state: 'running', previous: 'running' });
    expect(await queues.get(id).isPaused()).toBe(false);
    expect((await control.campaignStatus(id)).state).toBe('running');
  });

  it('cancels: pending contacts end `cancelled`, untaken jobs go, calls in progress are left alone', async () => {
    const { id, contacts } = await seed(6);
    const [inCall, dialing, redial, done, ...queued] = contacts as [string, string, string, string, ...string[]];
    // One contact in a call, one being dialed, one waiting for a re-dial (delayed job), one terminal.
    await store.attempts.begin({ campaignId: id, contactId: inCall, attempt: 1 }, { deadline: Date.now() + 60_000 });
    await store.attempts.dialed({ campaignId: id, contactId: inCall, attempt: 1 }, { sid: 'sid-1', callId: 'call-1' });
    await store.attempts.begin({ campaignId: id, contactId: dialing, attempt: 1 }, { deadline: Date.now() + 60_000 });
    await store.attempts.begin({ campaignId: id, contactId: redial, attempt: 1 }, { deadline: Date.now() + 60_000 });
    await store.attempts.end({
      campaignId: id,
      contactId: redial,
      attempt: 1,
      from: 'dialing',
      outcome: 'busy',
      fields: { sip: 486 },
      redialDelayMs: 600_000,
    });
    await queues.addAttempt(id, redial, 2, 600_000);
    await store.attempts.begin({ campaignId: id, contactId: done, attempt: 1 }, { deadline: Date.now() + 60_000 });
    await store.attempts.end({
      campaignId: id,
      contactId: done,
      attempt: 1,
      from: 'dialing',
      outcome: 'answered-human',
      fields: {},
    });
    await limits.admit({
      member: attemptKey(id, inCall, 1),
      scope: { campaignId: id },
      limits: { global: 100, campaign: 100 },
      leaseMs: 60_000,
      globalRate: 1000,
    });

    const result = await control.cancelCampaign(id);
    expect(result).toEqual({ campaign: id, cancelled: 3, inProgress: 2, jobsRemoved: 7 });
    const states = new Map<string, { s: string; o?: string; rs?: string }>();
    for await (const [cid, rec] of store.contacts(id)) states.set(cid, rec);
    for (const c of [...queued, redial])
      expect(states.get(c)).toMatchObject({ s: 't', o: 'cancelled', rs: 'campaign cancelled' });
    expect(states.get(inCall)?.s).toBe('i');
    expect(states.get(dialing)?.s).toBe('d');
    expect(states.get(done)).toMatchObject({ s: 't', o: 'answered-human' });
    const counts = await queues.get(id).getJobCounts('waiting', 'delayed', 'prioritized');
    expect(counts).toEqual({ waiting: 0, delayed: 0, prioritized: 0 });
    expect(
      await store.attempts.begin({ campaignId: id, contactId: queued[0]!, attempt: 1 }, { deadline: Date.now() }),
    ).toMatchObject({ kind: 'past', state: 'ended' });

    const status = await control.campaignStatus(id);
    expect(status).toMatchObject({
      state: 'cancelled',
      contacts: 6,
      terminal: 4,
      pending: 2,
      live: 1,
      outcomes: { cancelled: 3, 'answered-human': 1 },
    });
    // The call in progress still ends normally, and the campaign stays cancelled.
    expect(
      (
        await store.attempts.end({
          campaignId: id,
          contactId: inCall,
          attempt: 1,
          from: 'call',
          outcome: 'answered-machine',
          fields: {},
        })
      ).result,
    ).toBe('terminal');
    expect((await store.getCampaign(id))?.state).toBe('cancelled');
    // Repeating is harmless; resuming or pausing a cancelled campaign is refused.
    expect(await control.cancelCampaign(id)).toMatchObject({ cancelled: 0, inProgress: 1, jobsRemoved: 0 });
    await expectCode(control.resumeCampaign(id), 'DIALER_ERR_CAMPAIGN_STATE');
    await expectCode(control.pauseCampaign(id), 'DIALER_ERR_CAMPAIGN_STATE');
  });

  it('completes on resume when the last calls ended while paused', async () => {
    const { id, contacts } = await seed(1);
    await store.attempts.begin(
      { campaignId: id, contactId: contacts[0]!, attempt: 1 },
      { deadline: Date.now() + 60_000 },
    );
    await control.pauseCampaign(id);
    await store.attempts.end({
      campaignId: id,
      contactId: contacts[0]!,
      attempt: 1,
      from: 'call',
      outcome: 'no-answer',
      fields: {},
    });
    expect((await store.getCampaign(id))?.state).toBe('paused');
    expect(await control.resumeCampaign(id)).toMatchObject({ state: 'completed' });
    expect((await store.getCampaign(id))?.completedAt).toBeGreaterThan(0);
    await expectCode(control.resumeCampaign(id), 'DIALER_ERR_CAMPAIGN_STATE');
    await expectCode(control.cancelCampaign(id), 'DIALER_ERR_CAMPAIGN_STATE');
  });

  it('refuses an unknown campaign', async () => {
    await expectCode(control.pauseCampaign('no-such-campaign'), 'DIALER_ERR_CAMPAIGN_NOT_FOUND');
    await expectCode(control.campaignStatus('no-such-campaign'), 'DIALER_ERR_CAMPAIGN_NOT_FOUND');
  });

  it('reports the status shape, the dial rate over the last minute and an ETA', async () => {
    const { id, contacts } = await seed(10);
    let now = Date.now();
    const clocked = new CampaignControl({ store, queues, limits, now: () => now });
    const first = await clocked.campaignStatus(id);
    expect(Object.keys(first)).toEqual([
      'campaign',
      'state',
      'contacts',
      'terminal',
      'live',
      'outcomes',
      'pauseReason',
      'pending',
      'dialouts',
      'redials',
      'dialRate',
      'eta',
      'queue',
      'createdAt',
      'stranded',
      'held',
      'pace',
    ]);
    expect(first).toMatchObject({
      campaign: id,
      state: 'running',
      contacts: 10,
      terminal: 0,
      live: 0,
      outcomes: {},
      pending: 10,
      dialouts: 0,
      dialRate: null,
      eta: null,
    });
    expect(Object.keys(first.queue).sort()).toEqual([
      'active',
      'completed',
      'delayed',
      'failed',
      'isPaused',
      'prioritized',
      'waiting',
    ]);
    expect(new Date(first.createdAt).getTime()).toBeGreaterThan(0);

    for (const c of contacts.slice(0, 4))
      await store.attempts.begin({ campaignId: id, contactId: c, attempt: 1 }, { deadline: now + 60_000 });
    now += 2000;
    const later = await clocked.campaignStatus(id);
    expect(later.dialRate).toBe(2);
    expect(later.eta).toBe(5);

    // Without an earlier sample, the status can sample the counter itself.
    const { id: fresh } = await seed(2);
    const sampled = await new CampaignControl({ store, queues, limits, sleep: async () => undefined }).campaignStatus(
      fresh,
      { sampleMs: 10 },
    );
    expect(sampled.dialRate).toBe(0);
  });
});
