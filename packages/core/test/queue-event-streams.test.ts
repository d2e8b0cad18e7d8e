// BullMQ keeps an event stream per queue, 10,000 entries by default, and rewrites its length into the queue's
// meta whenever a Queue is created. Ours are shorter (nothing reads them), and stay so whichever process
// opened the queue last.
import { describe, it, expect, afterAll } from '@jest/globals';
import { CampaignQueues, DIAL_JOB_NAME, dialJobOptions } from '@dialer/core';
import { testContext, waitUntil } from '@dialer/test-utils';

const ctx = testContext();
afterAll(() => ctx.close());

describe('campaign queue event stream', () => {
  it('is capped at 1,000 entries, also when another process opens the campaign queue', async () => {
    const producer = new CampaignQueues(ctx.redis, ctx.keys);
    const queue = producer.get('c-events');
    const meta = queue.toKey('meta');
    await waitUntil(async () => (await ctx.redis.hget(meta, 'opts.maxLenEvents')) === '1000', 5000, 'meta written');
    // Another process (a worker, the board) opening the same queue keeps the length.
    const other = new CampaignQueues(ctx.redis, ctx.keys);
    await other.get('c-events').waitUntilReady();
    await other.get('c-events').getJobCounts();
    expect(await ctx.redis.hget(meta, 'opts.maxLenEvents')).toBe('1000');

    for (let start = 0; start < 3000; start += 500) {
      const jobs = Array.from({ length: 500 }, (_, i) => `k${start + i}`);
      await queue.addBulk(jobs.map((c) => ({ name: DIAL_JOB_NAME, data: { c, n: 1 }, opts: dialJobOptions(c, 1) })));
    }
    // Trimmed approximately (MAXLEN ~): near 1,000, far from the 3,000 events written.
    expect(await ctx.redis.xlen(queue.toKey('events'))).toBeLessThan(1500);
    await Promise.all([producer.close(), other.close()]);
  });
});
