// The gateway's current dial-out API, against the simulator over real HTTP: SAVG_API_VERSION=v2 dials the V2
// endpoint with `botId` in the body; every dial-out carries `notifyHeaders` with the attempt's notify token
// (the URL's), which the simulator sends back as a header of every notification; `ringTimeoutMs` is sent
// as `timeoutInMs`; `targetFormat: digits` writes targets without the `+`.
import { describe, it, expect, afterEach } from '@jest/globals';
import { NOTIFY_TOKEN_HEADER } from '@dialer/core';
import { startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import { allTerminal, attemptOf, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

// A prefix and simulator per test: a worker takes up every campaign under its prefix.
let sim: SimulatorHarness | undefined;
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  await sim?.close();
  world = undefined;
  sim = undefined;
});

async function setUp(simOptions: Parameters<typeof startSimulator>[0] = {}): Promise<{
  sim: SimulatorHarness;
  world: World;
}> {
  sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 10, ...simOptions });
  world = await createWorld({ DIAL_RATE_PER_SECOND: '1000' });
  return { sim, world };
}

/** The token of a dial-out's notify URL (its last path segment). */
function urlToken(notifyurl: string | undefined): string {
  return (notifyurl ?? '').slice((notifyurl ?? '').lastIndexOf('/') + 1);
}

describe('SAVG dial-out API', () => {
  it('SAVG_API_VERSION=v2 dials the V2 endpoint with botId in the body (the campaign bot, else SAVG_BOT_ID)', async () => {
    const { sim, world } = await setUp();
    const [own, fallback] = numbers(2);
    const withBot = await seedCampaign(world, { botId: 'st-v2-bot' }, [own!]);
    const withoutBot = await seedCampaign(world, {}, [fallback!]);
    await startWorker(world, sim.url, {}, { SAVG_API_VERSION: 'v2' });
    await waitUntil(
      async () =>
        (await allTerminal(world.store, withBot.campaignId)) && allTerminal(world.store, withoutBot.campaignId),
      15_000,
      'both contacts ended by their notifications',
    );

    const dialouts = await sim.dialouts();
    expect(dialouts).toHaveLength(2);
    for (const [number, bot] of [
      [own, 'st-v2-bot'],
      [fallback, world.config.savg.botId],
    ] as const) {
      const d = dialouts.find((r) => r.request?.target === `tel:${number}`);
      expect(d).toMatchObject({ apiVersion: 'v2', botId: bot, status: 200 });
      expect(d?.request).toMatchObject({ bot, botId: bot });
    }
    const rec = await world.store.getContact(withBot.campaignId, withBot.contacts[0]!.contactId);
    expect(rec).toMatchObject({ s: 't', o: 'answered-human' });
  });

  it('SAVG_API_VERSION defaults to v1: the V1 endpoint, no botId in the body', async () => {
    const { sim, world } = await setUp();
    const { campaignId } = await seedCampaign(world, { botId: 'st-v1-bot' }, numbers(1));
    await startWorker(world, sim.url);
    await waitUntil(() => allTerminal(world.store, campaignId), 15_000, 'contact ended');
    const [d] = await sim.dialouts();
    expect(d).toMatchObject({ apiVersion: 'v1', botId: 'st-v1-bot', status: 200 });
    expect(d?.request?.botId).toBeUndefined();
  });

  it('notifyHeaders carry the notify URL token, and come back as a header of every notification', async () => {
    // Interim AMD events too: the header must come with every notification of the call, not only the last.
    const { sim, world } = await setUp({ interimEvents: true, duplicateRate: 1 });
    const nums = numbers(2);
    const { campaignId } = await seedCampaign(world, { machineDetection: 'detect' }, nums);
    await startWorker(world, sim.url);
    await waitUntil(() => allTerminal(world.store, campaignId), 15_000, 'contacts ended');
    await waitUntil(
      async () => (await sim.notifications()).every((n) => n.doneAt !== undefined),
      10_000,
      'notifications delivered',
    );

    const dialouts = await sim.dialouts();
    expect(dialouts).toHaveLength(2);
    const notes = await sim.notifications();
    for (const d of dialouts) {
      const token = urlToken(d.request?.notifyurl);
      expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(d.request?.notifyHeaders).toEqual({ [NOTIFY_TOKEN_HEADER]: token });
      expect((await attemptOf(world.config, d))?.campaignId).toBe(campaignId);
      const ofCall = notes.filter((n) => n.sid === d.sid);
      // An interim event, the final notification and its duplicate, each with the header.
      expect(ofCall.map((n) => n.kind).sort()).toEqual(['duplicate', 'final', 'interim']);
      for (const n of ofCall) {
        expect(n.headers).toEqual({ [NOTIFY_TOKEN_HEADER]: token });
        expect(n.receiverStatus).toBe(200);
      }
    }
  });

  it('ringTimeoutMs reaches the gateway as timeoutInMs (and an unanswered call rings out after it)', async () => {
    // The callee would pick up after 5 s: a 1 s ring time makes the simulator ring the call out (no-answer).
    const { sim, world } = await setUp({ ringTimeouts: true, pickupMs: 5000 });
    const [short, unset] = numbers(2);
    const rung = await seedCampaign(world, { ringTimeoutMs: 1000, redial: { rules: {} } }, [short!]);
    const plain = await seedCampaign(world, { redial: { rules: {} } }, [unset!]);
    await startWorker(world, sim.url);
    await waitUntil(
      async () => (await allTerminal(world.store, rung.campaignId)) && allTerminal(world.store, plain.campaignId),
      15_000,
      'contacts ended',
    );
    const dialouts = await sim.dialouts();
    expect(dialouts.find((d) => d.request?.target === `tel:${short}`)?.request?.timeoutInMs).toBe(1000);
    // Unset: not sent, so the gateway keeps its own ring time.
    expect(dialouts.find((d) => d.request?.target === `tel:${unset}`)?.request).not.toHaveProperty('timeoutInMs');
    expect(await world.store.getContact(rung.campaignId, rung.contacts[0]!.contactId)).toMatchObject({
      s: 't',
      o: 'no-answer',
    });
    expect(await world.store.getContact(plain.campaignId, plain.contacts[0]!.contactId)).toMatchObject({
      s: 't',
      o: 'answered-human',
    });
  });

  it('targetFormat digits sends tel:<digits> (as in the vendor sample); e164 and the default keep the +', async () => {
    const { sim, world } = await setUp();
    const [digits, e164, unset] = numbers(3);
    const a = await seedCampaign(world, { targetFormat: 'digits' }, [digits!]);
    const b = await seedCampaign(world, { targetFormat: 'e164' }, [e164!]);
    const c = await seedCampaign(world, {}, [unset!]);
    await startWorker(world, sim.url);
    await waitUntil(
      async () =>
        (await allTerminal(world.store, a.campaignId)) &&
        (await allTerminal(world.store, b.campaignId)) &&
        allTerminal(world.store, c.campaignId),
      15_000,
      'contacts ended',
    );
    const targets = (await sim.dialouts()).map((d) => d.request?.target).sort();
    expect(targets).toEqual([`tel:${digits!.slice(1)}`, `tel:${e164}`, `tel:${unset}`].sort());
    expect(digits!.startsWith('+1555')).toBe(true);
    // The simulator's scripts match either spelling; the call was answered and applied like any other.
    expect(await world.store.getContact(a.campaignId, a.contacts[0]!.contactId)).toMatchObject({
      s: 't',
      o: 'answered-human',
    });
  });
});
