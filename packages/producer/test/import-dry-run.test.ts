import { existsSync } from 'node:fs';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Redis } from 'ioredis';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture();
});
afterAll(async () => fx.close());

/** Every key under the prefix with its exact serialized value: any write shows up. */
async function snapshot(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const key of await fx.keys())
    out[key] = ((await (fx.ctx.redis as Redis).dumpBuffer(key)) ?? Buffer.alloc(0)).toString('base64');
  return out;
}

function csvOf(from: number, count: number, extra: string[] = []): string {
  const lines = ['phone,name'];
  for (let i = from; i < from + count; i++) lines.push(`${usNumber(i)},Person ${i}`);
  return `${[...lines, ...extra].join('\n')}\n`;
}

describe('--dry-run', () => {
  it('counts what a real import would do and writes nothing to Redis', async () => {
    await fx.ctx.redis.sadd(fx.ctx.keys.globalSuppress(), usNumber(3));
    const file = fx.file('dry.csv', csvOf(0, 2500, [`${usNumber(7)},Again`, 'garbage,X', '']));
    const before = await snapshot();
    const summary = await fx.run({ file, campaignId: 'dry', dryRun: true, chunkSize: 400 });
    expect(summary).toMatchObject({
      campaign: 'dry',
      rows: 2502,
      accepted: 2499,
      duplicates: 1,
      rejected: 1,
      suppressed: 1,
      dryRun: true,
    });
    expect(await snapshot()).toEqual(before);
    expect(await fx.store.getCampaign('dry')).toBeUndefined();
    // The rejects file is local, not Redis: a dry run still shows which rows would be rejected.
    expect(existsSync(`${file}.rejects.csv`)).toBe(true);

    // The real import agrees with the dry run.
    const real = await fx.run({ file, campaignId: 'dry', chunkSize: 400 });
    expect({ ...real, durationMs: 0 }).toEqual({ ...summary, dryRun: undefined, durationMs: 0 });
  });

  it('sees what an earlier import already added, still without writing', async () => {
    await fx.run({ file: fx.file('first.csv', csvOf(10_000, 1000)), campaignId: 'dry2' });
    const before = await snapshot();
    const summary = await fx.run({
      file: fx.file('second.csv', csvOf(10_500, 1000)),
      campaignId: 'dry2',
      dryRun: true,
    });
    expect(summary).toMatchObject({ rows: 1000, accepted: 500, duplicates: 500, dryRun: true });
    expect(await snapshot()).toEqual(before);
    expect(await fx.jobCount('dry2')).toBe(1000);
  });

  it('validates like a real import', async () => {
    const file = fx.file('dry3.csv', `phone\n${usNumber(1)}\n`);
    await expect(
      fx.run({ file, campaignId: 'dry3', dryRun: true, settings: { ratePerSecond: -1 } }),
    ).rejects.toMatchObject({ code: 'DIALER_ERR_SETTINGS' });
  });
});
