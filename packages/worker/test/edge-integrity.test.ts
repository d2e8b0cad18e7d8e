// The edges of "at most one call per attempt" and "every contact ends": a claim whose reply a reconnect lost, a
// cancel that comes while dial-outs are failing, one contact's 4xx, and a refusal that is about one contact.
import { describe, it, expect, afterEach } from '@jest/globals';
import { createServer, connect, type Server, type Socket } from 'node:net';
import Fastify from 'fastify';
import { CampaignControl } from '@dialer/core';
import { startSimulator, testRedisUrl, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
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

/**
 * A TCP proxy in front of the test Redis that, once, lets a command through and then drops the connection
 * before its reply reaches the client: what a network blip does to a command Redis did run. ioredis then
 * reconnects and sends the command again.
 */
async function replyDroppingProxy(
  match: (request: Buffer) => boolean,
): Promise<{ url: string; dropped: () => number; close(): Promise<void> }> {
  const target = new URL(testRedisUrl());
  const sockets = new Set<Socket>();
  let dropped = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let dropNextReply = false;
    client.on('data', (chunk) => {
      if (dropped === 0 && match(chunk)) dropNextReply = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!dropNextReply) return void client.write(chunk);
      dropped++;
      client.destroy();
      upstream.destroy();
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    dropped: () => dropped,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a claim whose reply was lost', () => {
  it('is re-sent by ioredis after the reconnect, recognises itself, and the contact is dialed once', async () => {
    const sim = await simulator({});
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(1));
    // The claim is the first command that names the attempt's deadline member (`<contact>:1`) as an argument.
    const member = Buffer.from(`\r\n${contacts[0]!.contactId}:1\r\n`);
    const proxy = await replyDroppingProxy((b) => b.includes(member));
    // Closed last: the worker's connections go through it.
    cleanups.unshift(() => proxy.close());
    await startWorker(w, sim.url, {}, { REDIS_URL: proxy.url, WORKER_CONCURRENCY: '1' });
    await waitUntil(() => allTerminal(w.store, campaignId), 20_000, 'the contact ended');
    expect(proxy.dropped()).toBe(1);
    expect(await w.store.getContact(campaignId, contacts[0]!.contactId)).toMatchObject({
      s: 't',
      o: 'answered-human',
      a: 1,
    });
    expect(await sim.dialouts()).toHaveLength(1);
    expect((await w.store.stats(campaignId)).dialouts).toBe(1);
  });
});

describe('a cancel while dial-outs are failing', () => {
  it('ends the contacts whose "not placed" answer came after the cancel skipped them; nothing is left pending', async () => {
    // A gateway that holds every dial-out until told to answer 503 (refused, certainly not placed).
    const held: (() => void)[] = [];
    const app = Fastify({ logger: false });
    app.post('/api/1.1/public/bot/:botId/smartassist/dialout', (_req, reply) => {
      held.push(() => void reply.code(503).send({ error: 'service temporarily unavailable' }));
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(async () => {
      for (const release of held.splice(0)) release();
      await app.close();
    });
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(4));
    await startWorker(w, url, {}, { WORKER_CONCURRENCY: '10' });
    // Every contact's dial-out is out (state d): the cancel's sweep skips them, their calls "may exist".
    await waitUntil(() => held.length === 4, 10_000, 'four dial-outs held');
    const control = new CampaignControl({ store: w.store, queues: w.queues, limits: w.limits });
    const result = await control.cancelCampaign(campaignId, async () => {
      // Between the sweep and the removal of the untaken jobs, the gateway answers: not placed.
      for (const release of held.splice(0)) release();
      await waitUntil(
        async () => {
          const recs = await Promise.all(contacts.map((c) => w.store.getContact(campaignId, c.contactId)));
          return recs.every((r) => r?.s !== 'd');
        },
        10_000,
        'the answers handled',
      );
    });
    expect(result).toMatchObject({ cancelled: 0, inProgress: 4 });
    await waitUntil(() => allTerminal(w.store, campaignId), 10_000, 'every contact ended');
    for (const c of contacts)
      expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', o: 'cancelled', a: 0 });
    expect(await control.campaignStatus(campaignId)).toMatchObject({ state: 'cancelled', pending: 0 });
  });
});

describe("one contact's refusal does not stop the campaign", () => {
  it('413 for a large metadata row ends that contact `rejected`; the others are dialed, the campaign keeps running', async () => {
    const sim = await simulator({});
    const w = await world();
    const big = 'x'.repeat(1_100_000);
    const { campaignId, contacts } = await seedCampaign(w, {}, numbers(3), (i) =>
      i === 0 ? { md: { notes: big } } : {},
    );
    await startWorker(w, sim.url, {}, { WORKER_CONCURRENCY: '1' });
    await waitUntil(() => allTerminal(w.store, campaignId), 15_000, 'every contact ended');
    const [tooBig, ...others] = contacts;
    expect(await w.store.getContact(campaignId, tooBig!.contactId)).toMatchObject({ s: 't', o: 'rejected', a: 1 });
    expect((await w.store.getContact(campaignId, tooBig!.contactId))?.rs).toMatch(/^HTTP 413/);
    for (const c of others)
      expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 't', o: 'answered-human' });
    expect(await w.store.getState(campaignId)).toBe('completed');
  });

  it('a refusal that paused the campaign and comes again for the same contact after a resume, while others went through, rejects that contact', async () => {
    // The gateway refuses one destination with 403 (as a blocked destination would) and accepts the rest.
    const blocked = numbers(1)[0]!;
    const app = Fastify({ logger: false, bodyLimit: 10_000_000 });
    let refusals = 0;
    let accepted = 0;
    app.post('/api/1.1/public/bot/:botId/smartassist/dialout', async (req, reply) => {
      if ((req.body as { target: string }).target === `tel:${blocked}`) {
        refusals++;
        return reply.code(403).send({ error: 'destination not allowed' });
      }
      accepted++;
      return reply.send({ sid: `sid-${accepted}`, callId: `call-${accepted}` });
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const w = await world();
    const { campaignId, contacts } = await seedCampaign(w, {}, [blocked, ...numbers(3)]);
    await startWorker(w, url, {}, { WORKER_CONCURRENCY: '1' });
    // The first refusal pauses the campaign: it may be the credentials.
    await waitUntil(async () => (await w.store.getState(campaignId)) === 'paused', 10_000, 'campaign paused');
    expect(await w.store.getCampaign(campaignId)).toMatchObject({
      pausedBy: `${contacts[0]!.contactId}:1`,
      pauseReason: expect.stringMatching(/^SAVG answered 403/),
    });
    const control = new CampaignControl({ store: w.store, queues: w.queues, limits: w.limits });
    await control.resumeCampaign(campaignId);
    // After the resume the others are placed, then the same contact is refused again: it is this contact.
    await waitUntil(
      async () => (await w.store.getContact(campaignId, contacts[0]!.contactId))?.s === 't',
      15_000,
      'the refused contact ended',
    );
    expect(await w.store.getContact(campaignId, contacts[0]!.contactId)).toMatchObject({ o: 'rejected', a: 1 });
    expect((await w.store.getContact(campaignId, contacts[0]!.contactId))?.rs).toMatch(
      /^SAVG answered 403.*again after the campaign was resumed/,
    );
    expect(await w.store.getState(campaignId)).toBe('running');
    for (const c of contacts.slice(1))
      expect(await w.store.getContact(campaignId, c.contactId)).toMatchObject({ s: 'i', a: 1 });
    expect(refusals).toBe(2);
    expect(accepted).toBe(3);
  });
});
