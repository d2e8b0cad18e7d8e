// The lost-notification watchdog (real Redis): never-notified and uncertain attempts become `lost`, their
// slot is released, the policy may re-dial them, and concurrent replicas declare each attempt lost once.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { CampaignStore, attemptJobId, createLogger, deadlineMember } from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { buildIngester, LOST_REASON, type Ingester } from '@dialer/ingester';
import { contact, dialAttempt, dialQueue, liveCount, notifications, seedCampaign, type Seeded } from './helpers.js';

let ctx: TestContext;
let store: CampaignStore;
const logger = createLogger({ level: 'silent' });
const built: Ingester[] = [];

/** An ingester whose processor and watchdog use `now` as their clock; not started unless asked. */
function ingesterAt(now?: () => number): Ingester {
  const ingester = buildIngester({ config: ctx.config, logger, webhook: false, now });
  built.push(ingester);
  return ingester;
}

// A prefix per test: a sweep covers every campaign under the prefix, so an earlier test's attempts would be
// counted in (or ended by) a later test's ticks.
beforeEach(() => {
  ctx = testContext({ LOST_AFTER_MS: '1000', WATCHDOG_INTERVAL_MS: '50' });
  store = new CampaignStore(ctx.redis, ctx.keys);
});

afterEach(async () => {
  for (const i of built.splice(0)) await i.close();
  await ctx.close();
});

describe('lost-notification watchdog', () => {
  it('declares a never-notified attempt lost after LOST_AFTER_MS and releases its slot', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    const dialedAt = Date.now();
    const { sid } = await dialAttempt(ctx, s);
    expect(await liveCount(ctx, s.campaignId)).toBe(1);
    const ingester = ingesterAt();
    await ingester.start();
    await waitUntil(async () => (await contact(ctx, s)).s === 't', 10_000, 'attempt declared lost');
    expect(Date.now() - dialedAt).toBeGreaterThanOrEqual(1000);
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'lost', rs: LOST_REASON });
    // The slot is released right after the attempt ends (two steps, so poll).
    await waitUntil(async () => (await liveCount(ctx, s.campaignId)) === 0, 5000, 'live slot released');
    expect(await store.attempts.dueDeadlines(s.campaignId, Date.now() + 3_600_000)).toEqual([]);
    expect(await store.getState(s.campaignId)).toBe('completed');
    expect(await ingester.metrics.registry.metrics()).toMatch(/dialer_ingester_lost_total [1-9]/);
    await ingester.watchdog?.stop();

    // `lost` was a guess: the call's real end, late, replaces it (no re-dial rule for lost or no-answer).
    const late = {
      c: s.campaignId,
      k: s.contactId,
      n: 1,
      r: Date.now(),
      b: notifications.failed(sid, '408 Request Timeout'),
    };
    expect(await ingester.processor!.apply(late)).toBe('terminal');
    expect(await contact(ctx, s)).toMatchObject({ s: 't', n: 1, o: 'no-answer' });
    expect((await store.stats(s.campaignId)).outcomes).toMatchObject({ lost: 0, 'no-answer': 1 });
    expect(await ingester.metrics.registry.metrics()).toMatch(/dialer_ingester_lost_revised_total 1\n/);
    expect(await ingester.processor!.apply(late)).toBe('noop');
  });

  it('uses an injectable clock, covers uncertain attempts, and re-dials lost when the policy says so', async () => {
    const [s] = (await seedCampaign(ctx, { redial: { rules: { lost: { delayMs: 0 } } } })) as [Seeded];
    await dialAttempt(ctx, s, 1, { stored: false, deadline: Date.now() + 3_600_000 });
    expect(
      await store.attempts.settle({ campaignId: s.campaignId, contactId: s.contactId, attempt: 1 }, 'uncertain'),
    ).toBe('settled');
    let clock = Date.now();
    const ingester = ingesterAt(() => clock);
    expect(await ingester.watchdog?.tick()).toBe(0);
    expect((await contact(ctx, s)).s).toBe('u');
    clock += 3_600_001;
    expect(await ingester.watchdog?.tick()).toBe(1);
    expect(await contact(ctx, s)).toMatchObject({ s: 'w', n: 2, o: 'lost' });
    expect(await liveCount(ctx, s.campaignId)).toBe(0);
    const q = dialQueue(ctx, s.campaignId);
    try {
      const job = await q.getJob(attemptJobId(s.contactId, 2));
      expect(job?.data).toEqual({ c: s.contactId, n: 2 });
    } finally {
      await q.close();
    }
  });

  it('declares an attempt lost once when several replicas sweep at the same time', async () => {
    const seeded = await seedCampaign(ctx, { redial: { rules: { lost: { delayMs: 60_000 } } } }, 20);
    for (const s of seeded) await dialAttempt(ctx, s, 1, { deadline: Date.now() - 1 });
    const replicas = [ingesterAt(), ingesterAt(), ingesterAt()];
    const counts = await Promise.all(replicas.map((r) => r.watchdog!.tick()));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    const campaignId = seeded[0]!.campaignId;
    expect((await store.stats(campaignId)).redials).toBe(20);
    const q = dialQueue(ctx, campaignId);
    try {
      expect(await q.getJobCountByTypes('delayed')).toBe(20);
    } finally {
      await q.close();
    }
  });

  it('drops a deadline that has nothing left to end', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    const key = ctx.keys.campaignDeadlines(s.campaignId);
    await ctx.redis.zadd(key, Date.now() - 1, deadlineMember(s.contactId, 7));
    await ctx.redis.zadd(key, Date.now() + 3_600_000, deadlineMember(s.contactId, 8));
    expect(await ingesterAt().watchdog?.tick()).toBe(0);
    expect(await ctx.redis.zrange(key, 0, -1)).toEqual([deadlineMember(s.contactId, 8)]);
    expect((await contact(ctx, s)).s).toBe('q');
  });
});
