// The `x-dialer-token` header (the dial-out's `notifyHeaders`, echoed by the gateway on every notification) as a
// second proof beside the URL token: a header that does not name the URL token's attempt is refused (401
// token-mismatch, counted), a matching one is applied; `POST /notify` takes the token from the header alone.
// Real HTTP on loopback and real Redis, with the simulator as the gateway.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Queue } from 'bullmq';
import {
  CampaignQueues,
  NOTIFY_TOKEN_HEADER,
  SavgAuthToken,
  createLogger,
  loadConfig,
  type DialoutRequest,
} from '@dialer/core';
import { buildIngester, type Ingester, type NotifyJobData } from '@dialer/ingester';
import { startSimulator, testContext, waitUntil, type SimulatorHarness, type TestContext } from '@dialer/test-utils';
import { SavgClient, buildWorker, type WorkerService } from '@dialer/worker';
import {
  contact,
  dialAttempt,
  listen,
  notifications,
  notifyQueue,
  request,
  seedCampaign,
  spell,
  tokenFor,
  type Seeded,
} from './helpers.js';

const busy = () => spell.new(notifications.failed('sid-h', '486 Busy Here'));
const JSON_TYPE = { 'content-type': 'application/json' };

function refusedCount(metrics: string, reason: string): number {
  return Number(new RegExp(`dialer_ingester_token_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1]);
}

describe('the x-dialer-token header on the webhook (processor off: stored notifications inspected)', () => {
  let ctx: TestContext;
  let ingester: Ingester;
  let queue: Queue<NotifyJobData>;
  let base: string;
  let metricsBase: string;
  let a: Seeded;
  let b: Seeded;

  beforeAll(async () => {
    ctx = testContext({ DEPLOYMENT_ID: 'deploy-h', INGESTER_METRICS_PORT: '0' });
    ingester = buildIngester({ config: ctx.config, logger: createLogger({ level: 'silent' }), processor: false });
    base = await listen(ingester.app);
    metricsBase = await ingester.listenMetrics();
    queue = notifyQueue(ctx);
    [a, b] = (await seedCampaign(ctx, {}, 2)) as [Seeded, Seeded];
  });
  afterAll(async () => {
    await ingester.close();
    await queue.close();
    await ctx.close();
  });

  const stored = async () => (await queue.getJobs(['waiting'])).flatMap((j) => j.data.items);
  const post = (path: string, header?: string) =>
    request(
      base,
      'POST',
      path,
      busy(),
      header === undefined ? JSON_TYPE : { ...JSON_TYPE, [NOTIFY_TOKEN_HEADER]: header },
    );

  it('counts every refusal reason from the start (0), token-mismatch and missing included', async () => {
    const metrics = (await request(metricsBase, 'GET', '/metrics')).body;
    expect(refusedCount(metrics, 'token-mismatch')).toBe(0);
    expect(refusedCount(metrics, 'missing')).toBe(0);
  });

  it('a header naming another attempt, or no valid token, beside a valid URL token: 401 token-mismatch, nothing stored', async () => {
    const urlToken = await tokenFor(ctx, a);
    const otherContact = await tokenFor(ctx, b);
    const otherAttempt = await tokenFor(ctx, a, 2);
    const forged = await tokenFor(ctx, a, 1, { secret: 'an-attacker-secret-that-is-long-enough-012345' });
    for (const header of [otherContact, otherAttempt, forged, 'not-a-token', '']) {
      const res = await post(`/notify/${urlToken}`, header);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthorized', reason: 'token-mismatch' });
    }
    expect(await stored()).toEqual([]);
    const metrics = (await request(metricsBase, 'GET', '/metrics')).body;
    expect(refusedCount(metrics, 'token-mismatch')).toBe(5);
  });

  it('the URL token decides: a bad one is refused for its own reason whatever the header says', async () => {
    const forged = await tokenFor(ctx, a, 1, { secret: 'an-attacker-secret-that-is-long-enough-012345' });
    const res = await post(`/notify/${forged}`, await tokenFor(ctx, a));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'bad-signature' });
    expect(await stored()).toEqual([]);
  });

  it('a matching header (the same token, or another token of the same attempt) is accepted; so is none', async () => {
    const urlToken = await tokenFor(ctx, a);
    const sameAttempt = await tokenFor(ctx, a, 1, { nowMs: Date.now() - 5000 });
    expect(sameAttempt).not.toBe(urlToken);
    expect((await post(`/notify/${urlToken}`, urlToken)).statusCode).toBe(202);
    expect((await post(`/notify/${urlToken}`, sameAttempt)).statusCode).toBe(202);
    expect((await post(`/notify/${urlToken}`)).statusCode).toBe(202);
    const items = await stored();
    expect(items).toHaveLength(3);
    for (const item of items) expect(item).toMatchObject({ c: a.campaignId, k: a.contactId, n: 1 });
    await queue.obliterate({ force: true });
  });

  it('POST /notify takes the token from the header alone: valid → stored, forged or absent → 401', async () => {
    const token = await tokenFor(ctx, b, 3);
    const ok = await post('/notify', token);
    expect(ok.statusCode).toBe(202);
    expect(await stored()).toEqual([expect.objectContaining({ c: b.campaignId, k: b.contactId, n: 3 })]);
    // An empty token segment is no token either.
    expect((await post('/notify/', token)).statusCode).toBe(202);
    await queue.obliterate({ force: true });

    const expired = await tokenFor(ctx, b, 1, { nowMs: Date.now() - ctx.config.notify.tokenTtlMs - 60_000 });
    expect((await post('/notify', expired)).json()).toEqual({ error: 'unauthorized', reason: 'expired' });
    expect((await post('/notify', 'a.b.c')).statusCode).toBe(401);
    const none = await post('/notify');
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'unauthorized', reason: 'missing' });
    expect(await stored()).toEqual([]);
    const metrics = (await request(metricsBase, 'GET', '/metrics')).body;
    expect(refusedCount(metrics, 'missing')).toBe(1);
    expect(refusedCount(metrics, 'expired')).toBe(1);
  });
});

describe('notifyHeaders through the simulator, checked by the running ingester', () => {
  let ctx: TestContext;
  let sim: SimulatorHarness;
  let ingester: Ingester;
  let ingesterUrl: string;
  let metricsBase: string;

  beforeAll(async () => {
    ctx = testContext({ DEPLOYMENT_ID: 'deploy-s', INGESTER_METRICS_PORT: '0', DIAL_RATE_PER_SECOND: '1000' });
    sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10, interimEvents: true });
    ingester = buildIngester({ config: loadConfig(ctx.env, 'ingester'), logger: createLogger({ level: 'silent' }) });
    ingesterUrl = await listen(ingester.app);
    metricsBase = await ingester.listenMetrics();
    await ingester.start();
  });
  afterAll(async () => {
    await ingester.close();
    await sim.close();
    await ctx.close();
  });

  /** The notifications of the call `sid` (an interim AMD event and the final one), once both are delivered. */
  async function delivered(sid: string | undefined) {
    return waitUntil(
      async () => {
        const notes = (await sim.notifications()).filter((n) => n.sid === sid);
        return notes.length === 2 && notes.every((n) => n.doneAt !== undefined) ? notes : undefined;
      },
      10_000,
      'both notifications of the call delivered',
    );
  }

  it("the worker's dial-outs: the header comes back on every notification, matches, and they are applied", async () => {
    const [s] = (await seedCampaign(ctx, { window: { start: '00:00', end: '24:00' } })) as [Seeded];
    const worker: WorkerService = buildWorker({
      config: loadConfig({ ...ctx.env, SAVG_BASE_URL: sim.url, NOTIFY_BASE_URL: ingesterUrl }, 'worker'),
      logger: createLogger({ level: 'silent' }),
      rescanIntervalMs: 200,
      lockDurationMs: 2000,
      metricsServer: false,
      defaultMetrics: false,
    });
    try {
      await worker.start();
      const queues = new CampaignQueues(ctx.redis, ctx.keys);
      await queues.addAttempt(s.campaignId, s.contactId, 1);
      await queues.close();
      await waitUntil(async () => (await contact(ctx, s)).s === 't', 15_000, 'contact ended by its notification');
    } finally {
      await worker.close();
    }
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'answered-human', amd: 'amd_human_detected' });
    const [d] = (await sim.dialouts()).filter((r) => r.request?.target === `tel:${s.number}`);
    const token = d?.request?.notifyurl?.split('/').pop();
    expect(d?.request?.notifyHeaders).toEqual({ [NOTIFY_TOKEN_HEADER]: token });
    const notes = await delivered(d?.sid);
    expect(notes.map((n) => n.kind)).toEqual(['interim', 'final']);
    for (const n of notes) {
      expect(n.headers).toEqual({ [NOTIFY_TOKEN_HEADER]: token });
      expect(n.receiverStatus).toBe(202);
    }
  });

  /** A dial-out straight to the simulator, as whoever holds the gateway's credentials could send one. */
  async function dialDirect(s: Seeded, urlToken: string, header: string): Promise<string | undefined> {
    const client = new SavgClient({
      baseUrl: sim.url,
      auth: new SavgAuthToken({ clientId: sim.clientId, clientSecret: sim.clientSecret }),
      timeoutMs: 5000,
    });
    const body: DialoutRequest = {
      bot: 'st-direct',
      target: `tel:${s.number}`,
      caller: '+15550001111',
      notifyurl: `${ingesterUrl}/notify/${urlToken}`,
      machineDetection: 'detect',
      notifyHeaders: { [NOTIFY_TOKEN_HEADER]: header },
    };
    try {
      const res = await client.dialOut('st-direct', body);
      expect(res.kind).toBe('placed');
      return res.kind === 'placed' ? res.sid : undefined;
    } finally {
      client.close();
    }
  }

  it('a forged header beside a valid URL token: every notification 401 token-mismatch, the attempt untouched', async () => {
    const [victim, other] = (await seedCampaign(ctx, {}, 2)) as [Seeded, Seeded];
    await dialAttempt(ctx, victim);
    const before = await contact(ctx, victim);
    const sid = await dialDirect(victim, await tokenFor(ctx, victim), await tokenFor(ctx, other));
    const notes = await delivered(sid);
    for (const n of notes) expect(n.receiverStatus).toBe(401);
    expect(await contact(ctx, victim)).toEqual(before);
    const metrics = (await request(metricsBase, 'GET', '/metrics')).body;
    expect(refusedCount(metrics, 'token-mismatch')).toBe(notes.length);
  });

  it('the same dial-out with the matching header is applied', async () => {
    const [s] = (await seedCampaign(ctx, {}, 1)) as [Seeded];
    await dialAttempt(ctx, s);
    const token = await tokenFor(ctx, s);
    const sid = await dialDirect(s, token, token);
    const notes = await delivered(sid);
    for (const n of notes) expect(n.receiverStatus).toBe(202);
    await waitUntil(async () => (await contact(ctx, s)).s === 't', 10_000, 'notification applied');
    expect(await contact(ctx, s)).toMatchObject({ s: 't', o: 'answered-human' });
  });
});
