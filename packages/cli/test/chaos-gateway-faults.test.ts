// Chaos: a misbehaving gateway. The simulator answers 20 % of dial-outs with 502/503/504 (its own JSON error:
// not placed), 5 % with 429 (no Retry-After, as SAVG may send it), lets a proxy in front answer 5 % with an
// HTML 502/504 (half of those requests had reached the gateway and placed their call), and holds 2 % of
// replies until the worker's time-out (the call is placed and notified all the same). Every contact must end
// terminal, no attempt be sent again after an answer that may have placed a call, and exactly the attempts
// whose proxy error hid an unplaced call end `lost` (no notification ever comes for them).
import { describe, it, expect, afterAll } from '@jest/globals';
import { waitUntil } from '@dialer/test-utils';
import { phases, startCluster, type Cluster } from './chaos-cluster.js';
import { verifyCampaign } from './chaos-verify.js';

const CONTACTS = 400;
// `lost` is not re-dialed here, so every attempt a proxy error left without a call shows as a contact ended `lost`.
const REDIAL = ['busy', 'unavailable'];
const SETTINGS = { redial: { maxAttempts: 5, rules: Object.fromEntries(REDIAL.map((o) => [o, { delayMs: 0 }])) } };

let cluster: Cluster | undefined;
afterAll(async () => cluster?.close());

describe('chaos: gateway faults', () => {
  it('20 % 5xx, 5 % 429, 5 % proxy 502/504, 2 % hanging replies: every contact terminal, no attempt dialed twice', async () => {
    const t = phases('chaos-gateway-faults');
    cluster = await startCluster({
      env: {
        DIAL_RATE_PER_SECOND: '200',
        MAX_LIVE_CALLS: '5000',
        WORKER_CONCURRENCY: '40',
        LOST_AFTER_MS: '30000',
        SAVG_TIMEOUT_MS: '1000',
      },
      sim: {
        outcomes: 'human=70,machine=10,busy=10,unavailable=5,no-answer=5',
        rate5xx: 0.2,
        rate429: 0.05,
        proxyErrorRate: 0.05,
        proxyPlacedRate: 0.5,
        hangRate: 0.02,
        hangMs: 30_000,
      },
    });
    const c = cluster;
    await c.startIngester();
    await Promise.all([c.startWorker(), c.startWorker()]);
    expect(await c.produce('chaos-faults', CONTACTS, SETTINGS)).toMatchObject({ accepted: CONTACTS });
    t.mark('start+produce');

    await c.waitTerminal('chaos-faults', 300_000);
    t.mark('until all terminal');
    // On a loaded machine a placed call's notification can come after its attempt's deadline: the watchdog ends it
    // `lost`, and the late real end revises it. Judge once the gateway has sent every notification and the
    // ingester has had time to apply the last ones; an attempt wrongly left `lost` still fails below.
    await waitUntil(
      () => {
        const n = c.sim.state.stats().notifications;
        return n.pendingCalls === 0 && n.inFlight === 0;
      },
      120_000,
      'the gateway sent every notification',
    );
    let verdict = await verifyCampaign(c, 'chaos-faults', CONTACTS, REDIAL);
    await waitUntil(
      async () => {
        verdict = await verifyCampaign(c, 'chaos-faults', CONTACTS, REDIAL);
        return (verdict.outcomes.lost ?? 0) <= verdict.proxyUnplaced;
      },
      20_000,
      'late notifications applied',
    ).catch(() => undefined);
    t.mark('verify');
    expect(verdict.problems).toEqual([]);
    const byStatus = c.sim.state.stats().byHttpStatus;
    // The faults did happen: refused, rate-limited and unanswered (timed-out) dial-outs.
    expect((byStatus['502'] ?? 0) + (byStatus['503'] ?? 0) + (byStatus['504'] ?? 0)).toBeGreaterThan(CONTACTS * 0.1);
    expect(byStatus['429'] ?? 0).toBeGreaterThan(0);
    expect(byStatus['499'] ?? 0).toBeGreaterThan(0);
    // A proxy's 502/504 is never re-sent: the attempt waits for its notification, which only a placed call
    // sends; the others end `lost` after LOST_AFTER_MS. Exactly those contacts end lost.
    expect(verdict.proxyUnplaced).toBeGreaterThan(0);
    expect(verdict.outcomes.lost ?? 0).toBe(verdict.proxyUnplaced);
    // A hung reply is an ambiguous time-out: the attempt is not re-sent; its notification (the call was
    // placed) ends it. Refused ones (5xx/429) are retried without spending the attempt.
    t.print(
      `${verdict.dialouts} dial-outs ${JSON.stringify(byStatus)}, ${verdict.proxyUnplaced} proxy errors without a call (ended lost), ` +
        `outcomes ${JSON.stringify(verdict.outcomes)}`,
    );
  }, 600_000);
});
