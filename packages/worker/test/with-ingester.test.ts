// The worker with the real ingester (webhook, processor, lost-notification watchdog) and the simulator:
// a busy contact is re-dialed with the same parameters; an uncertain attempt that never gets a notification
// is settled by the watchdog (`lost`, re-dialed by the campaign's rule) and never re-sent as the same attempt;
// the watchdog's time counts from the dial-out's answer; a notification later than the watchdog's guess
// still ends the contact when its re-dial has not begun.
import { describe, it, expect, afterEach } from '@jest/globals';
import {
  CampaignQueues,
  CampaignStore,
  Limits,
  attemptJobId,
  contactIdFor,
  createLogger,
  loadConfig,
  type DialerConfig,
} from '@dialer/core';
import { buildIngester, type Ingester } from '@dialer/ingester';
import { startSimulator, testContext, waitUntil, type SimulatorHarness, type TestContext } from '@dialer/test-utils';
import { buildWorker, type WorkerService } from '@dialer/worker';
import { attemptOf, numbers, seedCampaign } from './helpers.js';

// Each test's rig (its own prefix) is closed after it: its worker and watchdog would otherwise keep polling
// through the later tests.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

interface Rig {
  ctx: TestContext;
  store: CampaignStore;
  queues: CampaignQueues;
  limits: Limits;
  config: DialerConfig;
  ingester: Ingester;
  worker: WorkerService;
}

async function rig(sim: SimulatorHarness, env: Record<string, string>): Promise<Rig> {
  const ctx = testContext(env);
  const base = loadConfig({ ...ctx.env, ...env });
  const logger = createLogger({ level: 'silent' });
  const ingester = buildIngester({
    config: { ...base, ingester: { ...base.ingester, host: '127.0.0.1', port: 0 } },
    logger,
  });
  const address = await ingester.app.listen({ host: '127.0.0.1', port: 0 });
  await ingester.start();
  const config = loadConfig({ ...ctx.env, ...env, NOTIFY_BASE_URL: address });
  const worker = buildWorker({
    config,
    logger,
    savgBaseUrl: sim.url,
    rescanIntervalMs: 200,
    lockDurationMs: 2000,
    metricsServer: false,
    defaultMetrics: false,
  });
  await worker.start();
  const store = new CampaignStore(ctx.redis, ctx.keys);
  const queues = new CampaignQueues(ctx.redis, ctx.keys);
  closers.push(async () => {
    await worker.close();
    await ingester.close();
    await queues.close();
    await ctx.close();
  });
  return { ctx, store, queues, limits: new Limits(ctx.redis, ctx.keys), config, ingester, worker };
}

describe('worker + ingester + simulator', () => {
  it('re-dials a busy contact with every original dial parameter', async () => {
    const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10 });
    closers.push(() => sim.close());
    const r = await rig(sim, { DIAL_RATE_PER_SECOND: '1000' });
    const [busy, answered] = numbers(2);
    sim.state.setScript(`tel:${busy}`, ['busy', 'human']);
    const settings = {
      trunk: 'TRUNK-B',
      machineDetection: 'detect' as const,
      metadata: { companyName: 'ACME' },
      redial: { rules: { busy: { delayMs: 200 } } },
    };
    const { campaignId } = await seedCampaign(r, settings, [busy!, answered!], () => ({
      nm: 'Pat',
      md: { ref: 'r-1' },
    }));
    await waitUntil(async () => (await r.store.getState(campaignId)) === 'completed', 20_000, 'campaign completed');

    const rec = await r.store.getContact(campaignId, contactIdFor(busy!));
    expect(rec).toMatchObject({ s: 't', n: 2, a: 2, o: 'answered-human' });
    const dialouts = (await sim.dialouts()).filter((d) => d.request?.target === `tel:${busy}`);
    expect(dialouts).toHaveLength(2);
    expect((await attemptOf(r.config, dialouts[0]!))?.attempt).toBe(1);
    expect((await attemptOf(r.config, dialouts[1]!))?.attempt).toBe(2);
    // Same parameters on the re-dial; only the notify URL and notifyHeaders (its attempt's token) differ.
    const strip = ({ notifyurl: _n, notifyHeaders: _h, ...rest }: NonNullable<(typeof dialouts)[number]['request']>) =>
      rest;
    expect(strip(dialouts[1]!.request!)).toEqual(strip(dialouts[0]!.request!));
    expect(dialouts[1]!.request).toMatchObject({
      trunk: 'TRUNK-B',
      metadata: { companyName: 'ACME', name: 'Pat', ref: 'r-1' },
    });
    expect(dialouts[1]!.receivedAt - dialouts[0]!.receivedAt).toBeGreaterThanOrEqual(200);
    // The ingester releases a slot just after ending the attempt.
    await waitUntil(async () => (await r.limits.liveCount()) === 0, 5000, 'every live slot released');
  });

  it('an uncertain attempt without a notification is ended `lost` by the watchdog and re-dialed as a new attempt', async () => {
    // The first dial-out's reply is withheld (time-out after sending) and its call never notifies.
    const sim = await startSimulator({ hangRate: 1, hangMs: 30_000, notifyDelayMs: 10 });
    closers.push(() => sim.close());
    const r = await rig(sim, {
      DIAL_RATE_PER_SECOND: '1000',
      SAVG_TIMEOUT_MS: '300',
      LOST_AFTER_MS: '1500',
      WATCHDOG_INTERVAL_MS: '100',
    });
    const [number] = numbers(1);
    sim.state.setScript(`tel:${number}`, ['silent', 'human']);
    const { campaignId } = await seedCampaign(r, { redial: { rules: { lost: { delayMs: 0 } } } }, [number!]);
    const id = contactIdFor(number!);
    await waitUntil(async () => (await r.store.getContact(campaignId, id))?.s === 'u', 10_000, 'attempt 1 uncertain');
    sim.state.updateConfig({ hangRate: 0 });
    await waitUntil(async () => (await r.store.getState(campaignId)) === 'completed', 20_000, 'campaign completed');

    expect(await r.store.getContact(campaignId, id)).toMatchObject({ s: 't', n: 2, a: 2, o: 'answered-human' });
    const refs = await Promise.all((await sim.dialouts()).map((d) => attemptOf(r.config, d)));
    expect(refs.map((x) => x?.attempt)).toEqual([1, 2]);
    await waitUntil(async () => (await r.limits.liveCount()) === 0, 5000, 'every live slot released');
  });

  it("LOST_AFTER_MS counts from the dial-out's answer: a slow answer does not turn a notified call into `lost`", async () => {
    // SAVG takes 1.5 s to answer the dial-out and notifies 2 s after placing the call: past begin +
    // LOST_AFTER_MS, well within answer + LOST_AFTER_MS. A `lost` rule would re-dial (a second call) if the
    // watchdog counted from begin.
    const sim = await startSimulator({ outcomes: 'human=1', hangRate: 1, hangMs: 1500, notifyDelayMs: 2000 });
    closers.push(() => sim.close());
    const r = await rig(sim, {
      DIAL_RATE_PER_SECOND: '1000',
      SAVG_TIMEOUT_MS: '5000',
      LOST_AFTER_MS: '1500',
      WATCHDOG_INTERVAL_MS: '100',
    });
    const [number] = numbers(1);
    const { campaignId } = await seedCampaign(r, { redial: { rules: { lost: { delayMs: 0 } } } }, [number!]);
    const id = contactIdFor(number!);
    await waitUntil(async () => (await r.store.getState(campaignId)) === 'completed', 20_000, 'campaign completed');

    expect(await r.store.getContact(campaignId, id)).toMatchObject({ s: 't', n: 1, a: 1, o: 'answered-human' });
    expect(await sim.dialouts()).toHaveLength(1);
    await waitUntil(async () => (await r.limits.liveCount()) === 0, 5000, 'every live slot released');
  });

  it('a notification later than LOST_AFTER_MS calls off the `lost` re-dial that has not begun: one call, its real outcome', async () => {
    // The call is answered at once but notified only after 2.5 s; the watchdog declares it lost after 1 s
    // and the `lost` rule would re-dial 4 s later. The late notification is the truth: no second call.
    const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 2500 });
    closers.push(() => sim.close());
    const r = await rig(sim, {
      DIAL_RATE_PER_SECOND: '1000',
      SAVG_TIMEOUT_MS: '5000',
      LOST_AFTER_MS: '1000',
      WATCHDOG_INTERVAL_MS: '100',
    });
    const [number] = numbers(1);
    const { campaignId } = await seedCampaign(r, { redial: { rules: { lost: { delayMs: 4000 } } } }, [number!]);
    const id = contactIdFor(number!);
    await waitUntil(
      async () => (await r.store.getContact(campaignId, id))?.o === 'lost',
      10_000,
      'attempt 1 declared lost',
    );
    expect(await r.store.getContact(campaignId, id)).toMatchObject({ s: 'w', n: 2 });
    await waitUntil(async () => (await r.store.getState(campaignId)) === 'completed', 10_000, 'campaign completed');
    expect(await r.store.getContact(campaignId, id)).toMatchObject({ s: 't', n: 1, a: 1, o: 'answered-human' });
    expect(await r.store.stats(campaignId)).toMatchObject({
      terminal: 1,
      redials: 0,
      outcomes: { 'answered-human': 1 },
    });
    expect(await r.ingester.metrics.registry.metrics()).toMatch(/dialer_ingester_lost_revised_total 1\n/);

    // The called-off re-dial's job still runs when due, and dials no one.
    const job = await r.queues.get(campaignId).getJob(attemptJobId(id, 2));
    expect(job).toBeDefined();
    await waitUntil(
      async () => !['waiting', 'delayed', 'active', 'prioritized'].includes(await job!.getState()),
      15_000,
      're-dial job handled',
    );
    expect(await sim.dialouts()).toHaveLength(1);
    expect(await r.store.getContact(campaignId, id)).toMatchObject({ s: 't', n: 1, a: 1, o: 'answered-human' });
    await waitUntil(async () => (await r.limits.liveCount()) === 0, 5000, 'every live slot released');
  });
});

describe('the reconciler with real processes', () => {
  it('a contact whose dial job was removed by hand (a script, an old board) is given its job back and dialed once', async () => {
    const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10 });
    closers.push(() => sim.close());
    const r = await rig(sim, { DIAL_RATE_PER_SECOND: '1000', RECONCILE_GRACE_MS: '500', WATCHDOG_INTERVAL_MS: '100' });
    await r.worker.close();
    const [kept, removed] = numbers(2);
    const { campaignId, contacts } = await seedCampaign(r, {}, [kept!, removed!]);
    expect(await r.queues.get(campaignId).remove(attemptJobId(contacts[1]!.contactId, 1))).toBe(1);
    // A worker comes back: it dials the contact whose job is there; the other has none until the watchdog gives it one.
    const worker = buildWorker({
      config: r.config,
      logger: createLogger({ level: 'silent' }),
      savgBaseUrl: sim.url,
      rescanIntervalMs: 200,
      lockDurationMs: 2000,
      metricsServer: false,
      defaultMetrics: false,
    });
    closers.push(() => worker.close());
    await worker.start();
    await waitUntil(async () => (await r.store.getState(campaignId)) === 'completed', 20_000, 'campaign completed');
    for (const c of contacts)
      expect(await r.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', o: 'answered-human', a: 1 });
    expect((await sim.dialouts()).map((d) => d.request?.target).sort()).toEqual(
      [`tel:${kept}`, `tel:${removed}`].sort(),
    );
    expect((await r.store.stats(campaignId)).stranded).toBe(1);
  });
});
