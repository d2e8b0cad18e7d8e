// Each class of dial-out failure (see docs/design.md (Dial-out answers)) against the simulator over real HTTP: what is retried, what
// backs off, what ends the contact, what pauses the campaign, and what is never re-sent.
import { describe, it, expect, afterEach } from '@jest/globals';
import Fastify from 'fastify';
import { createSimulator } from '@dialer/simulator';
import { freePort, startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import { allTerminal, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(env: Record<string, string> = {}): Promise<World> {
  const w = await createWorld({ DIAL_RATE_PER_SECOND: '1000', ...env });
  cleanups.push(() => w.close());
  return w;
}

async function simulator(opts: Parameters<typeof startSimulator>[0]): Promise<SimulatorHarness> {
  const sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10, ...opts });
  cleanups.push(() => sim.close());
  return sim;
}

async function jobOf(w: World, campaignId: string, contactId: string, attempt = 1) {
  return w.queues.get(campaignId).getJob(`${contactId}-${attempt}`);
}

describe('transport failures that certainly never reached SAVG', () => {
  it('502/503/504: retried with back-off, the attempt is not spent', async () => {
    const sim = await simulator({ rate5xx: 1 });
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(1));
    const c = contacts[0]!;
    await startWorker(w, sim.url);
    await sim.waitFor((s) => s.stats().dialouts >= 2, 15_000);
    // Between tries the attempt is given back: queued, no dial-out counted.
    await waitUntil(
      async () => (await w.store.getContact(campaignId, c.contactId))?.s === 'q',
      5000,
      'attempt reverted',
    );
    expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 'q', n: 1, a: 0 });
    sim.state.updateConfig({ rate5xx: 0 });
    await waitUntil(() => allTerminal(w.store, campaignId), 15_000, 'contact dialed once SAVG recovers');
    const records = await sim.dialouts();
    expect(records.filter((r) => r.status === 200)).toHaveLength(1);
    expect(records.filter((r) => [502, 503, 504].includes(r.status)).length).toBeGreaterThanOrEqual(2);
    expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', n: 1, a: 1 });
    expect((await w.store.stats(campaignId)).dialouts).toBe(1);
    expect((await jobOf(w, campaignId, c.contactId))?.attemptsMade).toBeGreaterThanOrEqual(2);
  });

  it('connection refused: retried until the gateway is reachable, then dialed once', async () => {
    const port = await freePort();
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(1));
    const c = contacts[0]!;
    await startWorker(w, `http://127.0.0.1:${port}`);
    await waitUntil(
      async () => ((await jobOf(w, campaignId, c.contactId))?.attemptsMade ?? 0) >= 1,
      10_000,
      'a refused try',
    );
    expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 'q', a: 0 });
    expect(await w.limits.liveCount()).toBe(0);
    // The gateway comes up on that port.
    const sim = createSimulator({
      clientId: 'cs-test-client',
      clientSecret: 'test-client-secret-that-is-long-enough',
      outcomes: 'human=1',
      notifyDelayMs: 10,
      logLevel: 'silent',
    });
    await sim.app.listen({ host: '127.0.0.1', port });
    cleanups.push(() => sim.app.close());
    await waitUntil(() => allTerminal(w.store, campaignId), 15_000, 'contact dialed');
    expect(sim.state.dialouts().items).toHaveLength(1);
    expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', a: 1 });
  });
});

describe('429', () => {
  it('backs off the whole campaign queue (Retry-After) without spending an attempt', async () => {
    const sim = await simulator({ rate429: 1, retryAfterSeconds: 1 });
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(3));
    await startWorker(w, sim.url, {}, { WORKER_CONCURRENCY: '1' });
    await sim.waitFor((s) => (s.stats().byHttpStatus['429'] ?? 0) >= 1, 10_000);
    const first429 = (await sim.dialouts())[0]!.receivedAt;
    expect(await w.queues.get(campaignId).getRateLimitTtl()).toBeGreaterThan(0);
    sim.state.updateConfig({ rate429: 0 });
    await waitUntil(() => allTerminal(w.store, campaignId), 15_000, 'every contact dialed after the back-off');
    const records = await sim.dialouts();
    // Nothing was sent to the gateway for the Retry-After second.
    const next = records.find((r) => r.receivedAt > first429 && r.seq > 1);
    expect(next!.receivedAt - first429).toBeGreaterThanOrEqual(900);
    expect(records.filter((r) => r.status === 200)).toHaveLength(3);
    for (const c of contacts) expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', a: 1 });
    expect((await w.store.stats(campaignId)).dialouts).toBe(3);
  });
});

describe('requests SAVG refused for this contact', () => {
  it('400 ends the contact `rejected` with the reason, no retry, slot released; a wrong bot id (404) pauses instead', async () => {
    const sim = await simulator({ botId: 'st-test-bot' });
    const w = await world();
    // 'tel:+12' is not a dialable target: the gateway answers 400.
    const bad = await seedCampaign(w, {}, ['+12']);
    const wrongBot = await seedCampaign(w, { botId: 'st-unknown-bot' }, numbers(3));
    await startWorker(w, sim.url, {}, { WORKER_CONCURRENCY: '1' });
    await waitUntil(() => allTerminal(w.store, bad.campaignId), 10_000, 'rejected');
    const r400 = await w.store.getContact(bad.campaignId, bad.contacts[0]!.contactId);
    expect(r400).toMatchObject({ s: 't', o: 'rejected', a: 1 });
    expect(r400?.rs).toMatch(/^HTTP 400: target/);
    // Every contact of a campaign with a wrong bot id would get the 404: the campaign pauses, no one is rejected.
    await waitUntil(async () => (await w.store.getState(wrongBot.campaignId)) === 'paused', 10_000, 'campaign paused');
    expect((await w.store.getCampaign(wrongBot.campaignId))?.pauseReason).toMatch(
      /^SAVG answered 404: check the bot id/,
    );
    for (const c of wrongBot.contacts)
      expect(await w.store.getContact(wrongBot.campaignId, c.contactId)).toMatchObject({ s: 'q', a: 0 });
    expect((await sim.dialouts()).map((r) => r.status).sort()).toEqual([400, 404]);
    // The slot is given back one step after the contact ends.
    await waitUntil(async () => (await w.limits.liveCount()) === 0, 5000, 'every live slot released');
    // Completed (one step after its contact ended) at the first try (BullMQ counts the completing run as its
    // one attempt): no retry.
    const job = await waitUntil(
      async () => {
        const j = await jobOf(w, bad.campaignId, bad.contacts[0]!.contactId);
        return j?.finishedOn ? j : undefined;
      },
      5000,
      'the job completed',
    );
    expect(job.returnvalue).toBe('rejected');
    expect(job.attemptsMade).toBe(1);
  });
});

describe('401 (wrong credentials)', () => {
  it('pauses the campaign with the reason; nothing is rejected, no attempt spent', async () => {
    const sim = await simulator({ clientSecret: 'a-different-secret-than-the-workers-one' });
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(5));
    await startWorker(w, sim.url);
    await waitUntil(async () => (await w.store.getState(campaignId)) === 'paused', 10_000, 'campaign paused');
    const meta = await w.store.getCampaign(campaignId);
    expect(meta?.pauseReason).toMatch(/^SAVG answered 401: check SAVG_CLIENT_ID\/SAVG_CLIENT_SECRET/);
    await waitUntil(() => w.queues.get(campaignId).isPaused(), 5000, 'campaign queue paused');
    await waitUntil(async () => (await w.queues.get(campaignId).getActiveCount()) === 0, 5000, 'no job in flight');
    for (const c of contacts)
      expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 'q', n: 1, a: 0 });
    const stats = await w.store.stats(campaignId);
    expect(stats.outcomes).toEqual({});
    expect(stats.dialouts).toBe(0);
    // The job whose dial-out paused the campaign goes back through the delayed set (to the back of the line).
    // Due after 1 s, but a worker on a paused queue may be asleep for BullMQ's drain delay (5 s) before it
    // moves the job: 5 s was too short here (it failed 1 run in 3).
    await waitUntil(async () => (await w.queues.get(campaignId).getWaitingCount()) === 5, 15_000, 'every job waiting');
    for (const c of contacts) expect((await jobOf(w, campaignId, c.contactId))?.attemptsMade).toBe(0);
    expect((await sim.dialouts()).every((r) => r.status === 401)).toBe(true);
    expect(await w.limits.liveCount()).toBe(0);
  });
});

describe('outcomes that may have placed a call: never re-sent', () => {
  it('time-out after sending: uncertain, waits for the notification, the request is not sent again', async () => {
    // The gateway places the call (and notifies) but withholds the HTTP reply.
    const sim = await simulator({ hangRate: 1, hangMs: 30_000, notifyDelayMs: 600 });
    const w = await world({ SAVG_TIMEOUT_MS: '300' });
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(2));
    const worker = await startWorker(w, sim.url, {}, { SAVG_TIMEOUT_MS: '300' });
    await waitUntil(
      async () => {
        const states = await Promise.all(contacts.map((c) => w.store.getContact(campaignId, c.contactId)));
        return states.every((r) => r?.s === 'u');
      },
      10_000,
      'attempts uncertain',
    );
    expect(await w.limits.liveCount({ campaignId })).toBe(2);
    // The notification (token) settles each uncertain attempt.
    await waitUntil(() => allTerminal(w.store, campaignId), 10_000, 'notifications end the attempts');
    for (const c of contacts)
      expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', o: 'answered-human', a: 1 });
    await waitUntil(async () => (await w.queues.get(campaignId).getCompletedCount()) === 2, 5000, 'jobs completed');
    expect(await sim.dialouts()).toHaveLength(2);
    expect(await worker.metrics.registry.getSingleMetricAsString('dialer_worker_dialouts_total')).toMatch(
      /result="uncertain",status="0"} 2/,
    );
  });

  it('time-out with no notification: the attempt stays uncertain and keeps its slot (the watchdog decides)', async () => {
    const sim = await simulator({ hangRate: 1, hangMs: 30_000, outcomes: 'silent=1' });
    const w = await world({ SAVG_TIMEOUT_MS: '200' });
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(1));
    await startWorker(w, sim.url, {}, { SAVG_TIMEOUT_MS: '200' });
    await waitUntil(async () => (await w.queues.get(campaignId).getCompletedCount()) === 1, 10_000, 'job completed');
    expect(await w.store.getContact(campaignId, contacts[0]!.contactId)).toMatchObject({ s: 'u', a: 1 });
    expect(await w.limits.liveCount({ campaignId })).toBe(1);
    expect(await sim.dialouts()).toHaveLength(1);
    // The lost-notification watchdog finds it through its deadline.
    expect(await w.store.attempts.dueDeadlines(campaignId, Date.now() + w.config.lostAfterMs + 1)).toEqual([
      { campaignId, contactId: contacts[0]!.contactId, attempt: 1 },
    ]);
  });

  it('500: uncertain, completed, not retried', async () => {
    const app = Fastify({ logger: false });
    let hits = 0;
    app.post('/api/1.1/public/bot/:botId/smartassist/dialout', async (_req, reply) => {
      hits++;
      return reply.code(500).send({ error: 'internal error' });
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(1));
    await startWorker(w, url);
    await waitUntil(async () => (await w.queues.get(campaignId).getCompletedCount()) === 1, 10_000, 'job completed');
    expect(await w.store.getContact(campaignId, contacts[0]!.contactId)).toMatchObject({ s: 'u', a: 1 });
    expect(hits).toBe(1);
  });
});
