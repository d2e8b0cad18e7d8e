// Chaos: kill -9 of a random `dialer worker` process every few seconds during a 10k-contact campaign, a
// replacement started each time. Real processes (built CLI), real Redis, the simulator as the gateway.
// Promise checked: no contact lost, no attempt dialed twice, every contact terminal (chaos-verify.ts).
import { describe, it, expect, afterAll } from '@jest/globals';
import { killWorkersRepeatedly, phases, startCluster, type Cluster } from './chaos-cluster.js';
import { verifyCampaign } from './chaos-verify.js';

const CONTACTS = 10_000;
// Busy/unavailable re-dial at once; so do lost attempts (begun by a killed worker, never sent), so every
// contact ends with the outcome of a real call.
const REDIAL = ['busy', 'unavailable', 'lost'];
const SETTINGS = { redial: { maxAttempts: 5, rules: Object.fromEntries(REDIAL.map((o) => [o, { delayMs: 0 }])) } };

let cluster: Cluster | undefined;
afterAll(async () => cluster?.close());

describe('chaos: worker processes killed with SIGKILL', () => {
  it('10k contacts, a worker killed every ~3 s: nothing lost, nothing dialed twice, every contact terminal', async () => {
    const t = phases('chaos-kill-workers');
    // LOST_AFTER_MS must exceed the gateway's own delays (docs/guarantees.md). Here the gateway is the
    // simulator inside this Jest process: on a loaded CI machine it once placed calls more than
    // SAVG_TIMEOUT_MS + 8 s after the worker's claim, and those attempts had ended `lost` and been re-dialed.
    cluster = await startCluster({
      env: {
        DIAL_RATE_PER_SECOND: '400',
        MAX_LIVE_CALLS: '5000',
        WORKER_CONCURRENCY: '40',
        LOST_AFTER_MS: '30000',
        SAVG_TIMEOUT_MS: '5000',
      },
      sim: { outcomes: 'human=70,machine=10,busy=10,unavailable=5,no-answer=5' },
    });
    const c = cluster;
    await c.startIngester();
    await Promise.all([c.startWorker(), c.startWorker(), c.startWorker()]);
    const summary = await c.produce('chaos-kill', CONTACTS, SETTINGS);
    expect(summary).toMatchObject({ accepted: CONTACTS, rejected: 0 });
    t.mark('start+produce');

    const killer = killWorkersRepeatedly(c, 3000);
    // Keep killing while the first attempts are being dialed.
    await c.sim.waitFor((s) => s.stats().placed >= CONTACTS * 0.95, 240_000);
    const kills = await killer.stop();
    t.mark('dialing under kills');
    await c.waitTerminal('chaos-kill', 180_000);
    t.mark('until all terminal');

    const lag = await c.processingLag();
    const verdict = await verifyCampaign(c, 'chaos-kill', CONTACTS, REDIAL);
    t.mark('verify');
    expect(verdict.problems).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(3);
    // Killed mid-dial: some attempts were found dialing by another worker and not sent again.
    expect(verdict.dialouts).toBeGreaterThanOrEqual(CONTACTS);
    expect(verdict.outcomes.lost ?? 0).toBe(0);
    t.print(`${kills} kills, ${verdict.dialouts} dial-outs, ${verdict.notified2xx} notifications checked; ${lag}`);
  }, 600_000);
});
