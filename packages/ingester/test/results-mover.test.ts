// The results outbox mover against a real Redis and a real BullMQ queue: it moves a campaign's outbox into the
// results queue (job id = delivery id) and trims it; entries moved twice (a crash between queueing and trimming)
// are queued once; one mover works at a time; a deleted campaign is forgotten.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Registry } from 'prom-client';
import type { Job, Queue } from 'bullmq';
import {
  CampaignStore,
  contactIdFor,
  createLogger,
  newContactRecord,
  openResultsQueue,
  resolveCampaignSettings,
  type ResultJobData,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';
import { ResultsMetrics, ResultsMover } from '@dialer/ingester';

let ctx: TestContext;
let store: CampaignStore;
let queue: Queue;
const T0 = 1_800_000_000_000;
const logger = createLogger({ level: 'silent' });

function mover(): ResultsMover {
  return new ResultsMover({
    redis: ctx.redis,
    keys: ctx.keys,
    queue,
    config: ctx.config.results,
    metrics: new ResultsMetrics(new Registry()),
    logger,
  });
}

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  queue = openResultsQueue(ctx.redis, ctx.keys);
});
afterAll(async () => {
  await queue.close();
  await ctx.close();
});

async function endedCampaign(id: string, numbers: string[]): Promise<string[]> {
  const settings = resolveCampaignSettings(
    { caller: '+15550001111', results: { url: 'https://results.example.com/r', secret: 'sixteen-chars-secret' } },
    ctx.config,
  );
  await store.createCampaign(id, settings, { now: T0 });
  const ids = numbers.map(contactIdFor);
  await store.addContacts(
    id,
    ids.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
  );
  for (const contactId of ids) {
    const ref = { campaignId: id, contactId, attempt: 1 };
    await store.attempts.begin(ref, { deadline: T0 + 5000, now: T0 });
    await store.attempts.end({ ...ref, outcome: 'no-answer', fields: { sip: 480 }, from: 'call' }, T0 + 10);
  }
  return ids;
}

describe('results mover', () => {
  it('queues each entry once under its delivery id and empties the outbox; one mover at a time', async () => {
    const ids = await endedCampaign('m-once', ['+15550000501', '+15550000502']);
    const outboxKey = ctx.keys.campaignOutbox('m-once');
    const entries = await ctx.redis.lrange(outboxKey, 0, -1);
    expect(entries).toHaveLength(2);

    const [first, second] = [mover(), mover()];
    expect(await first.pass()).toBe(2);
    expect(await second.pass()).toBe(0); // the lock is the first one's
    expect(await ctx.redis.llen(outboxKey)).toBe(0);
    const jobs = (await queue.getJobs(['wait', 'delayed', 'prioritized'])) as Job<ResultJobData>[];
    expect(jobs.map((j) => j.id).sort()).toEqual(ids.map((c) => `m-once/${c}/1/contact`).sort());
    const body = JSON.parse(jobs[0]!.data.body) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: 'contact', campaignId: 'm-once', outcome: 'no-answer', sip_code: 480 });
    expect(JSON.stringify(jobs.map((j) => j.data))).not.toContain('sixteen-chars-secret');

    // A crash between queueing and trimming leaves the entries to be moved again: still one job each.
    await ctx.redis.rpush(outboxKey, ...entries);
    expect(await first.pass(Date.now() + 60_000)).toBe(2);
    expect(await queue.getJobCountByTypes('wait', 'delayed', 'prioritized')).toBe(2);
    await first.stop();
    // Stopped, the first lets go of the lock: the second takes over.
    await ctx.redis.rpush(outboxKey, entries[0]!);
    expect(await second.pass()).toBe(1);
    await second.stop();
  });

  it('forgets a campaign that was deleted', async () => {
    await endedCampaign('m-gone', ['+15550000601']);
    expect(await ctx.redis.sismember(ctx.keys.resultsCampaigns(), 'm-gone')).toBe(1);
    await ctx.redis.del(ctx.keys.campaignMeta('m-gone'), ctx.keys.campaignOutbox('m-gone'));
    const m = mover();
    let now = Date.now();
    for (let i = 0; i < 6; i++) {
      await m.pass(now);
      now += 60_000;
    }
    expect(await ctx.redis.sismember(ctx.keys.resultsCampaigns(), 'm-gone')).toBe(0);
    expect(await ctx.redis.sismember(ctx.keys.resultsCampaigns(), 'm-once')).toBe(1);
    await m.stop();
  });
});
