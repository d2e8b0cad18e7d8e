// End to end, all real servers on loopback and real Redis: direct enqueue → dial worker → SAVG simulator →
// ingester (webhook + processor + watchdog). Each test is its own campaign with scripted outcomes.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  CampaignQueues,
  CampaignStore,
  Limits,
  contactIdFor,
  createLogger,
  loadConfig,
  newContactRecord,
  reportRow,
  resolveCampaignSettings,
  type CampaignSettingsInput,
  type ContactRecord,
} from '@dialer/core';
import { startSimulator, testContext, waitUntil, type SimulatorHarness, type TestContext } from '@dialer/test-utils';
import type { SimOutcome, SimulatorConfigPatch } from '@dialer/simulator';
import { buildWorker, type WorkerService } from '@dialer/worker';
import { buildIngester, LOST_REASON, type Ingester } from '@dialer/ingester';
import { request } from './helpers.js';

const MAX_ATTEMPTS = 3;
// Re-dial at once, at any hour: the tests are about the attempt flow, not about delays or windows.
const SETTINGS: CampaignSettingsInput = {
  redial: { rules: { busy: { delayMs: 0 }, unavailable: { delayMs: 0 } } },
  window: { start: '00:00', end: '24:00' },
};
const DEFAULTS: SimulatorConfigPatch = {
  notifyBeforeReply: 0,
  duplicateRate: 0,
  spelling: 'mixed',
  interimEvents: false,
};

let ctx: TestContext;
let sim: SimulatorHarness;
let ingester: Ingester;
let worker: WorkerService;
let store: CampaignStore;
let queues: CampaignQueues;
let ingesterUrl: string;
let serial = 0;

// A prefix, simulator, ingester and worker per test: the worker dials every campaign under the prefix and the
// watchdog sweeps them all, so a re-dial or a late notification of an earlier test would land in this one (and
// the simulator's settings and records are the test's own).
beforeEach(async () => {
  ctx = testContext({
    LOST_AFTER_MS: '1500',
    WATCHDOG_INTERVAL_MS: '100',
    REDIAL_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    DIAL_RATE_PER_SECOND: '200',
  });
  const logger = createLogger({ level: 'silent' });
  sim = await startSimulator({ notifyDelayMs: { min: 5, max: 20 } });
  ingester = buildIngester({ config: loadConfig(ctx.env, 'ingester'), logger });
  ingesterUrl = await ingester.app.listen({ host: '127.0.0.1', port: 0 });
  await ingester.start();
  const workerConfig = loadConfig({ ...ctx.env, SAVG_BASE_URL: sim.url, NOTIFY_BASE_URL: ingesterUrl }, 'worker');
  worker = buildWorker({
    config: workerConfig,
    logger,
    rescanIntervalMs: 200,
    lockDurationMs: 2000,
    metricsServer: false,
    defaultMetrics: false,
  });
  await worker.start();
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
});

afterEach(async () => {
  await worker?.close();
  await ingester?.close();
  await sim?.close();
  await queues?.close();
  await ctx?.close();
});

interface Scenario {
  campaignId: string;
  contactId: string;
  target: string;
}

/** A campaign with one contact whose calls end as `outcomes` (the last one repeats), its first job enqueued. */
async function scenario(outcomes: SimOutcome[], patch: SimulatorConfigPatch = {}): Promise<Scenario> {
  serial++;
  const number = `+1555${String(serial).padStart(3, '0')}${String(Date.now() % 10_000).padStart(4, '0')}`;
  const target = `tel:${number}`;
  sim.state.updateConfig({ ...DEFAULTS, ...patch });
  sim.state.setScript(target, outcomes);
  const campaignId = `e2e${serial}-${Math.random().toString(36).slice(2, 7)}`;
  const contactId = contactIdFor(number);
  await store.createCampaign(campaignId, resolveCampaignSettings({ ...SETTINGS, caller: '+15550001111' }, ctx.config));
  await store.addContacts(campaignId, [[contactId, newContactRecord({ p: number, r: 2 })]]);
  await queues.addAttempt(campaignId, contactId, 1);
  return { campaignId, contactId, target };
}

async function finished(s: Scenario, timeoutMs = 15_000): Promise<ContactRecord> {
  return waitUntil(
    async () => {
      const rec = await store.getContact(s.campaignId, s.contactId);
      return rec?.s === 't' ? rec : undefined;
    },
    timeoutMs,
    `contact of ${s.campaignId} terminal`,
  );
}

async function placedCalls(s: Scenario): Promise<number> {
  return (await sim.dialouts()).filter((d) => d.request?.target === s.target && d.sid !== undefined).length;
}

/** Waits until the simulator has no notification in flight, then returns those of the scenario's calls. */
async function notificationsOf(s: Scenario) {
  const sids = new Set((await sim.dialouts()).filter((d) => d.request?.target === s.target).map((d) => d.sid));
  await waitUntil(
    async () => (await sim.notifications()).every((n) => n.doneAt !== undefined),
    10_000,
    'notifications delivered',
  );
  return (await sim.notifications()).filter((n) => sids.has(n.sid));
}

async function liveCalls(campaignId: string): Promise<number> {
  return new Limits(ctx.redis, ctx.keys).liveCount({ campaignId });
}

describe('end to end: worker → simulator → ingester', () => {
  it('busy, busy, human → 3 dial-outs and outcome answered-human', async () => {
    const s = await scenario(['busy', 'busy', 'human']);
    const rec = await finished(s);
    expect(rec).toMatchObject({ o: 'answered-human', n: 3, a: 3, amd: 'amd_human_detected', sip: 200 });
    expect(await placedCalls(s)).toBe(3);
    // Every re-dial keeps the original dial parameters; only the per-attempt notify URL (and the same token in
    // notifyHeaders) differs.
    const requests = (await sim.dialouts()).filter((d) => d.request?.target === s.target).map((d) => d.request);
    const firstParams = { ...requests[0] };
    delete firstParams.notifyurl;
    delete firstParams.notifyHeaders;
    for (const r of requests) {
      const { notifyurl, notifyHeaders, ...params } = r ?? {};
      expect(params).toEqual(firstParams);
      expect(notifyurl).toMatch(/\/notify\//);
      expect(notifyHeaders).toEqual({ 'x-dialer-token': notifyurl?.split('/').pop() });
    }
    expect(new Set(requests.map((r) => r?.notifyurl)).size).toBe(3);
    const stats = await store.stats(s.campaignId);
    expect(stats).toMatchObject({ dialouts: 3, redials: 2, terminal: 1, outcomes: { 'answered-human': 1 } });
    expect(await store.getState(s.campaignId)).toBe('completed');
    await waitUntil(async () => (await liveCalls(s.campaignId)) === 0, 5000, 'live slots released');
  });

  it('unavailable forever → exactly REDIAL_MAX_ATTEMPTS dial-outs, outcome unavailable', async () => {
    const s = await scenario(['unavailable']);
    const rec = await finished(s);
    expect(rec).toMatchObject({ o: 'unavailable', n: MAX_ATTEMPTS, a: MAX_ATTEMPTS, sip: 480 });
    expect(await placedCalls(s)).toBe(MAX_ATTEMPTS);
  });

  it('an instant 486 delivered before the dial-out reply is applied, and nothing is dialed twice', async () => {
    const s = await scenario(['busy', 'human'], { notifyBeforeReply: 1 });
    const rec = await finished(s);
    expect(rec).toMatchObject({ o: 'answered-human', n: 2, a: 2 });
    expect(await placedCalls(s)).toBe(2);
    expect((await notificationsOf(s)).every((n) => n.receiverStatus === 202)).toBe(true);
  });

  it('duplicate notifications schedule no second re-dial', async () => {
    const s = await scenario(['busy', 'human'], { duplicateRate: 1 });
    const rec = await finished(s);
    expect(rec).toMatchObject({ o: 'answered-human', n: 2, a: 2 });
    const notes = await notificationsOf(s);
    expect(notes.filter((n) => n.kind === 'duplicate')).toHaveLength(2);
    expect(await placedCalls(s)).toBe(2);
    expect((await store.stats(s.campaignId)).redials).toBe(1);
  });

  it('takes the newer payload spelling', async () => {
    const s = await scenario(['human'], { spelling: 'new' });
    const rec = await finished(s);
    expect(rec).toMatchObject({ o: 'answered-human', amd: 'amd_human_detected' });
    expect(rec.du).toBeGreaterThan(0);
    expect(reportRow(rec).connected_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const [final] = (await notificationsOf(s)).filter((n) => n.kind === 'final');
    expect(final?.spelling).toBe('new');
    expect(final?.payload).toHaveProperty('callDuration');
  });

  it('records machine detection outcomes (interim AMD event, then the end)', async () => {
    const machine = await scenario(['machine'], { interimEvents: true, spelling: 'old' });
    const rec = await finished(machine);
    expect(rec).toMatchObject({ o: 'answered-machine', amd: 'amd_machine_detected' });
    expect((await notificationsOf(machine)).map((n) => n.kind)).toEqual(['interim', 'final']);
    const plain = await scenario(['answered']);
    expect(await finished(plain)).toMatchObject({ o: 'answered', amd: 'disabled' });
  });

  it('a call never notified ends as lost after LOST_AFTER_MS, its live slot released', async () => {
    const s = await scenario(['silent']);
    const rec = await finished(s, 20_000);
    expect(rec).toMatchObject({ o: 'lost', rs: LOST_REASON, a: 1 });
    expect(await placedCalls(s)).toBe(1);
    // The slot is released right after the attempt ends (two steps, so poll).
    await waitUntil(async () => (await liveCalls(s.campaignId)) === 0, 5000, 'live slot released');
  });

  it('refuses a forged token (401) and a malformed body (400) on the running ingester', async () => {
    const forged = await request(ingesterUrl, 'POST', '/notify/eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', {
      conversationId: 'x',
      status: 'failed',
    });
    expect(forged.statusCode).toBe(401);
    await finished(await scenario(['human']));
    const dialout = (await sim.dialouts()).find((d) => d.request?.notifyurl);
    const notifyPath = new URL(dialout?.request?.notifyurl as string).pathname;
    const malformed = await request(ingesterUrl, 'POST', notifyPath, { status: 'completed' });
    expect(malformed.statusCode).toBe(400);
  });
});
