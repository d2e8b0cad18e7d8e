import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { dialoutRequestSchema, unpackId } from '@dialer/core';
import { captureLogger, startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import { buildWorker } from '@dialer/worker';
import { allTerminal, attemptOf, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

let sim: SimulatorHarness;
let world: World;

// A prefix and simulator per test: a worker takes up every campaign under its prefix.
beforeEach(async () => {
  sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 20 });
  world = await createWorld({ DIAL_RATE_PER_SECOND: '1000' });
});
afterEach(async () => {
  await world.close();
  await sim.close();
});

const SETTINGS = {
  caller: '+15550009999',
  trunk: 'TRUNK-A',
  botId: 'st-campaign-bot',
  machineDetection: 'disconnect' as const,
  thresholdWordCount: 4,
  timers: {
    noSpeechTimeoutMs: 12000,
    decisionTimeoutMs: 15000,
    toneTimeoutMs: 10000,
    greetingCompletionTimeoutMs: 10000,
  },
  metadata: { companyName: 'abc corporation', jobLocation: 'USA' },
};

describe('dial-out request', () => {
  it('sends every documented field the campaign sets, authenticated with a JWT the gateway verifies', async () => {
    const nums = numbers(3);
    const { logger, lines } = captureLogger('debug');
    const { campaignId, contacts } = await seedCampaign(world, SETTINGS, nums, (i) => ({
      nm: `Person ${i}`,
      md: { jobPosition: 'Engineer', ...(i === 0 ? { jobLocation: 'Canada' } : {}) },
    }));
    await startWorker(world, sim.url, { logger });
    await waitUntil(() => allTerminal(world.store, campaignId), 15_000, 'every contact ended by its notification');

    const dialouts = (await sim.dialouts()).filter((d) => d.botId === 'st-campaign-bot');
    expect(dialouts).toHaveLength(3);
    for (const d of dialouts) {
      expect(d.status).toBe(200);
      // The simulator verified the JWT (HS256, client secret) and recorded its claims.
      expect(d.claims?.appId).toBe(sim.clientId);
      const ref = await attemptOf(world.config, d);
      const i = contacts.findIndex((c) => c.contactId === ref?.contactId);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(ref).toEqual({ campaignId, contactId: contacts[i]?.contactId, attempt: 1 });
      expect(d.request).toEqual({
        bot: 'st-campaign-bot',
        target: `tel:${nums[i]}`,
        caller: '+15550009999',
        trunk: 'TRUNK-A',
        notifyurl: expect.stringMatching(new RegExp(`^${world.receiver.url}/notify/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`)),
        // The notify URL's token, echoed by the gateway in a header of every notification.
        notifyHeaders: { 'x-dialer-token': d.request?.notifyurl?.split('/').pop() },
        machineDetection: 'disconnect',
        thresholdWordCount: 4,
        timers: SETTINGS.timers,
        metadata: {
          companyName: 'abc corporation',
          jobLocation: i === 0 ? 'Canada' : 'USA',
          name: `Person ${i}`,
          jobPosition: 'Engineer',
        },
      });
      expect(dialoutRequestSchema.safeParse(d.request).success).toBe(true);
      // The call is recorded against the attempt: once terminal by its conversation id (= the response's
      // sid), without the callId (it only served the live-call index) or a second copy of the sid.
      const rec = await world.store.getContact(campaignId, contacts[i]?.contactId as string);
      expect(rec).toMatchObject({ s: 't', n: 1, a: 1, o: 'answered-human' });
      // The callId is kept for the per-attempt report; the sid only when it differs from the conversation id.
      expect(unpackId(rec?.cv)).toBe(d.sid);
      expect(unpackId(rec?.cl)).toBe(d.callId);
      expect(rec?.sid).toBeUndefined();
    }
    expect((await world.store.stats(campaignId)).dialouts).toBe(3);
    // The receiver releases a slot just after ending the attempt.
    await waitUntil(async () => (await world.limits.liveCount({ campaignId })) === 0, 5000, 'every live slot released');
    // Logs name the contact by id and masked number, never the number, the JWT or the notify URL.
    const text = lines.join('\n');
    expect(text).toContain('"campaignId"');
    for (const n of nums) expect(text).not.toContain(n.slice(1));
    expect(text).not.toMatch(/eyJ[\w-]{5,}\./);
  });

  it('uses SAVG_BOT_ID and omits optional fields the campaign does not set', async () => {
    const nums = numbers(1);
    const { campaignId } = await seedCampaign(world, { caller: '+15550001111' }, nums);
    await startWorker(world, sim.url);
    await waitUntil(() => allTerminal(world.store, campaignId), 15_000, 'contact ended');
    const d = (await sim.dialouts()).find((r) => r.request?.target === `tel:${nums[0]}`);
    expect(d?.botId).toBe(world.config.savg.botId);
    expect(d?.request).toEqual({
      bot: world.config.savg.botId,
      target: `tel:${nums[0]}`,
      caller: '+15550001111',
      notifyurl: expect.stringContaining('/notify/'),
      notifyHeaders: { 'x-dialer-token': expect.any(String) },
      machineDetection: 'detect',
    });
  });

  it('serves /metrics and /healthz on a configurable port', async () => {
    const worker = buildWorker({
      config: { ...world.config, metrics: { ...world.config.metrics, host: '127.0.0.1', workerPort: 0 } },
      logger: captureLogger('silent').logger,
      savgBaseUrl: sim.url,
    });
    world.workers.push(worker);
    await worker.start();
    expect(worker.metricsAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${worker.metricsAddress}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${worker.metricsAddress}/metrics`)).text();
    expect(metrics).toContain('dialer_worker_dialouts_total');
    expect(metrics).toContain('process_cpu_seconds_total');
    // A second process on the same port is told which setting to change.
    const port = Number(new URL(worker.metricsAddress as string).port);
    const clash = buildWorker({
      config: { ...world.config, metrics: { ...world.config.metrics, host: '127.0.0.1', workerPort: port } },
      logger: captureLogger('silent').logger,
      savgBaseUrl: sim.url,
    });
    world.workers.push(clash);
    await expect(clash.start()).rejects.toMatchObject({
      code: 'DIALER_ERR_CONFIG',
      message: expect.stringContaining('WORKER_METRICS_PORT'),
    });
    await worker.close();
  });
});
