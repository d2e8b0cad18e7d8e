/**
 * P1's streaming check: `dialer produce` of the same CSV while `dialer worker` processes are running against
 * the loopback simulator (calls placed, never notified; a live-call cap high enough not to bind) at a global
 * DIAL_RATE_PER_SECOND. Measured from the simulator's record: the time from spawning `dialer produce` (process
 * start included) to the first dial-out, and the dial-out rate from the first dial-out to the end of the
 * import (the producer's exit), as a share of the rate: dialing must not wait for the import, nor be slowed by it.
 * One start is a single sample of a sub-second time on a shared machine, so two more starts of the same import
 * follow (the measured campaign paused; each into a campaign of its own, interrupted once its first contact is
 * dialed, then cancelled); the time reported is the median of the three, with the slowest beside it.
 */
import { writeFile } from 'node:fs/promises';
import { describeExit, runDialer, spawnDialer } from '@dialer/cli';
import type { BenchContext } from '../scenario.js';
import {
  benchSecrets,
  round,
  spawnDialerWorker,
  startSimProcess,
  stopChild,
  warmUpSim,
  workerEnv,
  type SimProcess,
  type WorkerProc,
} from './dial-bench-kit.js';

export const DIAL_RATE = 100;
const WORKERS = 2;
/** Starts whose first dial-out is timed (the last one runs the whole import). */
const STARTS = 3;

export interface DialDuringImport {
  /** From spawning `dialer produce` to the first dial-out (ms): the median of STARTS starts. */
  firstDialMs: number;
  /** The slowest of those starts (ms). */
  slowestFirstDialMs: number;
  /** Whether the first dial-out was to the CSV's first row. */
  firstIsRowOne: boolean;
  /** Dial-outs per second from the first dial-out to the end of the import. */
  rateDuringImport: number;
  dialouts: number;
  importMs: number;
}

export async function dialDuringImport(ctx: BenchContext, csv: string, firstNumber: string): Promise<DialDuringImport> {
  const secrets = benchSecrets();
  const prefix = 'bench-p1-dial';
  const sim = await startSimProcess(secrets);
  const workers: WorkerProc[] = [];
  try {
    await warmUpSim(sim, secrets);
    const env = workerEnv(ctx, prefix, sim.url, secrets, {
      DIAL_RATE_PER_SECOND: String(DIAL_RATE),
      MAX_LIVE_CALLS: '100000000',
    });
    workers.push(...(await Promise.all(Array.from({ length: WORKERS }, () => spawnDialerWorker(env)))));
    const settings = await anyHourSettings(csv);
    const firsts: number[] = [];
    ctx.log(`P1: dialer produce with ${WORKERS} workers dialing at ${DIAL_RATE}/s`);
    await sim.reset();
    const started = Date.now();
    const { exit } = await runDialer(['produce', csv, '--campaign', 'p1-dial', '--settings', settings, '--json'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      onStderr: (chunk) => process.stderr.write(chunk),
      timeoutMs: 3_600_000,
    });
    const ended = Date.now();
    if (exit.code !== 0) throw new Error(`dialer produce ended with ${describeExit(exit)}`);
    const times = (await sim.arrivals()).filter((t) => t >= started && t <= ended).sort((a, b) => a - b);
    const first = await (await fetch(`${sim.url}/__sim/dialouts?since=0&limit=1`)).json();
    const target = (first as { items: { request?: { target?: string } }[] }).items[0]?.request?.target;
    const firstAt = times[0] ?? Number.POSITIVE_INFINITY;
    firsts.push(firstAt - started);
    // The other starts come after the measured import, its campaign paused: their own campaigns' clean-up
    // (interrupted, cancelled) must not weigh on the dial rate measured above.
    const paused = await runDialer(['campaign', 'pause', 'p1-dial'], { env: { ...process.env, ...env } });
    if (paused.exit.code !== 0) throw new Error(`dialer campaign pause ended with ${describeExit(paused.exit)}`);
    await untilQuiet(sim);
    for (let start = 2; start <= STARTS; start++)
      firsts.push(await firstDialOnly(sim, env, [csv, '--settings', settings], `p1-first-${start}`, workers));
    const span = (times[times.length - 1] ?? 0) - (times[0] ?? 0);
    const sorted = [...firsts].sort((a, b) => a - b);
    const result: DialDuringImport = {
      firstDialMs: sorted[Math.floor(sorted.length / 2)] as number,
      slowestFirstDialMs: sorted[sorted.length - 1] as number,
      firstIsRowOne: target === `tel:${firstNumber}`,
      rateDuringImport: times.length > 1 ? ((times.length - 1) * 1000) / Math.max(1, span) : 0,
      dialouts: times.length,
      importMs: ended - started,
    };
    ctx.log(
      `P1: first dial-out ${firsts.join(', ')} ms after spawning dialer produce (median ${result.firstDialMs}; the measured import dialed ${result.firstIsRowOne ? 'row 1' : 'not row 1'} first); ${times.length} dial-outs during the ${round(result.importMs / 1000, 1)} s import, ${round(result.rateDuringImport, 1)}/s`,
    );
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await stopChild(sim.child);
  }
}

/**
 * Campaign settings that allow calls at any hour: the file's numbers are American, and with the default
 * calling window a run at night (there) would dial nothing. Written beside the CSV; its path.
 */
async function anyHourSettings(csv: string): Promise<string> {
  const path = `${csv}.settings.json`;
  await writeFile(path, JSON.stringify({ window: { start: '00:00', end: '24:00' } }));
  return path;
}

/**
 * One more start of the import, into a campaign of its own: the time from spawning `dialer produce` to its
 * first dial-out. The import is then interrupted (it finishes the rows it has read) and the campaign cancelled,
 * so that only the measured import dials afterwards.
 */
async function firstDialOnly(
  sim: SimProcess,
  env: NodeJS.ProcessEnv,
  file: string[],
  campaign: string,
  workers: WorkerProc[],
): Promise<number> {
  await sim.reset();
  const started = Date.now();
  const produce = spawnDialer(['produce', ...file, '--campaign', campaign, '--json'], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    keep: 65_536,
  });
  let firstMs: number | undefined;
  try {
    const deadline = started + 60_000;
    while ((await sim.stats()).dialouts === 0 && !produce.hasExited() && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    if ((await sim.stats()).dialouts > 0) firstMs = (await sim.span()).first - started;
  } finally {
    produce.signal('SIGINT');
    await produce.exited;
  }
  if (firstMs === undefined)
    throw new Error(
      `no dial-out within 60 s of starting dialer produce (or before it ended): ${produce.stderr().slice(-2000)}\n` +
        workers.map((w, i) => `worker ${i + 1}'s latest output:\n${w.output().slice(-3000)}`).join('\n'),
    );
  const { exit } = await runDialer(['campaign', 'cancel', campaign, '--yes'], { env: { ...process.env, ...env } });
  if (exit.code !== 0) throw new Error(`dialer campaign cancel ${campaign} ended with ${describeExit(exit)}`);
  await untilQuiet(sim);
  return firstMs;
}

/** Waits until no dial-out has reached the simulator for half a second (a cancelled campaign's last ones). */
async function untilQuiet(sim: SimProcess): Promise<void> {
  let last = -1;
  for (let i = 0; i < 120; i++) {
    const { dialouts } = await sim.stats();
    if (dialouts === last) return;
    last = dialouts;
    await new Promise((r) => setTimeout(r, 500));
  }
}
