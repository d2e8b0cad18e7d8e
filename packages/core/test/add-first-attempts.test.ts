// The import's bulk job add (lua/add-jobs.lua, with BullMQ's own functions) against BullMQ itself (real Redis):
// the same job hashes, wait-list order, marker and events as `queue.add`, an existing id left alone, and a
// BullMQ Worker processes the jobs.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { Worker } from 'bullmq';
import {
  CampaignQueues,
  DIAL_JOB_NAME,
  addFirstAttempts,
  dialJobOptions,
  type DialJobData,
  type RedisClient,
} from '@dialer/core';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let queues: CampaignQueues;

beforeEach(() => {
  ctx = testContext();
  queues = new CampaignQueues(ctx.redis, ctx.keys);
});
afterEach(async () => {
  await queues.close();
  await ctx.close();
});

/** A job's stored hash, its timestamp left out (each add takes its own). */
async function storedJob(redis: RedisClient, key: string): Promise<Record<string, unknown>> {
  const { timestamp, opts, ...rest } = await redis.hgetall(key);
  expect(Number(timestamp)).toBeGreaterThan(0);
  return { ...rest, opts: JSON.parse(opts ?? 'null') as unknown };
}

/** The queue's events without their stream ids. */
async function events(redis: RedisClient, key: string): Promise<string[][]> {
  return (await redis.xrange(key, '-', '+')).map(([, fields]) => fields);
}

describe('addFirstAttempts', () => {
  it('stores the jobs, events and wait order BullMQ stores for the same jobs', async () => {
    const ids = ['c-one', 'c-two', 'c-three'];
    const ours = queues.get('ours');
    const theirs = queues.get('theirs');
    expect(await addFirstAttempts(ctx.redis, ours, ids)).toBe(3);
    for (const c of ids) await theirs.add(DIAL_JOB_NAME, { c, n: 1 }, dialJobOptions(c, 1));

    for (const c of ids) {
      const mine = await storedJob(ctx.redis, ours.toKey(`${c}-1`));
      expect(mine).toEqual(await storedJob(ctx.redis, theirs.toKey(`${c}-1`)));
      expect(mine).toMatchObject({ name: 'dial', data: JSON.stringify({ c, n: 1 }), delay: '0', priority: '0' });
      // Still a compact listpack (see WORKER_BACKOFF in dial-jobs.ts).
      expect(await ctx.redis.object('ENCODING', ours.toKey(`${c}-1`))).toBe('listpack');
    }
    expect(await ctx.redis.lrange(ours.keys.wait, 0, -1)).toEqual(await ctx.redis.lrange(theirs.keys.wait, 0, -1));
    expect(await ctx.redis.zrange(ours.keys.marker, 0, -1, 'WITHSCORES')).toEqual(['0', '0']);
    expect(await events(ctx.redis, ours.keys.events)).toEqual(await events(ctx.redis, theirs.keys.events));
    expect(await ctx.redis.get(ours.keys.id)).toBe(await ctx.redis.get(theirs.keys.id));
    expect(await ours.getJobCounts('wait')).toEqual({ wait: 3 });
  });

  it('leaves a job whose id exists as it is, as BullMQ does', async () => {
    const queue = queues.get('dup');
    await queue.add(DIAL_JOB_NAME, { c: 'c-old', n: 1 }, { ...dialJobOptions('c-old', 1), attempts: 7 });
    expect(await addFirstAttempts(ctx.redis, queue, ['c-old', 'c-new'])).toBe(1);
    expect(JSON.parse((await ctx.redis.hget(queue.toKey('c-old-1'), 'opts')) ?? '{}')).toMatchObject({ attempts: 7 });
    expect(await ctx.redis.lrange(queue.keys.wait, 0, -1)).toEqual(['c-new-1', 'c-old-1']);
    expect((await events(ctx.redis, queue.keys.events)).map((e) => e[1])).toEqual([
      'added',
      'waiting',
      'duplicated',
      'added',
      'waiting',
    ]);
  });

  it('adds jobs a BullMQ Worker takes, first in, first out', async () => {
    const queue = queues.get('work');
    const ids = Array.from({ length: 50 }, (_, i) => `c-${String(i).padStart(2, '0')}`);
    await addFirstAttempts(ctx.redis, queue, ids);
    const seen: string[] = [];
    const connection = ctx.redis.duplicate();
    const worker = new Worker<DialJobData>(
      'work',
      async (job) => {
        seen.push(`${job.data.c}/${job.data.n}/${job.id}/${job.opts.attempts}`);
      },
      { connection, prefix: ctx.keys.campaignQueuePrefix('work'), concurrency: 1 },
    );
    try {
      await waitUntil(() => seen.length === ids.length, 10_000, 'every job processed');
    } finally {
      await worker.close();
      connection.disconnect();
    }
    expect(seen).toEqual(ids.map((c) => `${c}/1/${c}-1/50`));
  });
});
