import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignStore,
  newContactRecord,
  resolveCampaignSettings,
  contactIdFor,
  type CampaignSettings,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;
let settings: CampaignSettings;
const T0 = 1_800_000_000_000;

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  settings = resolveCampaignSettings({ caller: '+15550001111' }, ctx.config);
});
afterAll(async () => ctx.close());

async function campaignWith(id: string, numbers: string[]): Promise<string[]> {
  await store.createCampaign(id, settings, { now: T0 });
  const ids = numbers.map(contactIdFor);
  const codes = await store.addContacts(
    id,
    ids.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
  );
  expect(codes).toEqual(ids.map(() => 1));
  return ids;
}

describe('CampaignStore state machine', () => {
  it('creates a campaign once and registers it', async () => {
    expect(await store.createCampaign('c-create', settings, { now: T0 })).toBe(true);
    expect(await store.createCampaign('c-create', settings, { now: T0 + 1 })).toBe(false);
    expect(await store.listCampaignIds()).toContain('c-create');
    expect(await store.getCampaign('c-create')).toMatchObject({
      state: 'running',
      createdAt: T0,
      settings: JSON.parse(JSON.stringify(settings)) as unknown,
    });
  });

  it('dedupes contacts and reports those still queued', async () => {
    const [a] = await campaignWith('c-dedupe', ['+15550000001', '+15550000002']);
    expect(await store.addContacts('c-dedupe', [[a!, newContactRecord({ p: '+15550000001', r: 9 })]])).toEqual([2]);
    await store.attempts.begin({ campaignId: 'c-dedupe', contactId: a!, attempt: 1 }, { deadline: T0 + 1000, now: T0 });
    expect(await store.addContacts('c-dedupe', [[a!, newContactRecord({ p: '+15550000001', r: 9 })]])).toEqual([0]);
    expect((await store.stats('c-dedupe')).contacts).toBe(2);
  });

  it('begins an attempt once; a re-delivered job finds it uncertain and never dials again', async () => {
    const [a] = await campaignWith('c-begin', ['+15550000011']);
    const first = await store.attempts.begin(
      { campaignId: 'c-begin', contactId: a!, attempt: 1 },
      { deadline: T0 + 5000, now: T0 },
    );
    expect(first).toMatchObject({ kind: 'begun', record: { s: 'd', a: 1, n: 1 } });
    expect(
      await store.attempts.begin(
        { campaignId: 'c-begin', contactId: a!, attempt: 1 },
        { deadline: T0 + 5000, now: T0 },
      ),
    ).toMatchObject({ kind: 'uncertain' });
    expect(
      await store.attempts.begin(
        { campaignId: 'c-begin', contactId: a!, attempt: 1 },
        { deadline: T0 + 5000, now: T0 },
      ),
    ).toMatchObject({ kind: 'past', state: 'uncertain' });
    expect(
      await store.attempts.begin(
        { campaignId: 'c-begin', contactId: a!, attempt: 2 },
        { deadline: T0 + 5000, now: T0 },
      ),
    ).toMatchObject({ kind: 'stale' });
    expect((await store.stats('c-begin')).dialouts).toBe(1);
    expect(await store.attempts.dueDeadlines('c-begin', T0 + 5000)).toEqual([
      { campaignId: 'c-begin', contactId: a, attempt: 1 },
    ]);
  });

  it('refuses to begin an attempt whose number is on a do-not-call list (checked in the claim itself)', async () => {
    const [a, b, c] = await campaignWith('c-dnc', ['+15550000031', '+15550000032', '+15550000033']);
    await ctx.redis.sadd(ctx.keys.campaignSuppress('c-dnc'), '+15550000031');
    await ctx.redis.sadd(ctx.keys.globalSuppress(), '+15550000032');
    const listed = await store.attempts.begin(
      { campaignId: 'c-dnc', contactId: a!, attempt: 1 },
      { deadline: T0 + 5000, now: T0 },
    );
    expect(listed).toMatchObject({ kind: 'suppressed', record: { s: 'q', n: 1, a: 0 } });
    // The global list sits in another Redis Cluster slot: there the store checks it just before the claim.
    expect(
      await store.attempts.begin({ campaignId: 'c-dnc', contactId: b!, attempt: 1 }, { deadline: T0 + 5000, now: T0 }),
    ).toMatchObject({ kind: 'suppressed' });
    expect(
      await store.attempts.begin({ campaignId: 'c-dnc', contactId: c!, attempt: 1 }, { deadline: T0 + 5000, now: T0 }),
    ).toMatchObject({ kind: 'begun' });
    expect((await store.stats('c-dnc')).dialouts).toBe(1);
    expect(await store.attempts.dueDeadlines('c-dnc', T0 + 5000)).toHaveLength(1);
    await ctx.redis.srem(ctx.keys.globalSuppress(), '+15550000032');
  });

  it('refuses to begin while paused or cancelled', async () => {
    const [a] = await campaignWith('c-paused', ['+15550000021']);
    await store.setState('c-paused', 'paused', { reason: 'test' });
    expect(
      await store.attempts.begin({ campaignId: 'c-paused', contactId: a!, attempt: 1 }, { deadline: T0, now: T0 }),
    ).toMatchObject({ kind: 'not-running', state: 'paused' });
    expect((await store.getCampaign('c-paused'))?.pauseReason).toBe('test');
    await store.setState('c-paused', 'cancelled');
    expect(
      await store.attempts.begin({ campaignId: 'c-paused', contactId: a!, attempt: 1 }, { deadline: T0, now: T0 }),
    ).toMatchObject({ kind: 'not-running', state: 'cancelled' });
    // A cancelled campaign stays cancelled when its last contact ends.
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-paused',
          contactId: a!,
          attempt: 1,
          outcome: 'cancelled',
          fields: {},
          from: 'before-dial',
        })
      ).result,
    ).toBe('terminal');
    expect(await store.getState('c-paused')).toBe('cancelled');
  });

  it('gives an attempt back when the request never reached SAVG', async () => {
    const [a] = await campaignWith('c-revert', ['+15550000031']);
    await store.attempts.begin({ campaignId: 'c-revert', contactId: a!, attempt: 1 }, { deadline: T0 + 5000, now: T0 });
    expect(await store.attempts.settle({ campaignId: 'c-revert', contactId: a!, attempt: 1 }, 'not-placed')).toBe(
      'settled',
    );
    expect(await store.getContact('c-revert', a!)).toMatchObject({ s: 'q', a: 0 });
    expect((await store.stats('c-revert')).dialouts).toBe(0);
    expect(await store.attempts.dueDeadlines('c-revert', T0 + 5000)).toEqual([]);
    expect(
      await store.attempts.begin(
        { campaignId: 'c-revert', contactId: a!, attempt: 1 },
        { deadline: T0 + 5000, now: T0 },
      ),
    ).toMatchObject({ kind: 'begun' });
  });

  it('applies a notification that arrives before the dial-out response was stored (instant 486)', async () => {
    const [a] = await campaignWith('c-race', ['+15550000041']);
    await store.attempts.begin({ campaignId: 'c-race', contactId: a!, attempt: 1 }, { deadline: T0 + 5000, now: T0 });
    const ended = await store.attempts.end(
      {
        campaignId: 'c-race',
        contactId: a!,
        attempt: 1,
        outcome: 'busy',
        fields: { sip: 486, rs: '486 Busy Here', cv: 'sid-1' },
        redialDelayMs: 60_000,
        from: 'call',
      },
      T0 + 10,
    );
    expect(ended.result).toBe('redial');
    expect(ended.record).toMatchObject({ s: 'w', n: 2, o: 'busy', due: T0 + 60_010, h: [{ n: 1, sip: 486 }] });
    // The late HTTP reply for attempt 1 must not resurrect it.
    expect(
      await store.attempts.dialed(
        { campaignId: 'c-race', contactId: a!, attempt: 1 },
        { sid: 'sid-1', callId: 'call-1' },
      ),
    ).toBe('stale');
    expect(await store.getContact('c-race', a!)).toMatchObject({ s: 'w', n: 2 });
    // A duplicate of the busy notification only asks to re-ensure the already scheduled job.
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-race',
          contactId: a!,
          attempt: 1,
          outcome: 'busy',
          fields: {},
          redialDelayMs: 60_000,
          from: 'call',
        })
      ).result,
    ).toBe('redial-pending');
    expect((await store.stats('c-race')).redials).toBe(1);
  });

  it('a real end that comes after the attempt was declared lost replaces `lost` while the re-dial has not begun, if not re-dialed itself', async () => {
    const [a, b, c] = await campaignWith('c-late', ['+15550000061', '+15550000062', '+15550000063']);
    const lost = (id: string) =>
      store.attempts.end(
        {
          campaignId: 'c-late',
          contactId: id,
          attempt: 1,
          outcome: 'lost',
          fields: { rs: 'no notification' },
          redialDelayMs: 60_000,
          from: 'call',
        },
        T0 + 100,
      );
    for (const id of [a!, b!, c!]) {
      await store.attempts.begin({ campaignId: 'c-late', contactId: id, attempt: 1 }, { deadline: T0 + 5000, now: T0 });
      await store.attempts.dialed(
        { campaignId: 'c-late', contactId: id, attempt: 1 },
        { sid: `sid-${id}`, callId: `call-${id}`, now: T0 + 10, deadline: T0 + 50 },
      );
      expect((await lost(id)).result).toBe('redial');
    }
    // a: answered, late. The contact ends with it; the re-dial's guard goes; its job will find attempt 1.
    const late = await store.attempts.end(
      {
        campaignId: 'c-late',
        contactId: a!,
        attempt: 1,
        outcome: 'answered-human',
        fields: { du: 30, cv: `sid-${a}` },
        from: 'call',
      },
      T0 + 200,
    );
    expect(late).toMatchObject({ result: 'terminal', revised: true });
    expect(late.record).toMatchObject({ s: 't', n: 1, a: 1, o: 'answered-human', du: 30 });
    expect(late.record).not.toHaveProperty('rs');
    expect(late.record).not.toHaveProperty('due');
    expect(
      await store.attempts.begin(
        { campaignId: 'c-late', contactId: a!, attempt: 2 },
        { deadline: T0 + 5000, now: T0 + 300 },
      ),
    ).toMatchObject({ kind: 'stale' });
    // A duplicate changes nothing; nor does the watchdog's replay of `lost`.
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-late',
          contactId: a!,
          attempt: 1,
          outcome: 'answered-human',
          fields: {},
          from: 'call',
        })
      ).result,
    ).toBe('noop');
    expect((await lost(a!)).result).toBe('noop');
    // b: busy, late. Busy re-dials too: the scheduled re-dial stands.
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-late',
          contactId: b!,
          attempt: 1,
          outcome: 'busy',
          fields: {},
          redialDelayMs: 0,
          from: 'call',
        })
      ).result,
    ).toBe('redial-pending');
    // c: the re-dial began first; then the call it may repeat is under way, and the late end changes nothing.
    expect(
      await store.attempts.begin(
        { campaignId: 'c-late', contactId: c!, attempt: 2 },
        { deadline: T0 + 5000, now: T0 + 150 },
      ),
    ).toMatchObject({ kind: 'begun' });
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-late',
          contactId: c!,
          attempt: 1,
          outcome: 'answered-human',
          fields: {},
          from: 'call',
        })
      ).result,
    ).toBe('noop');
    expect(await store.stats('c-late')).toMatchObject({ terminal: 1, redials: 2, outcomes: { 'answered-human': 1 } });
    expect(await store.getContact('c-late', b!)).toMatchObject({ s: 'w', n: 2, o: 'lost' });
    const guards = await ctx.redis.zrange(ctx.keys.campaignDeadlines('c-late'), 0, -1);
    expect(guards).not.toContain(`${a}:1`);
    expect(guards).toContain(`${b}:1`);
  });

  it('a contact that ended `lost` (no re-dial rule) takes the real outcome of a late end that is not re-dialed', async () => {
    const [a, b] = await campaignWith('c-late-t', ['+15550000071', '+15550000072']);
    for (const id of [a!, b!]) {
      await store.attempts.begin(
        { campaignId: 'c-late-t', contactId: id, attempt: 1 },
        { deadline: T0 + 5000, now: T0 },
      );
      await store.attempts.dialed(
        { campaignId: 'c-late-t', contactId: id, attempt: 1 },
        { sid: `sid-${id}`, callId: `call-${id}`, now: T0 + 10, deadline: T0 + 50 },
      );
      const lost = await store.attempts.end(
        {
          campaignId: 'c-late-t',
          contactId: id,
          attempt: 1,
          outcome: 'lost',
          fields: { rs: 'no notification' },
          from: 'call',
        },
        T0 + 100,
      );
      expect(lost.result).toBe(id === b ? 'completed' : 'terminal');
    }
    const late = await store.attempts.end(
      {
        campaignId: 'c-late-t',
        contactId: a!,
        attempt: 1,
        outcome: 'no-answer',
        fields: { sip: 480, cv: `sid-${a}` },
        from: 'call',
      },
      T0 + 200,
    );
    expect(late).toMatchObject({ result: 'terminal', revised: true });
    expect(late.record).toMatchObject({ s: 't', n: 1, a: 1, o: 'no-answer', sip: 480, cv: `sid-${a}`, ts: T0 + 200 });
    expect(late.record).not.toHaveProperty('rs');
    expect(late.record).not.toHaveProperty('sid');
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-late-t',
          contactId: a!,
          attempt: 1,
          outcome: 'no-answer',
          fields: {},
          from: 'call',
        })
      ).result,
    ).toBe('noop');
    // A late busy would be re-dialed: the contact is over, so `lost` stays (no call is made after the end).
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-late-t',
          contactId: b!,
          attempt: 1,
          outcome: 'busy',
          fields: {},
          redialDelayMs: 0,
          from: 'call',
        })
      ).result,
    ).toBe('noop');
    expect(await store.getContact('c-late-t', b!)).toMatchObject({ s: 't', o: 'lost' });
    // Ends before a dial-out (the worker's) never revise.
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-late-t',
          contactId: b!,
          attempt: 1,
          outcome: 'cancelled',
          fields: {},
          from: 'before-dial',
        })
      ).result,
    ).toBe('noop');
    expect(await store.stats('c-late-t')).toMatchObject({ terminal: 2, outcomes: { lost: 1, 'no-answer': 1 } });
    expect(await store.getState('c-late-t')).toBe('completed');
  });

  it('ends the contact, counts the outcome and completes the campaign; duplicates are no-ops', async () => {
    const [a, b] = await campaignWith('c-end', ['+15550000051', '+15550000052']);
    for (const id of [a!, b!]) {
      await store.attempts.begin({ campaignId: 'c-end', contactId: id, attempt: 1 }, { deadline: T0 + 5000, now: T0 });
      expect(
        await store.attempts.dialed(
          { campaignId: 'c-end', contactId: id, attempt: 1 },
          { sid: `sid-${id}`, callId: `call-${id}` },
        ),
      ).toBe('dialed');
    }
    expect(await store.attempts.bySid('c-end', `sid-${a}`)).toEqual({ campaignId: 'c-end', contactId: a, attempt: 1 });
    expect(
      await store.attempts.interim({ campaignId: 'c-end', contactId: a!, attempt: 1 }, { amd: 'amd_human_detected' }),
    ).toBe('interim');
    const endA = await store.attempts.end({
      campaignId: 'c-end',
      contactId: a!,
      attempt: 1,
      outcome: 'answered-human',
      fields: { sip: 200, du: 14 },
      from: 'call',
    });
    expect(endA.result).toBe('terminal');
    expect(endA.record).toMatchObject({
      s: 't',
      o: 'answered-human',
      amd: 'amd_human_detected',
      du: 14,
      sid: `sid-${a}`,
    });
    expect(await store.attempts.bySid('c-end', `sid-${a}`)).toBeUndefined();
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-end',
          contactId: a!,
          attempt: 1,
          outcome: 'busy',
          fields: {},
          redialDelayMs: 1,
          from: 'call',
        })
      ).result,
    ).toBe('noop');
    expect(
      (
        await store.attempts.end({
          campaignId: 'c-end',
          contactId: b!,
          attempt: 1,
          outcome: 'answered-machine',
          fields: {},
          from: 'call',
        })
      ).result,
    ).toBe('completed');
    expect(await store.getState('c-end')).toBe('completed');
    expect(await store.stats('c-end')).toMatchObject({
      contacts: 2,
      terminal: 2,
      dialouts: 2,
      outcomes: { 'answered-human': 1, 'answered-machine': 1 },
    });
    // Adding a contact to a completed campaign runs it again.
    await store.addContacts('c-end', [[contactIdFor('+15550000053'), newContactRecord({ p: '+15550000053', r: 5 })]]);
    expect(await store.getState('c-end')).toBe('running');
  });

  it('keeps a terminal record compact: no sid that repeats the conversation id, no index entry', async () => {
    const [a, b] = await campaignWith('c-compact', ['+15550000071', '+15550000072']);
    await store.attempts.begin(
      { campaignId: 'c-compact', contactId: a!, attempt: 1 },
      { deadline: T0 + 5000, now: T0 },
    );
    await store.attempts.dialed(
      { campaignId: 'c-compact', contactId: a!, attempt: 1 },
      { sid: 'sid-a', callId: 'call-a' },
    );
    const endA = await store.attempts.end({
      campaignId: 'c-compact',
      contactId: a!,
      attempt: 1,
      outcome: 'answered-human',
      fields: { sip: 200, cv: 'sid-a' },
      from: 'call',
    });
    expect(endA.record).toMatchObject({ s: 't', cv: 'sid-a' });
    expect(endA.record?.sid).toBeUndefined();
    expect(endA.record?.cl).toBe('call-a');
    expect(await store.attempts.bySid('c-compact', 'sid-a')).toBeUndefined();
    expect(await store.attempts.bySid('c-compact', 'call-a')).toBeUndefined();
    // The notification beat the dial-out response (instant 486, no re-dial): the late response adds nothing
    // the record already has, and no index entry for a call that is over.
    await store.attempts.begin(
      { campaignId: 'c-compact', contactId: b!, attempt: 1 },
      { deadline: T0 + 5000, now: T0 },
    );
    await store.attempts.end({
      campaignId: 'c-compact',
      contactId: b!,
      attempt: 1,
      outcome: 'busy',
      fields: { sip: 486, cv: 'sid-b' },
      from: 'call',
    });
    expect(
      await store.attempts.dialed(
        { campaignId: 'c-compact', contactId: b!, attempt: 1 },
        { sid: 'sid-b', callId: 'call-b' },
      ),
    ).toBe('dialed');
    const recB = await store.getContact('c-compact', b!);
    expect(recB).toMatchObject({ s: 't', o: 'busy', cv: 'sid-b' });
    expect(recB?.sid).toBeUndefined();
    expect(recB?.cl).toBe('call-b');
    expect(await store.attempts.bySid('c-compact', 'sid-b')).toBeUndefined();
  });

  it('counts contacts born terminal (suppressed at import)', async () => {
    await store.createCampaign('c-supp', settings, { now: T0 });
    const rec = { ...newContactRecord({ p: '+15550000061', r: 2 }), s: 't' as const, o: 'suppressed' as const };
    await store.addContacts('c-supp', [[contactIdFor('+15550000061'), rec]]);
    expect(await store.stats('c-supp')).toMatchObject({ contacts: 1, terminal: 1, outcomes: { suppressed: 1 } });
    expect(await store.getState('c-supp')).toBe('completed');
  });

  it('iterates every contact', async () => {
    const numbers = Array.from({ length: 250 }, (_, i) => `+1555010${String(i).padStart(4, '0')}`);
    await campaignWith('c-iter', numbers);
    const seen: string[] = [];
    for await (const [, rec] of store.contacts('c-iter', 100)) seen.push(rec.p);
    expect(seen.sort()).toEqual([...numbers].sort());
  });
});
