// Re-dial safety (real HTTP, real Redis, the real processor and watchdog): no re-dial on a cancelled
// campaign, result fields never mixed across attempts, and the crash window between ending an attempt and
// adding its re-dial job closed by the watchdog's re-dial guard.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { Worker } from 'bullmq';
import {
  CampaignStore,
  CANCELLED_REASON,
  NOTIFY_QUEUE,
  REDIAL_GUARD_MS,
  attemptJobId,
  createLogger,
  deadlineMember,
  reportRow,
  type SavgNotification,
} from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { buildIngester, type Ingester } from '@dialer/ingester';
import {
  contact,
  dialAttempt,
  dialQueue,
  listen,
  notifications,
  notifyQueue,
  request,
  seedCampaign,
  spell,
  tokenFor,
  type Seeded,
} from './helpers.js';

const REDIAL = {
  rules: { busy: { delayMs: 0 }, unavailable: { delayMs: 0 }, 'answered-machine': { delayMs: 0 } },
  maxAttempts: 3,
};
const logger = createLogger({ level: 'silent' });

let ctx: TestContext;
let ingester: Ingester;
let base: string;
let store: CampaignStore;
const extra: Ingester[] = [];

// A prefix per test: a watchdog tick sweeps every campaign under the prefix, and would act on (and count) the
// deadlines and re-dial guards an earlier test left there.
beforeEach(async () => {
  // The reconciler (which would also give a missing re-dial job back) is held off: these tests are about the
  // re-dial guard itself.
  ctx = testContext({ RECONCILE_GRACE_MS: String(24 * 3_600_000) });
  ingester = buildIngester({ config: ctx.config, logger });
  base = await listen(ingester.app);
  await ingester.start();
  store = new CampaignStore(ctx.redis, ctx.keys);
});

afterEach(async () => {
  for (const i of extra.splice(0)) await i.close();
  await ingester.close();
  await ctx.close();
});

const n = (x: SavgNotification) => spell.new(x);

/** Posts a notification and waits until the contact's record changed (or `settled` says it is applied). */
async function deliver(
  s: Seeded,
  attempt: number,
  body: Record<string, unknown>,
  settled: () => Promise<boolean>,
): Promise<void> {
  const res = await request(base, 'POST', `/notify/${await tokenFor(ctx, s, attempt)}`, body);
  expect(res.statusCode).toBe(202);
  await waitUntil(settled, 10_000, 'notification applied');
}

/** Waits until the notify queue holds nothing pending (the watchdog waits for older notifications). */
async function backlogApplied(): Promise<void> {
  const q = notifyQueue(ctx);
  try {
    await waitUntil(
      async () => (await q.getJobCountByTypes('waiting', 'active', 'delayed')) === 0,
      10_000,
      'notify backlog applied',
    );
  } finally {
    await q.close();
  }
}

async function jobExists(s: Seeded, attempt: number): Promise<boolean> {
  const q = dialQueue(ctx, s.campaignId);
  try {
    return (await q.getJob(attemptJobId(s.contactId, attempt))) !== undefined;
  } finally {
    await q.close();
  }
}

describe('no re-dial on a cancelled campaign', () => {
  it('a busy call that ends after the cancel ends the contact `cancelled`, with the call columns of that call', async () => {
    const [s, other] = (await seedCampaign(ctx, { redial: REDIAL }, 2)) as [Seeded, Seeded];
    const { sid } = await dialAttempt(ctx, s);
    await store.setState(s.campaignId, 'cancelled');
    await store.attempts.end({
      campaignId: other.campaignId,
      contactId: other.contactId,
      attempt: 1,
      from: 'before-dial',
      outcome: 'cancelled',
      fields: { rs: CANCELLED_REASON },
    });
    await deliver(s, 1, n(notifications.failed(sid, '486 Busy Here')), async () => (await contact(ctx, s)).s === 't');
    const rec = await contact(ctx, s);
    expect(rec).toMatchObject({ s: 't', n: 1, a: 1, o: 'cancelled', rs: CANCELLED_REASON, sip: 486, cv: sid });
    expect(await jobExists(s, 2)).toBe(false);
    const stats = await store.stats(s.campaignId);
    expect(stats).toMatchObject({ terminal: 2, redials: 0, outcomes: { cancelled: 2 } });
    expect(await store.getState(s.campaignId)).toBe('cancelled');
    // No re-dial guard is left behind either.
    expect(await store.attempts.dueDeadlines(s.campaignId, Date.now() + 10 * REDIAL_GUARD_MS)).toEqual([]);
  });

  it('an answered call after the cancel keeps its own outcome (only a re-dial is cut short)', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    await store.setState(s.campaignId, 'cancelled');
    await deliver(
      s,
      1,
      n(notifications.answered(sid, 'amd_human_detected', 12)),
      async () => (await contact(ctx, s)).s === 't',
    );
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'answered-human', du: 12 });
  });
});

describe('result fields are those of the last ended attempt', () => {
  it('never mixes attempt 1 into attempt 2, also while attempt 2 is in a call', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    const first = await dialAttempt(ctx, s, 1);
    await deliver(
      s,
      1,
      n(notifications.answered(first.sid, 'amd_machine_detected', 42)),
      async () => (await contact(ctx, s)).s === 'w',
    );
    const afterFirst = await contact(ctx, s);
    // Attempt 1's result moved to the history: attempt 2 starts with none.
    expect(afterFirst).toMatchObject({ n: 2, o: 'answered-machine' });
    expect(afterFirst.sip).toBeUndefined();
    expect(afterFirst.h).toEqual([
      expect.objectContaining({
        n: 1,
        o: 'answered-machine',
        sip: 200,
        du: 42,
        amd: 'amd_machine_detected',
        cv: first.sid,
        dt: expect.any(Number),
      }),
    ]);
    expect(reportRow(afterFirst)).toMatchObject({ outcome: 'redial-pending', sip_code: 200, duration_s: 42 });

    const second = await dialAttempt(ctx, s, 2);
    await deliver(
      s,
      2,
      n(notifications.interim(second.sid, 'amd_human_detected')),
      async () => (await contact(ctx, s)).x !== undefined,
    );
    // In the call: the report still shows attempt 1's columns, untouched by attempt 2's interim event.
    const inCall = reportRow(await contact(ctx, s));
    expect(inCall).toMatchObject({
      outcome: 'in-call',
      sip_code: 200,
      duration_s: 42,
      machine_detection: 'amd_machine_detected',
      conversation_id: first.sid,
    });

    const failed = { ...notifications.failed(second.sid, '480 Temporarily Unavailable') } as Partial<SavgNotification>;
    delete failed.machineDetection;
    delete failed.callConnectTime;
    await deliver(s, 2, n(failed as SavgNotification), async () => (await contact(ctx, s)).n === 3);
    const rec = await contact(ctx, s);
    expect(rec).toMatchObject({ s: 'w', n: 3, o: 'unavailable' });
    expect(rec.x).toBeUndefined();
    // Attempt 2's own fields (its interim AMD and connect time included), nothing of attempt 1 (no duration, no 200).
    const [one, two] = rec.h ?? [];
    expect(one).toEqual(afterFirst.h?.[0]);
    expect(two).toMatchObject({
      n: 2,
      o: 'unavailable',
      sip: 480,
      rs: '480 Temporarily Unavailable',
      amd: 'amd_human_detected',
      cv: second.sid,
    });
    expect(two?.du).toBeUndefined();
    expect(two?.ca).not.toBe(one?.ca);
    expect(two?.dt).toBeGreaterThanOrEqual(one?.dt ?? Infinity);
    expect(reportRow(rec)).toMatchObject({ sip_code: 480, duration_s: null, conversation_id: second.sid });
  });
});

describe('crash between ending an attempt and adding its re-dial job', () => {
  /** An ingester whose watchdog runs on `clock` (not started: the test ticks it). */
  function watchdogAt(clock: () => number): Ingester {
    const i = buildIngester({ config: ctx.config, logger, webhook: false, now: clock });
    extra.push(i);
    return i;
  }

  it('the watchdog re-adds a missing re-dial job once its due time has passed by the guard margin', async () => {
    const [s] = (await seedCampaign(ctx, { redial: { rules: { busy: { delayMs: 5000 } } } })) as [Seeded];
    await dialAttempt(ctx, s, 1);
    const t0 = Date.now();
    // The crash: the attempt is ended with a re-dial decision, and the process dies before adding the job.
    const ended = await store.attempts.end(
      {
        campaignId: s.campaignId,
        contactId: s.contactId,
        attempt: 1,
        from: 'call',
        outcome: 'busy',
        fields: { sip: 486 },
        redialDelayMs: 5000,
      },
      t0,
    );
    expect(ended.result).toBe('redial');
    expect(await jobExists(s, 2)).toBe(false);

    let clock = t0 + 5000 + REDIAL_GUARD_MS - 1;
    const replica = watchdogAt(() => clock);
    expect(await replica.watchdog!.tick()).toBe(0);
    expect(await jobExists(s, 2)).toBe(false);
    clock += 2;
    expect(await replica.watchdog!.tick()).toBe(0);
    expect(await jobExists(s, 2)).toBe(true);
    expect(await replica.metrics.registry.metrics()).toMatch(/dialer_ingester_redials_recovered_total 1/);
    // The guard is gone, the contact unchanged: the next sweep finds nothing.
    expect(await store.attempts.dueDeadlines(s.campaignId, clock + 3_600_000)).toEqual([]);
    expect(await contact(ctx, s)).toMatchObject({ s: 'w', n: 2, o: 'busy' });
    // The re-added job is the one the worker takes for attempt 2, due at once.
    const q = dialQueue(ctx, s.campaignId);
    try {
      const job = await q.getJob(attemptJobId(s.contactId, 2));
      expect(job?.data).toEqual({ c: s.contactId, n: 2 });
    } finally {
      await q.close();
    }
  });

  it('leaves an existing re-dial job alone, and the re-dial starting removes the guard', async () => {
    const [a, b] = (await seedCampaign(ctx, { redial: { rules: { busy: { delayMs: 0 } } } }, 2)) as [Seeded, Seeded];
    for (const s of [a, b]) {
      const { sid } = await dialAttempt(ctx, s, 1);
      await deliver(s, 1, n(notifications.failed(sid, '486 Busy Here')), async () => (await contact(ctx, s)).s === 'w');
      // The ender adds the re-dial job one step after the contact reaches `w`.
      await waitUntil(() => jobExists(s, 2), 10_000, 're-dial job added');
    }
    const key = ctx.keys.campaignDeadlines(a.campaignId);
    expect(await ctx.redis.zscore(key, deadlineMember(b.contactId, 1))).not.toBeNull();
    await dialAttempt(ctx, b, 2);
    expect(await ctx.redis.zscore(key, deadlineMember(b.contactId, 1))).toBeNull();

    await backlogApplied();
    const replica = watchdogAt(() => Date.now() + REDIAL_GUARD_MS + 1000);
    await replica.watchdog!.tick();
    expect(await replica.metrics.registry.metrics()).toMatch(/dialer_ingester_redials_recovered_total 0/);
    expect(await contact(ctx, a)).toMatchObject({ s: 'w', n: 2 });
    expect(await ctx.redis.zscore(key, deadlineMember(a.contactId, 1))).toBeNull();
  });
});

describe('the watchdog waits for the notification backlog', () => {
  it('does not declare lost an attempt whose notification is stored but not applied yet', async () => {
    const local = testContext({ LOST_AFTER_MS: '5000' });
    const webhookOnly = buildIngester({ config: local.config, logger, processor: false });
    const url = await listen(webhookOnly.app);
    const [s] = (await seedCampaign(local)) as [Seeded];
    const { sid } = await dialAttempt(local, s, 1, { deadline: Date.now() + 1000 });
    const res = await request(
      url,
      'POST',
      `/notify/${await tokenFor(local, s, 1)}`,
      n(notifications.answered(sid, 'amd_human_detected', 5)),
    );
    expect(res.statusCode).toBe(202);
    let clock = Date.now() + 2000;
    const processing = buildIngester({ config: local.config, logger, webhook: false, now: () => clock });
    extra.push(webhookOnly, processing);
    // The deadline has passed, but the notification received before it waits in the backlog.
    expect(await processing.watchdog!.tick()).toBe(0);
    expect((await contact(local, s)).s).toBe('i');
    await processing.start();
    await waitUntil(async () => (await contact(local, s)).s === 't', 10_000, 'stored notification applied');
    expect(await contact(local, s)).toMatchObject({ o: 'answered-human', du: 5 });
    clock += 10_000;
    // The record is ended inside the notification's job, which completes just after: until it has, the backlog
    // still holds it. No tick may declare the attempt lost meanwhile.
    await waitUntil(
      async () => {
        expect(await processing.watchdog!.tick()).toBe(0);
        return /dialer_ingester_notify_backlog_seconds 0\n/.test(await processing.metrics.registry.metrics());
      },
      10_000,
      'notification job completed, backlog empty',
    );
    await local.close();
  });

  it('holds back at most LOST_AFTER_MS: a stuck backlog does not keep attempts from ending lost', async () => {
    const local = testContext({ LOST_AFTER_MS: '5000' });
    const webhookOnly = buildIngester({ config: local.config, logger, processor: false });
    const url = await listen(webhookOnly.app);
    const [a, b] = (await seedCampaign(local, {}, 2)) as [Seeded, Seeded];
    await dialAttempt(local, a, 1, { deadline: Date.now() + 1000 });
    const other = await dialAttempt(local, b, 1);
    expect(
      (
        await request(
          url,
          'POST',
          `/notify/${await tokenFor(local, b, 1)}`,
          n(notifications.interim(other.sid, 'amd_human_detected')),
        )
      ).statusCode,
    ).toBe(202);
    const processing = buildIngester({
      config: local.config,
      logger,
      webhook: false,
      now: () => Date.now() + 1000 + 5000 + 500,
    });
    extra.push(webhookOnly, processing);
    expect(await processing.watchdog!.tick()).toBe(1);
    expect(await contact(local, a)).toMatchObject({ s: 't', o: 'lost' });
    // Operators see the lag: the backlog's age (~6.5 s here) is exported for alerting.
    const age = /dialer_ingester_notify_backlog_seconds ([\d.]+)/.exec(await processing.metrics.registry.metrics());
    expect(Number(age?.[1])).toBeGreaterThan(5);
    await local.close();
  });
});

describe('a stored notification whose job stalled before', () => {
  it('is applied, not failed, when its job stalls again (a second processor dying, a lock lost under load)', async () => {
    const local = testContext({ WORKER_LOCK_MS: '1000' });
    const webhookOnly = buildIngester({ config: local.config, logger, processor: false });
    extra.push(webhookOnly);
    const url = await listen(webhookOnly.app);
    const [s] = (await seedCampaign(local)) as [Seeded];
    const { sid } = await dialAttempt(local, s);
    expect(
      (
        await request(
          url,
          'POST',
          `/notify/${await tokenFor(local, s, 1)}`,
          n(notifications.answered(sid, 'amd_human_detected', 3)),
        )
      ).statusCode,
    ).toBe(202);
    // A processor takes the job and dies holding it; it had already been re-delivered once (stalled once).
    const crashed = new Worker(NOTIFY_QUEUE, undefined, {
      connection: local.redis,
      prefix: local.keys.notifyQueuePrefix(),
      lockDuration: 300,
      autorun: false,
    });
    const job = await crashed.getNextJob('crashed-processor');
    expect(job).toBeDefined();
    await local.redis.hset(`${local.keys.notifyQueuePrefix()}:${NOTIFY_QUEUE}:${job!.id}`, 'stc', '1');
    await crashed.close(true);
    const processing = buildIngester({ config: local.config, logger, webhook: false });
    extra.push(processing);
    await processing.start();
    await waitUntil(
      async () => (await contact(local, s)).s === 't',
      20_000,
      'notification applied after a second stall',
    );
    expect(await contact(local, s)).toMatchObject({ o: 'answered-human', du: 3 });
    await local.close();
  });
});
