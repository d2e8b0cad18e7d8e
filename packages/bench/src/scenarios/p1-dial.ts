/**
 * P1's streaming check: `dialer produce` of the same CSV while `dialer worker` processes are running against
 * the loopback simulator (calls placed, never notified; a live-call cap high enough not to bind) at a global
 * DIAL_RATE_PER_SECOND. Measured from the simulator's record: the time from spawning `dialer produce` (process
 * start included) to the first dial-out, and the dial-out rate from the first dial-out to the end of the
 * import (the producer's exit), as a share of the rate: dialing must not wait for the import, nor be slowed by it.
 */
import { describeExit, runDialer } from '@dialer/cli';
import type { BenchContext } from '../scenario.js';
import {
  benchSecrets,
  round,
  spawnDialerWorker,
  startSimProcess,
  stopChild,
  warmUpSim,
  workerEnv,
  type WorkerProc,
} from './dial-bench-kit.js';

export const DIAL_RATE = 100;
const WORKERS = 2;

export interface DialDuringImport {
  /** From spawning `dialer produce` to the first dial-out (ms). */
  firstDialMs: number;
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
    ctx.log(`P1: dialer produce with ${WORKERS} workers dialing at ${DIAL_RATE}/s`);
    const started = Date.now();
    const { exit } = await runDialer(['produce', csv, '--campaign', 'p1-dial', '--json'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      onStderr: (chunk) => process.stderr.write(chunk),
      timeoutMs: 3_600_000,
    });
    const ended = Date.now();
    if (exit.code !== 0) throw new Error(`dialer produce ended with ${describeExit(exit)}`);
    const times = (await sim.arrivals()).filter((t) => t <= ended).sort((a, b) => a - b);
    const first = await (await fetch(`${sim.url}/__sim/dialouts?since=0&limit=1`)).json();
    const target = (first as { items: { request?: { target?: string } }[] }).items[0]?.request?.target;
    const firstAt = times[0] ?? Number.POSITIVE_INFINITY;
    const span = (times[times.length - 1] ?? 0) - (times[0] ?? 0);
    const result: DialDuringImport = {
      firstDialMs: firstAt - started,
      firstIsRowOne: target === `tel:${firstNumber}`,
      rateDuringImport: times.length > 1 ? ((times.length - 1) * 1000) / Math.max(1, span) : 0,
      dialouts: times.length,
      importMs: ended - started,
    };
    ctx.log(
      `P1: first dial-out ${result.firstDialMs} ms after spawning dialer produce (${result.firstIsRowOne ? 'row 1' : 'not row 1'}); ${times.length} dial-outs during the ${round(result.importMs / 1000, 1)} s import, ${round(result.rateDuringImport, 1)}/s`,
    );
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await stopChild(sim.child);
  }
}
