import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Limits, createKeys } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let limits: Limits;
const T0 = 1_800_000_000_000;

beforeAll(() => {
  ctx = testContext();
  limits = new Limits(ctx.redis, ctx.keys);
});
afterAll(async () => ctx.close());

describe('pacing reservations', () => {
  it('spaces dial-outs 1/rate apart under the stricter of the global and campaign rate', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await limits.reserveDial('pace', 10, 4, 10_000, T0);
      if (!r.ok) throw new Error('expected a reservation');
      waits.push(r.waitMs);
    }
    expect(waits).toEqual([0, 250, 500, 750, 1000]);
  });

  it('refuses reservations further ahead than maxAhead and says when to retry', async () => {
    const fresh = new Limits(ctx.redis, createKeys(`${ctx.keys.prefix}-ahead`));
    await fresh.reserveDial('ahead', 1, undefined, 1000, T0);
    await fresh.reserveDial('ahead', 1, undefined, 1000, T0);
    await limits.reserveDial('ahead', 1, undefined, 1000, T0);
    const r = await fresh.reserveDial('ahead', 1, undefined, 1000, T0);
    expect(r).toEqual({ ok: false, retryInMs: 1000 });
  });
});

describe('live-call semaphore', () => {
  it('caps calls per scope, releases, and expires leaked leases', async () => {
    const scope = { campaignId: 'live', trunk: 'T1' };
    const caps = { global: 100, campaign: 2, trunk: 5 };
    expect(await limits.acquireLive('live/a/1', scope, caps, 1000, T0)).toBe(0);
    expect(await limits.acquireLive('live/a/1', scope, caps, 1000, T0)).toBe(0);
    expect(await limits.acquireLive('live/b/1', scope, caps, 1000, T0)).toBe(0);
    expect(await limits.acquireLive('live/c/1', scope, caps, 1000, T0)).toBe(2);
    expect(await limits.releaseLive('live/a/1', scope)).toBe(3);
    expect(await limits.releaseLive('live/a/1', scope)).toBe(0);
    expect(await limits.acquireLive('live/c/1', scope, caps, 1000, T0)).toBe(0);
    // b and c were never released (a crashed holder): their leases end and free the slots.
    expect(await limits.acquireLive('live/d/1', scope, caps, 1000, T0 + 1001)).toBe(0);
    expect(await limits.liveCount(scope, T0 + 1001)).toBe(1);
  });

  it('applies the trunk cap across campaigns', async () => {
    const caps = { global: 100, campaign: 100, trunk: 1 };
    expect(await limits.acquireLive('x/a/1', { campaignId: 'x', trunk: 'shared' }, caps, 10_000, T0)).toBe(0);
    expect(await limits.acquireLive('y/a/1', { campaignId: 'y', trunk: 'shared' }, caps, 10_000, T0)).toBe(3);
  });
});
