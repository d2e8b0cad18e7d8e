// Chaos: the ingester process killed (SIGKILL) while notifications arrive, and started again on the same
// address. Every notification the gateway got a 2xx for must be applied exactly once (those stored but not
// yet applied when it died are applied by the new process); those refused while it was down end `lost`.
import { describe, it, expect, afterAll } from '@jest/globals';
import { phases, startCluster, type Cluster } from './chaos-cluster.js';
import { verifyCampaign } from './chaos-verify.js';

const CONTACTS = 1500;
const REDIAL = ['busy', 'unavailable', 'lost'];
const SETTINGS = { redial: { maxAttempts: 5, rules: Object.fromEntries(REDIAL.map((o) => [o, { delayMs: 0 }])) } };

let cluster: Cluster | undefined;
afterAll(async () => cluster?.close());

describe('chaos: ingester killed and restarted', () => {
  it('every notification answered 2xx is applied exactly once', async () => {
    const t = phases('chaos-ingester-restart');
    cluster = await startCluster({
      // LOST_AFTER_MS well above the time to bring the ingester back plus the processor's stall recovery
      // (1–2 × WORKER_LOCK_MS): a stored notification is applied before its attempt could be declared lost.
      env: { DIAL_RATE_PER_SECOND: '300', MAX_LIVE_CALLS: '5000', WORKER_CONCURRENCY: '40', LOST_AFTER_MS: '20000' },
      sim: { outcomes: 'human=70,machine=10,busy=10,unavailable=5,no-answer=5', notifyDelayMs: { min: 50, max: 1500 } },
    });
    const c = cluster;
    const first = await c.startIngester();
    await Promise.all([c.startWorker(), c.startWorker()]);
    expect(await c.produce('chaos-ingester', CONTACTS, SETTINGS)).toMatchObject({ accepted: CONTACTS });
    t.mark('start+produce');

    await c.sim.waitFor((s) => s.stats().notifications.sent >= CONTACTS * 0.3, 120_000);
    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const killedAt = Date.now();
    const errorsBefore = c.sim.state.stats().notifications.byReceiverStatus.error ?? 0;
    await c.sim.waitFor((s) => (s.stats().notifications.byReceiverStatus.error ?? 0) >= errorsBefore + 20, 30_000);
    await c.startIngester();
    t.mark(`dialing, kill, restart (down ${((Date.now() - killedAt) / 1000).toFixed(1)} s)`);

    await c.waitTerminal('chaos-ingester', 240_000);
    t.mark('until all terminal');
    const verdict = await verifyCampaign(c, 'chaos-ingester', CONTACTS, REDIAL);
    t.mark('verify');
    expect(verdict.problems).toEqual([]);
    const byStatus = c.sim.state.stats().notifications.byReceiverStatus;
    expect(byStatus.error ?? 0).toBeGreaterThanOrEqual(20);
    expect(verdict.notified2xx).toBeGreaterThan(CONTACTS * 0.9);
    // Exactly once: one re-dial per re-dialed attempt, one outcome per contact (counted by the atomic
    // transitions, so a notification applied twice would show as a second re-dial or outcome).
    const stats = await c.store.stats('chaos-ingester');
    expect(stats.redials).toBe(stats.dialouts - CONTACTS);
    t.print(`${verdict.dialouts} dial-outs, notifications by receiver status ${JSON.stringify(byStatus)}`);
  }, 600_000);
});
