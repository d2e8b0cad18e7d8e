// The gateway's rate quotas (Kore.ai applies them per bot: 600 requests per 60 s, 18,000 per 3,600 s), kept by two
// real worker processes together at a DIAL_RATE_PER_SECOND far above them: the simulator enforces the same quotas
// and answers 429 over them, and never has to.
import { describe, it, expect, afterAll } from '@jest/globals';
import { runCli } from '@dialer/test-utils';
import { startCluster, type Cluster } from './chaos-cluster.js';

const QUOTAS = '30/10s,100/60s';
const CONTACTS = 110;

/** The most timestamps (ms) in any window of `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

let c: Cluster | undefined;
afterAll(async () => c?.close());

describe('SAVG_QUOTAS', () => {
  it('two workers at 50/s stay under 30/10s and 100/60s per bot: no 429, no window over its quota', async () => {
    c = await startCluster({
      env: { DIAL_RATE_PER_SECOND: '50', SAVG_QUOTAS: QUOTAS, LOST_AFTER_MS: '600000' },
      sim: { outcomes: 'human=1', quotas: QUOTAS },
    });
    await c.startIngester();
    await Promise.all([c.startWorker(), c.startWorker()]);
    expect(await c.produce('quotas', CONTACTS, { window: { start: '00:00', end: '24:00' } })).toMatchObject({
      accepted: CONTACTS,
    });
    // The status says what holds dialing back: the quotas, not the rate.
    const status = JSON.parse((await runCli(['campaign', 'status', 'quotas', '--json'], c.env)).stdout) as {
      pace: { perSecond: number; by: string };
    };
    expect(status.pace.by).toBe('quota');
    expect(status.pace.perSecond).toBeLessThan(2);
    await c.waitTerminal('quotas', 180_000);
    const received = (await c.sim.dialouts()).map((d) => d.receivedAt);
    expect(received).toHaveLength(CONTACTS);
    expect(c.sim.state.stats().byHttpStatus['429'] ?? 0).toBe(0);
    expect(maxInWindow(received, 10_000)).toBeLessThanOrEqual(30);
    expect(maxInWindow(received, 60_000)).toBeLessThanOrEqual(100);
    // Dialing ran close to the highest rate the quotas allow (100 per 60 s), not far below it.
    const span = Math.max(...received) - Math.min(...received);
    expect(span).toBeLessThan(75_000);
  }, 240_000);
});
