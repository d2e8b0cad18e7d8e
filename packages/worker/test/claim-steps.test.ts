// How many steps a dial-out's admission and claim take (real Redis, counted with MONITOR): on one Redis a
// dial-out whose paced instant is now is admitted and claimed by one script; with contact caps, whose count
// comes between the two, it takes both steps. Each contact is dialed once either way.
import { describe, it, expect, afterEach } from '@jest/globals';
import type { Redis } from 'ioredis';
import { startSimulator, waitUntil, type SimulatorHarness } from '@dialer/test-utils';
import { allTerminal, createWorld, numbers, seedCampaign, startWorker, type World } from './helpers.js';

let sim: SimulatorHarness | undefined;
let world: World | undefined;
let monitor: Redis | undefined;

afterEach(async () => {
  monitor?.disconnect();
  await world?.close();
  await sim?.close();
});

type ScriptName = 'dialerAdmit' | 'dialerAdmitClaim' | 'dialerBegin';
/** The first words of each script's header (core's src/store/lua/admit.lua, admit-claim.lua, begin.lua). */
const OPENING: Record<ScriptName, string> = {
  dialerAdmit: 'The admission of one dial-out in a single atomic step',
  dialerAdmitClaim: 'Admission and claim in one atomic step',
  dialerBegin: 'Claims attempt k of a contact for dialing',
};

/** Counts the store's admission and claim scripts run on keys of this world's prefix. */
async function countScripts(w: World): Promise<Record<ScriptName, number>> {
  // ioredis keeps each defined command's script (and its SHA) on the connection that defined it.
  const scripts = (w.ctx.redis as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet;
  const names: ScriptName[] = ['dialerAdmit', 'dialerAdmitClaim', 'dialerBegin'];
  const bySha = new Map(names.map((n) => [scripts[n]?.sha, n]));
  const counts = { dialerAdmit: 0, dialerAdmitClaim: 0, dialerBegin: 0 };
  monitor = await (w.ctx.redis as Redis).monitor();
  monitor.on('monitor', (_time: string, args: string[]) => {
    // A script's first run on a connection is sent whole (EVAL; MONITOR shows its text escaped, so it is known
    // by its opening words), later ones by SHA (EVALSHA).
    const cmd = args[0]?.toLowerCase();
    const name =
      cmd === 'evalsha'
        ? bySha.get(args[1])
        : cmd === 'eval'
          ? names.find((n) => args[1]?.includes(OPENING[n]))
          : undefined;
    if (name && args.some((a) => a.startsWith(w.config.keyPrefix))) counts[name]++;
  });
  return counts;
}

async function dialAll(env: Record<string, string>, count: number) {
  sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: 20 });
  world = await createWorld({ DIAL_RATE_PER_SECOND: '10000', WORKER_CONCURRENCY: '1', ...env });
  const { campaignId } = await seedCampaign(world, {}, numbers(count));
  const counts = await countScripts(world);
  await startWorker(world, sim.url);
  await waitUntil(() => allTerminal(world!.store, campaignId), 20_000, 'every contact ended by its notification');
  expect(await sim.dialouts()).toHaveLength(count);
  return counts;
}

describe('admission and claim', () => {
  it('take one script per dial-out whose instant is now', async () => {
    // One dial-out at a time, instants 0.1 ms apart: every instant is now.
    const counts = await dialAll({}, 12);
    expect(counts).toEqual({ dialerAdmit: 0, dialerAdmitClaim: 12, dialerBegin: 0 });
  });

  it('take two steps when contact caps count the dial-out between them', async () => {
    const counts = await dialAll({ CONTACT_CAP: '5/24h' }, 12);
    expect(counts).toEqual({ dialerAdmit: 12, dialerAdmitClaim: 0, dialerBegin: 12 });
  });
});
