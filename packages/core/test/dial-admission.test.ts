import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { DialAdmission, Limits } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let admission: DialAdmission;
let limits: Limits;
const T0 = 1_800_000_000_000;
// Later than anything the first test reserved on the shared global key.
const T1 = T0 + 60_000;

beforeAll(() => {
  ctx = testContext();
  admission = new DialAdmission(ctx.redis, ctx.keys);
  limits = new Limits(ctx.redis, ctx.keys);
});
afterAll(async () => ctx.close());

const req = (member: string, campaignId = 'adm', extra: object = {}) => ({
  member, scope: { campaignId, trunk: 'T1' }, limits: { global: 100, campaign: 2, trunk: 10 }, leaseMs: 60_000, globalRate: 10, campaignRate: 4, ...extra,
});

describe('DialAdmission', () => {
  it('takes the live slot and the paced instant in one step, with the same keys as Limits', async () => {
    expect(await admission.admit(req('adm/a/1'), T0)).toEqual({ kind: 'admitted', waitMs: 0 });
    expect(await admission.admit(req('adm/b/1'), T0)).toEqual({ kind: 'admitted', waitMs: 250 });
    // Campaign cap (2) reached: nothing taken, not even an instant.
    expect(await admission.admit(req('adm/c/1'), T0)).toEqual({ kind: 'full', scope: 2 });
    expect(await limits.liveCount({ campaignId: 'adm' }, T0)).toBe(2);
    // Limits sees the reservations: the next instant is after the two above.
    expect(await limits.reserveDial('adm', 10, 4, 10_000, T0)).toEqual({ ok: true, waitMs: 500 });
    // The ingester's release frees the slot for the next attempt.
    expect(await limits.releaseLive('adm/a/1', { campaignId: 'adm', trunk: 'T1' })).toBe(3);
    expect(await admission.admit(req('adm/c/1'), T0)).toEqual({ kind: 'admitted', waitMs: 750 });
  });

  it('an attempt that already holds its slot is admitted again (re-delivery); a full schedule takes nothing', async () => {
    const r = (m: string) => req(m, 'adm2', { limits: { global: 100, campaign: 1 }, globalRate: 1000, campaignRate: 1, maxAheadMs: 1000 });
    expect(await admission.admit(r('adm2/a/1'), T1)).toEqual({ kind: 'admitted', waitMs: 0 });
    expect(await admission.admit(r('adm2/a/1'), T1)).toEqual({ kind: 'admitted', waitMs: 1000 });
    expect(await admission.admit(r('adm2/a/1'), T1)).toEqual({ kind: 'busy', retryInMs: 1000 });
    expect(await admission.admit(r('adm2/b/1'), T1)).toEqual({ kind: 'full', scope: 2 });
    await limits.releaseLive('adm2/a/1', { campaignId: 'adm2', trunk: 'T1' });
    expect(await admission.admit(r('adm2/b/1'), T1)).toEqual({ kind: 'busy', retryInMs: 1000 });
    expect(await limits.liveCount({ campaignId: 'adm2' }, T1)).toBe(0);
  });
});
