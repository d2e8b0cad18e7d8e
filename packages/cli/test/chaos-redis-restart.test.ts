// Chaos: Redis stopped and restarted (AOF on; a private redis-server of this test) in the middle of a
// campaign. The worker and ingester processes reconnect by themselves, the campaign completes, nothing is
// lost, and while Redis is down the ingester answers 503 — never a 2xx for a notification it could not store.
import { describe, it, expect, afterAll } from '@jest/globals';
import { startRedisServer, type RedisServer } from '@dialer/test-utils';
import { alive, phases, startCluster, type Cluster } from './chaos-cluster.js';
import { verifyCampaign } from './chaos-verify.js';

const CONTACTS = 1500;
// Attempts whose notification got a 503 during the outage end `lost` (SAVG does not retry) and re-dial.
const REDIAL = ['busy', 'unavailable', 'lost'];
const SETTINGS = { redial: { maxAttempts: 5, rules: Object.fromEntries(REDIAL.map((o) => [o, { delayMs: 0 }])) } };

let server: RedisServer | undefined;
let cluster: Cluster | undefined;
afterAll(async () => {
  await cluster?.close();
  await server?.destroy();
});

describe('chaos: Redis stopped and restarted mid-campaign', () => {
  it('processes reconnect by themselves, the campaign completes, nothing is lost, 503 while Redis is down', async () => {
    const t = phases('chaos-redis-restart');
    server = await startRedisServer({ appendonly: true });
    cluster = await startCluster({
      redisUrl: server.url,
      env: { DIAL_RATE_PER_SECOND: '300', MAX_LIVE_CALLS: '5000', WORKER_CONCURRENCY: '40', LOST_AFTER_MS: '10000' },
      // Calls last long enough that many are in progress, and notified, while Redis is down.
      sim: {
        outcomes: 'human=70,machine=10,busy=10,unavailable=5,no-answer=5',
        notifyDelayMs: { min: 300, max: 3000 },
      },
    });
    const c = cluster;
    await c.startIngester();
    await Promise.all([c.startWorker(), c.startWorker()]);
    expect(await c.produce('chaos-redis', CONTACTS, SETTINGS)).toMatchObject({ accepted: CONTACTS });
    t.mark('start+produce');

    await c.sim.waitFor((s) => s.stats().placed >= CONTACTS * 0.3, 120_000);
    const refusedBefore = c.sim.state.stats().notifications.byReceiverStatus['503'] ?? 0;
    await server.stop();
    const downFrom = Date.now();
    // Down for at least 3 s, and until the gateway has seen the ingester refuse a few notifications.
    await c.sim.waitFor(
      (s) =>
        (s.stats().notifications.byReceiverStatus['503'] ?? 0) >= refusedBefore + 20 && Date.now() - downFrom >= 3000,
      30_000,
    );
    const downUntil = Date.now();
    await server.restart();
    t.mark(`dialing, then Redis down ${((downUntil - downFrom) / 1000).toFixed(1)} s`);

    await c.waitTerminal('chaos-redis', 240_000);
    t.mark('until all terminal');
    const verdict = await verifyCampaign(c, 'chaos-redis', CONTACTS, REDIAL);
    t.mark('verify');
    expect(verdict.problems).toEqual([]);
    // Never a 2xx for a notification sent and answered entirely while Redis was down.
    const duringOutage = (await c.sim.notifications()).filter(
      (n) => n.sentAt >= downFrom && n.doneAt !== undefined && n.doneAt <= downUntil,
    );
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((n) => n.receiverStatus !== undefined && n.receiverStatus < 300)).toEqual([]);
    // The same processes did it all: nobody restarted them.
    expect([c.ingester!, ...c.workers].every(alive)).toBe(true);
    t.print(
      `${verdict.dialouts} dial-outs, ${duringOutage.length} notifications refused during the outage, outcomes ${JSON.stringify(verdict.outcomes)}`,
    );
  }, 600_000);
});
