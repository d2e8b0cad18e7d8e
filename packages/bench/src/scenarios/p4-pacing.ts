/**
 * P4 pacing: 4 `dialer worker` processes share 2 campaigns under one global DIAL_RATE_PER_SECOND. From the
 * loopback simulator's record of dial-out arrivals: the achieved rate as a share of the limit (target
 * 97–100 %) and the most dial-outs in any sliding second relative to the limit (target ≤ 1.1×; BullMQ's
 * own fixed-window limiter lets up to 2× through at a window edge). No baseline: the limit is the yardstick.
 */
import type { Scenario, ScenarioRow } from '../scenario.js';
import {
  benchSecrets,
  maxInSlidingWindow,
  round,
  seedCampaign,
  spawnDialerWorker,
  startSimProcess,
  stopChild,
  waitForDialouts,
  warmUpSim,
  workerEnv,
  type WorkerProc,
} from './dial-bench-kit.js';

const RATE = 50;
const PROCESSES = 4;
const CAMPAIGNS = 2;

/** Runs the P4 scenario. */
export const p4Pacing: Scenario = async (ctx) => {
  const seconds = Math.max(5, Math.round(20 * ctx.scale));
  const perCampaign = Math.round((RATE * seconds) / CAMPAIGNS);
  const total = perCampaign * CAMPAIGNS;
  const secrets = benchSecrets();
  const prefix = `bench-p4-${Date.now().toString(36)}`;
  const sim = await startSimProcess(secrets);
  const workers: WorkerProc[] = [];
  try {
    await warmUpSim(sim, secrets);
    const env = workerEnv(ctx, prefix, sim.url, secrets, {
      DIAL_RATE_PER_SECOND: String(RATE),
      MAX_LIVE_CALLS: '100000000',
    });
    ctx.log(`P4: starting ${PROCESSES} worker processes`);
    workers.push(...(await Promise.all(Array.from({ length: PROCESSES }, () => spawnDialerWorker(env)))));
    ctx.log(`P4: ${CAMPAIGNS} campaigns × ${perCampaign} contacts at ${RATE}/s overall (~${seconds} s)`);
    await Promise.all(
      Array.from({ length: CAMPAIGNS }, (_, i) => seedCampaign(ctx, prefix, secrets, `p4-c${i + 1}`, perCampaign)),
    );
    await waitForDialouts(sim, total, seconds * 3000 + 30_000);
    const times = (await sim.arrivals()).sort((a, b) => a - b);
    const span = (times[times.length - 1] as number) - (times[0] as number);
    const achieved = ((times.length - 1) * 1000) / span;
    const maxSecond = maxInSlidingWindow(times, 1000);
    const late = (await Promise.all(workers.map((w) => w.counter('dialer_worker_pacing_late_total')))).reduce(
      (a, b) => a + b,
      0,
    );
    ctx.log(
      `P4: ${times.length} dial-outs in ${round(span / 1000, 1)} s: ${round(achieved, 2)}/s; max ${maxSecond} in a sliding second; ${late} late instants given up`,
    );
    const share = (achieved / RATE) * 100;
    const rows: ScenarioRow[] = [
      {
        scenario: 'P4 pacing',
        metric: `achieved / limit (%), ${PROCESSES} workers × ${CAMPAIGNS} campaigns at ${RATE}/s`,
        value: round(share, 1),
        target: '97–100 %',
        pass: share >= 97 && share <= 100.5,
      },
      {
        scenario: 'P4 pacing',
        metric: 'max dial-outs in a sliding second / limit',
        value: round(maxSecond / RATE, 2),
        target: '≤ 1.1×',
        pass: maxSecond <= RATE * 1.1,
      },
    ];
    return rows;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await stopChild(sim.child);
  }
};
