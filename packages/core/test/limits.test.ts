// Pacing and live-call caps across processes (real Redis): one atomic admission per dial-out takes the attempt's
// live slot and its paced instant, or nothing.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { Limits, type AdmissionRequest } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let limits: Limits;
const T0 = 1_800_000_000_000;

// A prefix per test: the global rate and live keys are shared by every campaign under it.
beforeEach(() => {
  ctx = testContext();
  limits = new Limits(ctx.redis, ctx.keys);
});
afterEach(async () => ctx.close());

const req = (member: string, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  member,
  scope: { campaignId: 'adm', trunk: 'T1' },
  limits: { global: 100, campaign: 100, trunk: 100 },
  leaseMs: 60_000,
  globalRate: 10,
  campaignRate: 4,
  ...extra,
});

describe('pacing', () => {
  it('spaces dial-outs 1/rate apart under the stricter of the global and campaign rate', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await limits.admit(req(`adm/${i}/1`, { maxAheadMs: 10_000 }), T0);
      if (r.kind !== 'admitted') throw new Error(`expected admission, got ${r.kind}`);
      waits.push(r.waitMs);
    }
    expect(waits).toEqual([0, 250, 500, 750, 1000]);
  });

  it('refuses instants further ahead than maxAhead, takes nothing, and says when to retry; the global rate binds every campaign', async () => {
    const slow = (member: string, campaignId: string) =>
      req(member, { scope: { campaignId }, globalRate: 1, campaignRate: undefined, maxAheadMs: 1000 });
    expect(await limits.admit(slow('a/x/1', 'a'), T0)).toEqual({ kind: 'admitted', waitMs: 0 });
    expect(await limits.admit(slow('b/x/1', 'b'), T0)).toEqual({ kind: 'admitted', waitMs: 1000 });
    expect(await limits.admit(slow('a/y/1', 'a'), T0)).toEqual({ kind: 'busy', retryInMs: 1000 });
    expect(await limits.liveCount(undefined, T0)).toBe(2);
  });
});

describe('live calls', () => {
  it('caps calls per scope, releases, and expires leaked leases', async () => {
    const capped = (member: string, now = T0) =>
      limits.admit(
        req(member, {
          limits: { global: 100, campaign: 2, trunk: 5 },
          leaseMs: 1000,
          globalRate: 1000,
          campaignRate: undefined,
          maxAheadMs: 60_000,
        }),
        now,
      );
    expect(await capped('adm/a/1')).toMatchObject({ kind: 'admitted' });
    expect(await capped('adm/b/1')).toMatchObject({ kind: 'admitted' });
    expect(await capped('adm/c/1')).toEqual({ kind: 'full', scope: 2 });
    expect(await limits.releaseLive('adm/a/1', { campaignId: 'adm', trunk: 'T1' })).toBe(3);
    expect(await limits.releaseLive('adm/a/1', { campaignId: 'adm', trunk: 'T1' })).toBe(0);
    expect(await capped('adm/c/1')).toMatchObject({ kind: 'admitted' });
    // b and c were never released (a crashed holder): their leases end and free the slots.
    expect(await capped('adm/d/1', T0 + 1001)).toMatchObject({ kind: 'admitted' });
    expect(await limits.liveCount({ campaignId: 'adm' }, T0 + 1001)).toBe(1);
  });

  it('an attempt that already holds its slot is admitted again (re-delivery); a full schedule takes nothing', async () => {
    const r = (m: string) =>
      req(m, {
        scope: { campaignId: 'adm2', trunk: 'T1' },
        limits: { global: 100, campaign: 1 },
        globalRate: 1000,
        campaignRate: 1,
        maxAheadMs: 1000,
      });
    expect(await limits.admit(r('adm2/a/1'), T0)).toEqual({ kind: 'admitted', waitMs: 0 });
    expect(await limits.admit(r('adm2/a/1'), T0)).toEqual({ kind: 'admitted', waitMs: 1000 });
    expect(await limits.admit(r('adm2/a/1'), T0)).toEqual({ kind: 'busy', retryInMs: 1000 });
    expect(await limits.admit(r('adm2/b/1'), T0)).toEqual({ kind: 'full', scope: 2 });
    await limits.releaseLive('adm2/a/1', { campaignId: 'adm2', trunk: 'T1' });
    expect(await limits.admit(r('adm2/b/1'), T0)).toEqual({ kind: 'busy', retryInMs: 1000 });
    expect(await limits.liveCount({ campaignId: 'adm2' }, T0)).toBe(0);
  });

  it('applies the trunk cap across campaigns', async () => {
    const onTrunk = (member: string, campaignId: string) =>
      limits.admit(
        req(member, {
          scope: { campaignId, trunk: 'shared' },
          limits: { global: 100, campaign: 100, trunk: 1 },
          globalRate: 1000,
          campaignRate: undefined,
        }),
        T0,
      );
    expect(await onTrunk('x/a/1', 'x')).toMatchObject({ kind: 'admitted' });
    expect(await onTrunk('y/a/1', 'y')).toEqual({ kind: 'full', scope: 3 });
  });
});
