// The reconciler (real Redis, real BullMQ, the real watchdog): every contact that is not terminal has a way
// forward. One with no job, a job that failed for good, a re-dial whose job is gone, an attempt in a call
// that lost its deadline: each is given its job or deadline back, once, counted and logged, whatever the
// number of processes sweeping; the work of one sweep is bounded.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { Worker } from 'bullmq';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  Limits,
  attemptJobId,
  createLogger,
  deadlineMember,
} from '@dialer/core';
import { captureLogger, testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { buildIngester, IngesterMetrics, Reconciler, type Ingester } from '@dialer/ingester';
import { contact, dialAttempt, seedCampaign, type Seeded } from './helpers.js';

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
const built: Ingester[] = [];
const GRACE = 60_000;

// A prefix per test: a sweep covers every campaign under the prefix.
beforeEach(() => {
  ctx = testContext({ RECONCILE_GRACE_MS: String(GRACE), LOST_AFTER_MS: '5000' });
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
});

afterEach(async () => {
  for (const i of built.splice(0)) await i.close();
  await queues.close();
  await ctx.close();
});

/** An ingester (no webhook) whose watchdog runs on `clock`; ticked by hand. */
function watchdogAt(clock: () => number, logger = createLogger({ level: 'silent' })): Ingester {
  const i = buildIngester({ config: ctx.config, logger, webhook: false, now: clock });
  built.push(i);
  return i;
}

async function jobState(s: Seeded, attempt = 1): Promise<string | undefined> {
  const job = await queues.get(s.campaignId).getJob(attemptJobId(s.contactId, attempt));
  return job ? await job.getState() : undefined;
}

describe('the reconciler', () => {
  it('gives a queued contact whose job is gone its job back, once it has been still for the grace period', async () => {
    const [kept, dropped] = (await seedCampaign(ctx, {}, 2)) as [Seeded, Seeded];
    await queues.addAttempt(kept.campaignId, kept.contactId, 1);
    // No job for `dropped`: removed by hand, or by a cancel that came while its dial-out failed.
    const capture = captureLogger('info');
    let clock = Date.now();
    const replica = watchdogAt(() => clock, capture.logger);
    // Contacts imported just now may be waiting for the import to add their jobs: left alone.
    await replica.watchdog!.tick();
    expect(await jobState(dropped)).toBeUndefined();
    clock += GRACE + 1;
    await replica.watchdog!.tick();
    expect(await jobState(dropped)).toBe('waiting');
    expect(await jobState(kept)).toBe('waiting');
    expect((await store.stats(dropped.campaignId)).stranded).toBe(1);
    expect(await replica.metrics.registry.metrics()).toMatch(/dialer_ingester_stranded_total\{kind="no-job"\} 1\n/);
    const warned = capture.lines.filter((l) => l.includes('stranded contact'));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0]!)).toMatchObject({
      campaignId: dropped.campaignId,
      contactId: dropped.contactId,
      attempt: 1,
      kind: 'no-job',
      action: 'added',
    });
    // The operator sees it.
    const control = new CampaignControl({ store, queues, limits: new Limits(ctx.redis, ctx.keys) });
    expect(await control.campaignStatus(dropped.campaignId)).toMatchObject({ stranded: 1, pending: 2 });
    // Nothing is missing any more: the next passes find nothing.
    await replica.watchdog!.tick();
    await replica.watchdog!.tick();
    expect((await store.stats(dropped.campaignId)).stranded).toBe(1);
  });

  it('replaces a dial job that failed for good, and re-adds a re-dial job at its due time', async () => {
    const [failed, redial] = (await seedCampaign(ctx, { redial: { rules: { busy: { delayMs: 600_000 } } } }, 2)) as [
      Seeded,
      Seeded,
    ];
    // A job BullMQ gave up on (stalled too often, or every try threw): it never runs again.
    await queues
      .get(failed.campaignId)
      .add('dial', { c: failed.contactId, n: 1 }, { jobId: attemptJobId(failed.contactId, 1), attempts: 1 });
    const crasher = new Worker(
      failed.campaignId,
      async () => {
        throw new Error('processor crashed');
      },
      { connection: ctx.redis, prefix: ctx.keys.campaignQueuePrefix(failed.campaignId) },
    );
    await waitUntil(async () => (await jobState(failed)) === 'failed', 10_000, 'the job failed');
    await crasher.close();
    // A busy call whose re-dial job was never added (the process died right after ending the attempt).
    const t0 = Date.now();
    await dialAttempt(ctx, redial, 1);
    await store.attempts.end(
      {
        campaignId: redial.campaignId,
        contactId: redial.contactId,
        attempt: 1,
        from: 'call',
        outcome: 'busy',
        fields: { sip: 486 },
        redialDelayMs: 600_000,
      },
      t0,
    );
    const clock = Date.now() + GRACE + 1;
    await watchdogAt(() => clock).watchdog!.tick();
    expect(await jobState(failed)).toBe('waiting');
    // Due when the policy said, not at once.
    const job = await queues.get(redial.campaignId).getJob(attemptJobId(redial.contactId, 2));
    expect(await job?.getState()).toBe('delayed');
    expect((job?.timestamp ?? 0) + (job?.delay ?? 0)).toBeGreaterThanOrEqual(t0 + 600_000 - 1000);
    expect((job?.timestamp ?? 0) + (job?.delay ?? 0)).toBeLessThanOrEqual(t0 + 600_000 + 1000);
    expect((await store.stats(failed.campaignId)).stranded).toBe(2);
  });

  it('gives an attempt in a call that has no deadline one, so the watchdog ends it if no notification comes', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    await dialAttempt(ctx, s, 1);
    await ctx.redis.zrem(ctx.keys.campaignDeadlines(s.campaignId), deadlineMember(s.contactId, 1));
    let clock = Date.now() + GRACE + 1;
    const replica = watchdogAt(() => clock);
    await replica.watchdog!.tick();
    expect(await ctx.redis.zscore(ctx.keys.campaignDeadlines(s.campaignId), deadlineMember(s.contactId, 1))).toBe(
      String(clock + 5000),
    );
    clock += 5001;
    await replica.watchdog!.tick();
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'lost' });
  });

  it('several processes sweeping at once give each contact one job and count it once', async () => {
    const seeded = await seedCampaign(ctx, {}, 50);
    const clock = Date.now() + GRACE + 1;
    const replicas = [watchdogAt(() => clock), watchdogAt(() => clock), watchdogAt(() => clock)];
    await Promise.all(replicas.map((r) => r.watchdog!.tick()));
    const campaignId = seeded[0]!.campaignId;
    expect(await queues.get(campaignId).getJobCountByTypes('waiting')).toBe(50);
    expect((await store.stats(campaignId)).stranded).toBe(50);
  });

  it('looks at a bounded number of contacts per sweep and finishes the pass over the next ones', async () => {
    const seeded = await seedCampaign(ctx, {}, 3000);
    const campaignId = seeded[0]!.campaignId;
    const metrics = new IngesterMetrics();
    const reconciler = new Reconciler({
      store,
      queues,
      metrics,
      logger: createLogger({ level: 'silent' }),
      lostAfterMs: 5000,
      graceMs: 0,
      budget: 1000,
      pageSize: 250,
    });
    const now = Date.now();
    const first = await reconciler.sweep([campaignId], now);
    // HSCAN's COUNT is a hint: a page may hold a few more than asked.
    expect(first).toBeGreaterThanOrEqual(900);
    expect(first).toBeLessThan(1500);
    let total = first;
    for (let i = 0; i < 10 && total < 3000; i++) total += await reconciler.sweep([campaignId], now);
    expect(total).toBe(3000);
    expect(await queues.get(campaignId).getJobCountByTypes('waiting')).toBe(3000);
  });

  it('leaves completed campaigns alone', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    await store.attempts.end({
      campaignId: s.campaignId,
      contactId: s.contactId,
      attempt: 1,
      from: 'before-dial',
      outcome: 'expired',
      fields: {},
    });
    expect(await store.getState(s.campaignId)).toBe('completed');
    await watchdogAt(() => Date.now() + GRACE + 1).watchdog!.tick();
    expect(await ctx.redis.exists(ctx.keys.campaignReconcile(s.campaignId))).toBe(0);
  });
});
