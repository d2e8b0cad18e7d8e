// jambonz's final statuses (busy, no-answer) end attempts, unknown statuses stay interim and are counted by
// dialer_ingester_unknown_status_total{status} with a bounded label set. The notifications come from the real
// simulator (statusStyle 'jambonz', an unknown 'queued' first) or the real webhook; real Redis, real ingester.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { SavgAuthToken, createLogger, unpackId } from '@dialer/core';
import { buildIngester, type Ingester } from '@dialer/ingester';
import {
  startSimulator,
  testContext,
  TEST_SECRETS,
  waitUntil,
  type SimulatorHarness,
  type TestContext,
} from '@dialer/test-utils';
import { contact, dialAttempt, listen, request, seedCampaign, tokenFor, type Seeded } from './helpers.js';

const REDIAL = { rules: { busy: { delayMs: 60_000 }, 'no-answer': { delayMs: 60_000 } }, maxAttempts: 3 };

let ctx: TestContext;
let ingester: Ingester;
let base: string;
let sim: SimulatorHarness;

beforeEach(async () => {
  ctx = testContext();
  ingester = buildIngester({ config: ctx.config, logger: createLogger({ level: 'silent' }) });
  base = await listen(ingester.app);
  await ingester.start();
  sim = await startSimulator({ statusStyle: 'jambonz', interimStatus: 'queued', spelling: 'new' });
});

afterEach(async () => {
  await sim.close();
  await ingester.close();
  await ctx.close();
});

const auth = new SavgAuthToken({
  clientId: TEST_SECRETS.SAVG_CLIENT_ID,
  clientSecret: TEST_SECRETS.SAVG_CLIENT_SECRET,
});

/** Begins attempt 1 the worker's way and dials the simulator with the attempt's notify URL; returns the sid. */
async function dialThroughSimulator(s: Seeded, target: string): Promise<string> {
  await dialAttempt(ctx, s, 1, { stored: false });
  const res = await request(
    sim.url,
    'POST',
    `/api/1.1/public/bot/${TEST_SECRETS.SAVG_BOT_ID}/smartassist/dialout`,
    { target, caller: '+15550001111', notifyurl: `${base}/notify/${await tokenFor(ctx, s)}` },
    { 'content-type': 'application/json', auth: await auth.get() },
  );
  expect(res.statusCode).toBe(200);
  return (res.json() as { sid: string }).sid;
}

async function metricValues(name: string): Promise<Record<string, number>> {
  const metric = await ingester.metrics.registry.getSingleMetric(name)?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels['status'] ?? ''), v.value]));
}

describe("jambonz's statuses", () => {
  it('a busy status ends the attempt as busy and re-dials it; the queued before it is counted as unknown', async () => {
    const [s] = (await seedCampaign(ctx, { redial: REDIAL })) as [Seeded];
    sim.state.setScript('tel:+15550007001', ['busy']);
    const sid = await dialThroughSimulator(s, 'tel:+15550007001');
    await waitUntil(async () => (await contact(ctx, s)).s === 'w', 10_000, 'the busy attempt ended and re-dial due');
    expect(await contact(ctx, s)).toMatchObject({
      s: 'w',
      n: 2,
      a: 1,
      o: 'busy',
      h: [{ n: 1, o: 'busy', sip: 486, rs: '486 Busy Here' }],
    });
    expect(unpackId((await contact(ctx, s)).h?.[0]?.cv)).toBe(sid);
    const statuses = (await sim.notifications()).filter((r) => r.sid === sid).map((r) => r.payload['status']);
    expect(statuses).toEqual(['queued', 'busy']);
    await waitUntil(
      async () => (await metricValues('dialer_ingester_unknown_status_total'))['queued'] === 1,
      5_000,
      'queued counted',
    );
  });

  it('a no-answer status ends the attempt as no-answer', async () => {
    const [s] = (await seedCampaign(ctx, { redial: { maxAttempts: 1 } })) as [Seeded];
    sim.state.setScript('tel:+15550007002', ['no-answer']);
    await dialThroughSimulator(s, 'tel:+15550007002');
    await waitUntil(async () => (await contact(ctx, s)).s === 't', 10_000, 'the attempt ended');
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'no-answer', sip: 487 });
  });
});

describe('unknown statuses', () => {
  it('stay interim and are counted under at most 20 sanitized labels, the rest as other', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    const { sid } = await dialAttempt(ctx, s);
    const token = await tokenFor(ctx, s);
    const statuses = ['Ringing', 'ringing', 'Early Media!', ...Array.from({ length: 22 }, (_, i) => `weird-${i}`)];
    for (const status of statuses) {
      const res = await request(base, 'POST', `/notify/${token}`, { conversationId: sid, status });
      expect(res.statusCode).toBe(202);
    }
    await waitUntil(
      async () =>
        Object.values(await metricValues('dialer_ingester_unknown_status_total')).reduce((a, b) => a + b, 0) ===
        statuses.length,
      10_000,
      'every unknown status counted',
    );
    const counts = await metricValues('dialer_ingester_unknown_status_total');
    expect(counts['ringing']).toBe(2);
    expect(counts['early_media_']).toBe(1);
    expect(Object.keys(counts)).toHaveLength(21);
    // 'ringing', 'early_media_' and weird-0 … weird-17 take the 20 labels; weird-18 … weird-21 are 'other'.
    expect(counts['other']).toBe(4);
    expect(counts['weird-17']).toBe(1);
    expect(await contact(ctx, s)).toMatchObject({ s: 'i' });
  });
});
