// Admission and claim in one atomic step (real Redis): an attempt admitted for now is claimed in the same step;
// one admitted for later, or not admitted, is left as it was.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  AdmitClaim,
  CampaignStore,
  Limits,
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  type AdmissionRequest,
  type ClaimRequest,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;
let limits: Limits;
let admitClaim: AdmitClaim;
const T0 = 1_800_000_000_000;
const CAMPAIGN = 'ac';

// A prefix per test: the global rate and live keys are shared by every campaign under it.
beforeEach(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  limits = new Limits(ctx.redis, ctx.keys);
  admitClaim = new AdmitClaim(ctx.redis, ctx.keys, store.attempts);
});
afterEach(async () => ctx.close());

async function contacts(numbers: string[]): Promise<string[]> {
  await store.createCampaign(CAMPAIGN, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config), { now: T0 });
  const ids = numbers.map(contactIdFor);
  await store.addContacts(
    CAMPAIGN,
    ids.map((c, i) => [c, newContactRecord({ p: numbers[i]!, r: i + 2 })]),
  );
  return ids;
}

const admission = (contactId: string, extra: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  member: `${CAMPAIGN}/${contactId}/1`,
  scope: { campaignId: CAMPAIGN },
  limits: { global: 100 },
  leaseMs: 60_000,
  globalRate: 2,
  maxAheadMs: 500,
  ...extra,
});
const claim = (contactId: string): ClaimRequest => ({
  ref: { campaignId: CAMPAIGN, contactId, attempt: 1 },
  opts: { deadline: T0 + 30_000, claim: `claim-${contactId}` },
});
const record = async (contactId: string) => store.getContact(CAMPAIGN, contactId);

describe('AdmitClaim', () => {
  it('claims the attempt in the admission when its instant is now, and only then', async () => {
    const [a, b, c] = await contacts(['+15550000001', '+15550000002', '+15550000003']);
    const first = await admitClaim.admit(admission(a!), claim(a!), T0);
    expect(first).toMatchObject({ kind: 'admitted', waitMs: 0, begun: { kind: 'begun', record: { s: 'd', a: 1 } } });
    expect(await record(a!)).toMatchObject({ s: 'd', k: `claim-${a}`, a: 1 });
    expect((await store.stats(CAMPAIGN)).dialouts).toBe(1);
    expect(await store.attempts.dueDeadlines(CAMPAIGN, T0 + 30_000)).toContainEqual(
      expect.objectContaining({ contactId: a }),
    );

    // At 2/s the next instant is 500 ms away: admitted (slot and instant taken), not claimed.
    const later = await admitClaim.admit(admission(b!), claim(b!), T0);
    expect(later).toEqual({ kind: 'admitted', waitMs: 500 });
    expect(await record(b!)).toMatchObject({ s: 'q' });
    expect(await limits.liveCount(undefined, T0)).toBe(2);

    // No instant within the horizon: nothing taken, nothing claimed.
    expect(await admitClaim.admit(admission(c!), claim(c!), T0)).toEqual({ kind: 'busy', retryInMs: 500 });
    expect(await record(c!)).toMatchObject({ s: 'q' });
    expect(await limits.liveCount(undefined, T0)).toBe(2);
    expect((await store.stats(CAMPAIGN)).dialouts).toBe(1);
  });

  it('claims nothing when a live-call cap is full', async () => {
    const [a, b] = await contacts(['+15550000011', '+15550000012']);
    const capped = (id: string) => admission(id, { limits: { global: 1 }, globalRate: 1000 });
    expect(await admitClaim.admit(capped(a!), claim(a!), T0)).toMatchObject({ begun: { kind: 'begun' } });
    expect(await admitClaim.admit(capped(b!), claim(b!), T0)).toEqual({ kind: 'full', scope: 1 });
    expect(await record(b!)).toMatchObject({ s: 'q' });
  });

  it('answers as begin does when the claim is refused, with the slot held for its caller to give back', async () => {
    const [listed, paused] = await contacts(['+15550000021', '+15550000022']);
    await ctx.redis.sadd(ctx.keys.globalSuppress(), '+15550000021');
    const fast = (id: string) => admission(id, { globalRate: 1000 });
    expect(await admitClaim.admit(fast(listed!), claim(listed!), T0)).toMatchObject({
      kind: 'admitted',
      begun: { kind: 'suppressed' },
    });
    expect(await record(listed!)).toMatchObject({ s: 'q' });

    await store.setState(CAMPAIGN, 'paused');
    expect(await admitClaim.admit(fast(paused!), claim(paused!), T0 + 10)).toMatchObject({
      kind: 'admitted',
      begun: { kind: 'not-running', state: 'paused' },
    });
    expect(await limits.liveCount(undefined, T0 + 10)).toBe(2);
    expect((await store.stats(CAMPAIGN)).dialouts).toBe(0);

    // The same claim sent again (a reply a reconnect lost) is recognised as its own.
    await store.setState(CAMPAIGN, 'running');
    const again = async (now: number) => admitClaim.admit(fast(paused!), claim(paused!), now);
    expect(await again(T0 + 20)).toMatchObject({ begun: { kind: 'begun' } });
    expect(await again(T0 + 30)).toMatchObject({ begun: { kind: 'begun' } });
    expect((await store.stats(CAMPAIGN)).dialouts).toBe(1);
  });
});
