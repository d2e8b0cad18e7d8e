// Contact caps across campaigns (real Redis): a number's dial-outs are counted atomically with the check, so two
// workers cannot both take the last place; a dial-out that never left is taken back; a full cap says until when.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { ContactCaps, parseContactCaps } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const byNumber = (n: string) => `k${n.replace(/\D/g, '')}`;

beforeEach(() => {
  ctx = testContext();
});
afterEach(async () => ctx.close());

describe('CONTACT_CAP', () => {
  it('parses count/window pairs and names a bad one', () => {
    expect(parseContactCaps('3/24h,7/7d')).toEqual([
      { count: 3, windowMs: 24 * HOUR },
      { count: 7, windowMs: 7 * 24 * HOUR },
    ]);
    expect(parseContactCaps('off')).toEqual([]);
    expect(parseContactCaps('')).toEqual([]);
    expect(() => parseContactCaps('3 per day')).toThrow(/"3 per day" is not <count>\/<window>/);
    expect(() => parseContactCaps('0/1h')).toThrow(/count of at least 1/);
  });

  it('counts dial-outs across campaigns in a rolling window and says when the cap frees', async () => {
    const caps = new ContactCaps(ctx.redis, ctx.keys, parseContactCaps('2/1h,3/24h'), byNumber);
    const n = '+15550300001';
    expect(await caps.reserve(n, 'spring/a/1', T0)).toEqual({ ok: true });
    expect(await caps.reserve(n, 'autumn/b/1', T0 + 10 * 60_000)).toEqual({ ok: true });
    // Two in the last hour: the hourly cap frees when the first ages out of it.
    expect(await caps.reserve(n, 'winter/c/1', T0 + 20 * 60_000)).toEqual({ ok: false, until: T0 + HOUR });
    // The same attempt asking again (a re-sent command) finds its own count.
    expect(await caps.reserve(n, 'autumn/b/1', T0 + 20 * 60_000)).toEqual({ ok: true });
    expect(await caps.reserve(n, 'winter/c/1', T0 + HOUR)).toEqual({ ok: true });
    // Three in 24 h: the daily cap frees 24 h after the first.
    expect(await caps.reserve(n, 'summer/d/1', T0 + 3 * HOUR)).toEqual({ ok: false, until: T0 + 24 * HOUR });
    // Another number is not held back.
    expect(await caps.reserve('+15550300002', 'summer/e/1', T0 + 3 * HOUR)).toEqual({ ok: true });
  });

  it('takes back a dial-out that never left', async () => {
    const caps = new ContactCaps(ctx.redis, ctx.keys, parseContactCaps('1/24h'), byNumber);
    const n = '+15550300003';
    expect(await caps.reserve(n, 'c1/a/1', T0)).toEqual({ ok: true });
    expect(await caps.reserve(n, 'c2/a/1', T0)).toMatchObject({ ok: false });
    await caps.release(n, 'c1/a/1');
    expect(await caps.reserve(n, 'c2/a/1', T0)).toEqual({ ok: true });
  });

  it('lets exactly one of many racing workers take the last place', async () => {
    const caps = new ContactCaps(ctx.redis, ctx.keys, parseContactCaps('1/24h'), byNumber);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => caps.reserve('+15550300004', `c${i}/a/1`, T0)),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
  });

  it('keys a number by its keyed hash, never the number', async () => {
    const caps = new ContactCaps(ctx.redis, ctx.keys, parseContactCaps('1/1h'), byNumber);
    await caps.reserve('+15550300005', 'c/a/1', T0);
    const keys = await ctx.redis.keys(`${ctx.keys.prefix}:*`);
    expect(keys).toEqual([ctx.keys.contactCap('k15550300005')]);
    expect(keys.join('')).not.toContain('+15550300005');
  });

  it('does nothing when no cap is set', async () => {
    const caps = new ContactCaps(ctx.redis, ctx.keys, [], byNumber);
    expect(caps.enabled).toBe(false);
    expect(await caps.reserve('+15550300006', 'c/a/1', T0)).toEqual({ ok: true });
    expect(await ctx.redis.keys(`${ctx.keys.prefix}:*`)).toEqual([]);
  });
});
