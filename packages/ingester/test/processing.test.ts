// Applying notifications (real HTTP, real Redis, the real processor): interim and terminal events, re-dials,
// duplicates, out-of-order and early notifications, the attempt limit, machine detection, live-call slots.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { CampaignStore, attemptJobId, createLogger, reportRow, type SavgNotification } from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { buildIngester, type Ingester } from '@dialer/ingester';
import {
  contact,
  dialAttempt,
  dialQueue,
  listen,
  liveCount,
  notifications,
  request,
  seedCampaign,
  spell,
  tokenFor,
  type Seeded,
} from './helpers.js';

const REDIAL = { rules: { busy: { delayMs: 60_000 }, unavailable: { delayMs: 90_000 } }, maxAttempts: 3 };

let ctx: TestContext;
let ingester: Ingester;
let base: string;
let store: CampaignStore;
let sent = 0;

// A prefix and an ingester per test: its watchdog sweeps every campaign under the prefix, its processor takes
// any notification left in the prefix's queue, and `applied()` counts what this test's ingester applied.
beforeEach(async () => {
  ctx = testContext();
  ingester = buildIngester({ config: ctx.config, logger: createLogger({ level: 'silent' }) });
  base = await listen(ingester.app);
  await ingester.start();
  store = new CampaignStore(ctx.redis, ctx.keys);
  sent = 0;
});

afterEach(async () => {
  await ingester.close();
  await ctx.close();
});

/** Posts notifications (in order, or all at once) and waits until the processor applied every one. */
async function deliver(
  s: Seeded,
  attempt: number,
  bodies: Record<string, unknown>[],
  concurrently = false,
): Promise<void> {
  const token = await tokenFor(ctx, s, attempt);
  const send = async (b: Record<string, unknown>) => {
    const res = await request(base, 'POST', `/notify/${token}`, b);
    expect(res.statusCode).toBe(202);
  };
  if (concurrently) await Promise.all(bodies.map(send));
  else for (const b of bodies) await send(b);
  sent += bodies.length;
  await waitUntil(async () => (await applied()) >= sent, 10_000, `${sent} notifications applied`);
}

/** Notifications the processor applied so far (its metric, summed over results). */
async function applied(): Promise<number> {
  const metric = await ingester.metrics.registry.getSingleMetric('dialer_ingester_processed_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

const n = (x: SavgNotification, spelling: 'old' | 'new' = 'new') => spell[spelling](x);

describe('interim and terminal notifications', () => {
  it('records an interim AMD event without ending the call, then ends it on the terminal one (older spelling)', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    expect(await liveCount(ctx, s.campaignId)).toBe(1);
    await deliver(s, 1, [
      { ...n(notifications.interim(sid, 'amd_human_detected'), 'old'), status: 'Call-In-Progress' },
    ]);
    // Interim fields wait in `x` until the attempt ends (result fields are those of the last ended attempt).
    expect(await contact(ctx, s)).toMatchObject({ s: 'i', x: { amd: 'amd_human_detected', cv: sid } });
    expect(await liveCount(ctx, s.campaignId)).toBe(1);

    await deliver(s, 1, [n(notifications.answered(sid, 'amd_human_detected', 33), 'old')]);
    const rec = await contact(ctx, s);
    expect(rec).toMatchObject({
      s: 't',
      o: 'answered-human',
      sip: 200,
      du: 33,
      amd: 'amd_human_detected',
      rs: '200 OK',
    });
    // Ids and times as the reports print them (stored packed: see store/packed-id.ts, storedTime).
    expect(reportRow(rec)).toMatchObject({
      conversation_id: sid,
      connected_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      disconnected_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(await liveCount(ctx, s.campaignId)).toBe(0);
    expect(await store.getState(s.campaignId)).toBe('completed');
    expect((await store.stats(s.campaignId)).outcomes).toEqual({ 'answered-human': 1 });
  });

  it('records machine detection outcomes (newer spelling)', async () => {
    const [machine, plain, tone] = (await seedCampaign(ctx, {}, 3)) as [Seeded, Seeded, Seeded];
    const calls = await Promise.all([machine, plain, tone].map((s) => dialAttempt(ctx, s)));
    await deliver(machine, 1, [n(notifications.answered(calls[0]!.sid, 'amd_machine_detected', 8))]);
    await deliver(plain, 1, [n(notifications.answered(calls[1]!.sid, 'disabled', 20))]);
    await deliver(tone, 1, [n(notifications.answered(calls[2]!.sid, 'AMD_TONE_DETECTED', 5))]);
    expect(await contact(ctx, machine)).toMatchObject({
      s: 't',
      o: 'answered-machine',
      amd: 'amd_machine_detected',
      du: 8,
    });
    expect(await contact(ctx, plain)).toMatchObject({ s: 't', o: 'answered', amd: 'disabled' });
    expect(await contact(ctx, tone)).toMatchObject({ s: 't', o: 'answered-machine' });
    expect((await store.stats(machine.campaignId)).outcomes).toEqual({ 'answered-machine': 2, answered: 1 });
  });
});

describe('re-dials', () => {
  it('schedules a busy contact again with the policy delay and a deterministic job id', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    const before = Date.now();
    await deliver(s, 1, [n(notifications.failed(sid, '486 Busy Here'))]);
    const rec = await contact(ctx, s);
    expect(rec).toMatchObject({ s: 'w', n: 2, a: 1, o: 'busy' });
    expect(rec.h).toEqual([expect.objectContaining({ n: 1, o: 'busy', sip: 486, rs: '486 Busy Here', cv: sid })]);
    expect(rec.due).toBeGreaterThanOrEqual(before + 60_000);
    const q = dialQueue(ctx, s.campaignId);
    try {
      const job = await q.getJob(attemptJobId(s.contactId, 2));
      expect(job?.data).toEqual({ c: s.contactId, n: 2 });
      expect(await job?.getState()).toBe('delayed');
      expect(job?.opts.delay).toBeGreaterThan(55_000);
      expect(job?.opts.delay).toBeLessThanOrEqual(60_000);
    } finally {
      await q.close();
    }
    expect(await liveCount(ctx, s.campaignId)).toBe(0);
    expect((await store.stats(s.campaignId)).redials).toBe(1);
  });

  it("schedules a re-dial that the policy would put past the campaign's endAt at endAt (where it expires)", async () => {
    const endAt = new Date(Date.now() + 20_000).toISOString();
    const [s] = (await seedCampaign(ctx, { redial: REDIAL, endAt })) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    await deliver(s, 1, [n(notifications.failed(sid, '486 Busy Here'))]);
    const rec = await contact(ctx, s);
    expect(rec).toMatchObject({ s: 'w', n: 2, o: 'busy' });
    expect(rec.due).toBe(Date.parse(endAt));
    const q = dialQueue(ctx, s.campaignId);
    try {
      const job = await q.getJob(attemptJobId(s.contactId, 2));
      expect(await job?.getState()).toBe('delayed');
      // Due at endAt (the policy said 60 s; endAt is under 20 s away).
      expect(job?.opts.delay).toBeLessThanOrEqual(20_000);
      expect(job?.opts.delay).toBeGreaterThan(10_000);
    } finally {
      await q.close();
    }
  });

  it('ignores duplicate terminal notifications: one re-dial, no state change', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    const busy = n(notifications.failed(sid, '480 Temporarily Unavailable'));
    await deliver(s, 1, [busy, busy, busy], true);
    const after = JSON.stringify(await contact(ctx, s));
    await deliver(s, 1, [busy, n(notifications.failed(sid, '486 Busy Here'))]);
    expect(JSON.stringify(await contact(ctx, s))).toBe(after);
    expect(await contact(ctx, s)).toMatchObject({ s: 'w', n: 2, o: 'unavailable' });
    expect((await store.stats(s.campaignId)).redials).toBe(1);
    const q = dialQueue(ctx, s.campaignId);
    try {
      expect(await q.getJobCountByTypes('delayed', 'waiting')).toBe(1);
    } finally {
      await q.close();
    }
  });

  it('ignores late and out-of-order events after the end', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    await deliver(s, 1, [n(notifications.answered(sid, 'amd_human_detected'))]);
    const ended = JSON.stringify(await contact(ctx, s));
    await deliver(s, 1, [
      n(notifications.interim(sid, 'amd_machine_detected')),
      n(notifications.failed(sid, '486 Busy Here')),
    ]);
    expect(JSON.stringify(await contact(ctx, s))).toBe(ended);
    expect((await store.stats(s.campaignId)).redials).toBe(0);
  });

  it("applies an instant 486 that arrives before the worker stored the dial-out response (state 'd')", async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    await dialAttempt(ctx, s, 1, { stored: false });
    expect((await contact(ctx, s)).s).toBe('d');
    await deliver(s, 1, [n(notifications.failed('conv-early', '486 Busy Here'))]);
    expect(await contact(ctx, s)).toMatchObject({ s: 'w', n: 2, o: 'busy', h: [{ n: 1, cv: 'conv-early' }] });
    expect(await liveCount(ctx, s.campaignId)).toBe(0);
    // The worker's late `dialed` for attempt 1 is stale and changes nothing.
    expect(
      await store.attempts.dialed(
        { campaignId: s.campaignId, contactId: s.contactId, attempt: 1 },
        { sid: 'sid-late', callId: 'call-late' },
      ),
    ).toBe('stale');
    // It only gives attempt 1's result in the history the call's ids.
    expect(await contact(ctx, s)).toMatchObject({
      s: 'w',
      n: 2,
      h: [{ n: 1, cv: 'conv-early', sid: 'sid-late', cl: 'call-late' }],
    });
  });

  it('ends the contact with its last outcome at the attempt limit', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { sid } = await dialAttempt(ctx, s, attempt);
      await deliver(s, attempt, [
        n(notifications.failed(sid, attempt === 3 ? '486 Busy Here' : '480 Temporarily Unavailable')),
      ]);
    }
    expect(await contact(ctx, s)).toMatchObject({ s: 't', n: 3, a: 3, o: 'busy' });
    const stats = await store.stats(s.campaignId);
    expect(stats).toMatchObject({ dialouts: 3, redials: 2, terminal: 1, outcomes: { busy: 1 } });
    expect(await store.getState(s.campaignId)).toBe('completed');
    const q = dialQueue(ctx, s.campaignId);
    try {
      expect(await q.getJob(attemptJobId(s.contactId, 4))).toBeUndefined();
    } finally {
      await q.close();
    }
  });

  it("ignores a previous attempt's notification once the next attempt is live", async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    const first = await dialAttempt(ctx, s, 1);
    await deliver(s, 1, [n(notifications.failed(first.sid, '486 Busy Here'))]);
    await dialAttempt(ctx, s, 2);
    const live = JSON.stringify(await contact(ctx, s));
    await deliver(s, 1, [n(notifications.answered(first.sid, 'amd_human_detected'))]);
    expect(JSON.stringify(await contact(ctx, s))).toBe(live);
    expect(await liveCount(ctx, s.campaignId)).toBe(1);
  });

  it('does not re-dial outcomes without a rule (no-answer by default)', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    await deliver(s, 1, [n(notifications.failed(sid, '487 Request Terminated'))]);
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'no-answer', sip: 487 });
  });
});

describe('processing metrics', () => {
  it('counts outcomes, re-dials and processing latency', async () => {
    // Its own activity: a busy call (re-dialed), and an answered call notified twice (the second, a no-op).
    const [busy, answered] = (await seedCampaign(ctx, { redial: REDIAL }, 2)) as [Seeded, Seeded];
    const calls = [await dialAttempt(ctx, busy), await dialAttempt(ctx, answered)];
    await deliver(busy, 1, [n(notifications.failed(calls[0]!.sid, '486 Busy Here'))]);
    const end = n(notifications.answered(calls[1]!.sid, 'amd_human_detected'));
    await deliver(answered, 1, [end]);
    await deliver(answered, 1, [end]);
    const text = await ingester.metrics.registry.metrics();
    expect(text).toMatch(/dialer_ingester_outcomes_total\{outcome="busy"\} [1-9]/);
    expect(text).toMatch(/dialer_ingester_redials_scheduled_total [1-9]/);
    expect(text).toMatch(/dialer_ingester_processed_total\{result="noop"\} [1-9]/);
    expect(text).toMatch(/dialer_ingester_processing_seconds_count [1-9]/);
  });
});
