/**
 * What the dial-worker benchmarks (P2 dispatch, P4 pacing) share: the loopback simulator in a child process
 * of its own (so the measured processes never share its event loop), `dialer worker` processes (the built
 * CLI), campaigns seeded straight into Redis, and the simulator's record of dial-outs over its admin API.
 * This file is also the entry point of its forked children (role in DIAL_BENCH_ROLE): inert when imported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  CampaignQueues,
  CampaignStore,
  DIAL_JOB_NAME,
  SavgAuthToken,
  createKeys,
  createRedis,
  dialJobOptions,
  loadConfig,
  newContactRecord,
  resolveCampaignSettings,
  contactIdFor,
  stopProcess,
  type CampaignSettingsInput,
} from '@dialer/core';
import { spawnDialer } from '@dialer/cli';
import { createSimulator } from '@dialer/simulator';
import type { BenchContext } from '../scenario.js';

/** Credentials shared by the simulator and the dialing processes of one run. */
export interface BenchSecrets {
  SAVG_CLIENT_ID: string;
  SAVG_CLIENT_SECRET: string;
  SAVG_BOT_ID: string;
  SAVG_CALLER: string;
  NOTIFY_TOKEN_SECRET: string;
}

export function benchSecrets(): BenchSecrets {
  return {
    SAVG_CLIENT_ID: 'cs-bench',
    SAVG_CLIENT_SECRET: randomBytes(24).toString('hex'),
    SAVG_BOT_ID: 'st-bench',
    SAVG_CALLER: '+15550001111',
    NOTIFY_TOKEN_SECRET: randomBytes(24).toString('hex'),
  };
}

/** Environment of a `dialer worker` process for a benchmark. */
export function workerEnv(
  ctx: BenchContext,
  prefix: string,
  simUrl: string,
  secrets: BenchSecrets,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    REDIS_URL: ctx.redisUrl,
    REDIS_PREFIX: prefix,
    SAVG_BASE_URL: simUrl,
    // Calls are `silent` in the benchmarks: nothing is ever posted here.
    NOTIFY_BASE_URL: 'http://127.0.0.1:9',
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    // The benchmarks measure the dialer at full speed against a simulator that enforces no quota.
    SAVG_QUOTAS: 'off',
    ...secrets,
    ...extra,
  };
}

// ---- children: the simulator and a raw baseline ----

type Role = 'sim';

async function runChild(role: Role): Promise<void> {
  if (role === 'sim') {
    const sim = createSimulator({
      clientId: process.env.SAVG_CLIENT_ID as string,
      clientSecret: process.env.SAVG_CLIENT_SECRET as string,
      // By default calls are placed and never notified: the benchmarks measure dial-outs, not notifications.
      // P6 has them notified (its contacts must end) through DIAL_BENCH_SIM_OUTCOMES and _NOTIFY_DELAY_MS.
      outcomes: process.env.DIAL_BENCH_SIM_OUTCOMES ?? 'silent=1',
      notifyDelayMs: process.env.DIAL_BENCH_SIM_NOTIFY_DELAY_MS,
      logLevel: 'warn',
    });
    await sim.app.listen({ host: '127.0.0.1', port: 0 });
    process.send?.({ port: (sim.app.server.address() as { port: number }).port });
  }
  process.on('disconnect', () => process.exit(0));
}

if (process.env.DIAL_BENCH_ROLE && process.send) {
  void runChild(process.env.DIAL_BENCH_ROLE as Role).catch((err: unknown) => {
    process.stderr.write(`dial bench ${process.env.DIAL_BENCH_ROLE} failed: ${String(err)}\n`);
    process.exit(1);
  });
}

/** Forks a module as a child with an IPC channel; resolves with the port it reports once listening. */
export function forkChild(modulePath: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(modulePath, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }));
    child.once('exit', (code) => reject(new Error(`child ${modulePath} exited (${code}) before listening`)));
  });
}

/** Stops a forked child: it closes what it holds and exits once its IPC channel closes (SIGKILL if it hangs). */
export function stopChild(child: ChildProcess): Promise<void> {
  return stopProcess(child, { via: 'disconnect', graceMs: 30_000 });
}

/** The loopback simulator in its own process, read through its admin API. */
export interface SimProcess {
  url: string;
  child: ChildProcess;
  reset(): Promise<void>;
  stats(): Promise<{ dialouts: number; pendingReplies: number; byHttpStatus: Record<string, number> }>;
  /** `receivedAt` of every dial-out since the last reset, in arrival order. */
  arrivals(): Promise<number[]>;
  /** `receivedAt` of the first and of the last dial-out since the last reset. */
  span(): Promise<{ first: number; last: number; count: number }>;
}

/** `notify`: the simulator's outcome mix and notification delay (e.g. `human=1`, `50-500`); calls are silent without it. */
export async function startSimProcess(
  secrets: BenchSecrets,
  notify?: { outcomes: string; delayMs: string },
): Promise<SimProcess> {
  const { child, port } = await forkChild(fileURLToPath(import.meta.url), {
    ...secrets,
    DIAL_BENCH_ROLE: 'sim',
    ...(notify ? { DIAL_BENCH_SIM_OUTCOMES: notify.outcomes, DIAL_BENCH_SIM_NOTIFY_DELAY_MS: notify.delayMs } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  const json = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
  const stats = () =>
    json<{ dialouts: number; pendingReplies: number; byHttpStatus: Record<string, number> }>('/__sim/stats');
  return {
    url,
    child,
    stats,
    async reset() {
      await fetch(`${url}/__sim/reset`, { method: 'POST' });
    },
    async arrivals() {
      const out: number[] = [];
      let since = 0;
      for (;;) {
        const page = await json<{ items: { receivedAt: number }[]; next: number }>(
          `/__sim/dialouts?since=${since}&limit=50000`,
        );
        for (const d of page.items) out.push(d.receivedAt);
        if (page.items.length === 0) return out;
        since = page.next;
      }
    },
    async span() {
      const { dialouts } = await stats();
      const first = await json<{ items: { receivedAt: number }[] }>('/__sim/dialouts?since=0&limit=1');
      const last = await json<{ items: { receivedAt: number }[] }>(
        `/__sim/dialouts?since=${Math.max(0, dialouts - 1)}&limit=1`,
      );
      return { first: first.items[0]?.receivedAt ?? 0, last: last.items[0]?.receivedAt ?? 0, count: dialouts };
    },
  };
}

/**
 * Sends `count` dial-outs straight to the simulator and forgets them: the simulator is a measuring
 * instrument here, and its own warm-up (JIT) must not show up as late arrivals in the first measured second.
 */
export async function warmUpSim(sim: SimProcess, secrets: BenchSecrets, count = 500): Promise<void> {
  const auth = new SavgAuthToken({ clientId: secrets.SAVG_CLIENT_ID, clientSecret: secrets.SAVG_CLIENT_SECRET });
  const url = `${sim.url}/api/1.1/public/bot/${secrets.SAVG_BOT_ID}/smartassist/dialout`;
  const body = JSON.stringify({
    target: 'tel:+12025550100',
    caller: secrets.SAVG_CALLER,
    notifyurl: 'http://127.0.0.1:9/notify/x',
  });
  for (let i = 0; i < count; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async () =>
        fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', auth: await auth.get() },
        }).then((r) => r.text()),
      ),
    );
  }
  await sim.reset();
}

/** Waits until the simulator has answered `count` dial-outs (or `timeoutMs` passes). */
export async function waitForDialouts(sim: SimProcess, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await sim.stats();
    if (s.dialouts >= count && s.pendingReplies === 0) return;
    if (Date.now() > deadline) throw new Error(`only ${s.dialouts}/${count} dial-outs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- `dialer worker` processes ----

export interface WorkerProc {
  child: ChildProcess;
  exited: Promise<unknown>;
  /** Sum of a counter's samples from the process's /metrics. */
  counter(name: string): Promise<number>;
  /** Its latest log lines (stdout and stderr), for a failure's message. */
  output(): string;
  stop(): Promise<void>;
}

export interface CliProcess {
  child: ChildProcess;
  /** The address its ready line named ('' when the line carries none). */
  address: string;
  exited: Promise<unknown>;
  /** Its latest output (stdout, then stderr). */
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Spawns `dialer <args>` and resolves once its output matches `ready` (its first group, if any, is the
 * address). Output is drained for the process's whole life (a full pipe would block its log writes), and
 * only its latest part is kept.
 */
export async function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 30_000,
): Promise<CliProcess> {
  const p = spawnDialer(args, { env: { ...process.env, ...env }, keep: 65_536 });
  try {
    const m = await p.waitForOutput(ready, timeoutMs);
    return {
      child: p.child,
      address: m[1] ?? '',
      exited: p.exited,
      output: () => `${p.stdout()}\n${p.stderr()}`,
      stop: async () => void (await p.stop()),
    };
  } catch (err) {
    p.signal('SIGKILL');
    throw err;
  }
}

/** Spawns `dialer worker` and resolves once it is ready (its start-up log line names its /metrics address). */
export async function spawnDialerWorker(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<WorkerProc> {
  const { child, address, exited, output, stop } = await spawnCli(
    ['worker'],
    env,
    /"metrics":"([^"]+)"[^\n]*"msg":"worker ready"/,
    timeoutMs,
  );
  const counter = async (name: string) => {
    const text = await (await fetch(`${address}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  return { child, exited, stop, counter, output };
}

// ---- campaigns ----

/** A campaign of `count` contacts with the first attempt of each queued (BullMQ `addBulk`). */
export async function seedCampaign(
  ctx: BenchContext,
  prefix: string,
  secrets: BenchSecrets,
  campaignId: string,
  count: number,
  // Any hour: a benchmark measures throughput, whatever the local time of its numbers.
  settings: CampaignSettingsInput = { window: { start: '00:00', end: '24:00' } },
): Promise<void> {
  const config = loadConfig({ REDIS_URL: ctx.redisUrl, REDIS_PREFIX: prefix, ...secrets });
  const keys = createKeys(prefix);
  const redis = createRedis(ctx.redisUrl, 'blocking', 'bench-seed');
  redis.on('error', () => undefined); // ioredis reconnects by itself; without a listener it prints every attempt
  const store = new CampaignStore(redis, keys);
  const queues = new CampaignQueues(redis, keys);
  const queue = queues.get(campaignId);
  try {
    await store.createCampaign(campaignId, resolveCampaignSettings(settings, config));
    const BATCH = 1000;
    for (let start = 0; start < count; start += BATCH) {
      const ids: [string, string][] = [];
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const number = `+1202${String(i).padStart(7, '0')}`;
        ids.push([contactIdFor(number), number]);
      }
      await store.addContacts(
        campaignId,
        ids.map(([id, p], k) => [id, newContactRecord({ p, r: start + k + 2 })]),
      );
      await queue.addBulk(
        ids.map(([id]) => ({ name: DIAL_JOB_NAME, data: { c: id, n: 1 }, opts: dialJobOptions(id, 1) })),
      );
    }
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

/** The most values in any sliding window of `windowMs`. */
export function maxInSlidingWindow(sortedTimes: number[], windowMs = 1000): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < sortedTimes.length; i++) {
    while ((sortedTimes[i] as number) - (sortedTimes[j] as number) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
