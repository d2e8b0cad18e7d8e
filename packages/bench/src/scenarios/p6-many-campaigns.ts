/**
 * P6 many campaigns: two `dialer worker` processes (the built CLI) under one global DIAL_RATE_PER_SECOND of
 * 100, a `dialer ingester` and the loopback simulator (every call answered by a human and notified 50–500 ms
 * after the reply), all on the scenario's private redis-server. Campaigns are written straight into Redis
 * with the store while the workers run (campaign, contact records, first dial jobs: what `dialer produce`
 * leaves; see p6-kit.ts), so the workers find them from the store's events as they would an import's.
 * Counts scale with --scale/--quick; the targets do not. No baseline: the limits are the yardstick.
 *
 * 1. 1,000 running campaigns × 5 contacts. Rows: Redis connections per worker process (CLIENT LIST entries
 *    whose address is one of the process's own sockets, polled every 500 ms over the whole scenario, the
 *    highest of either process; target ≤ 16), peak RSS per worker (VmHWM from /proc once these campaigns are
 *    done, the higher of the two; ≤ 250 MB; the peak over the whole scenario, phases 2 and 3 included, is
 *    reported on a row of its own), dial-outs/s while work is available (every job is queued within the first seconds
 *    and nothing is re-dialed, so from the simulator's record: (dial-outs − 1) / (last − first arrival)) as a
 *    share of the rate (≥ 95 %), and contacts not terminal once the simulator's last notification is in (0).
 * 2. 10,000 finished campaigns (5 terminal contacts each) added to the registry: once both workers have
 *    settled (a second under 10 % CPU, at most 30 s), each worker's CPU time from /proc over a 10 s window,
 *    as a share of one core (the busier of the two; ≤ 2 %). The workers' 60 s safety re-scan may or may not
 *    fall in the window.
 * 3. Fairness: one campaign of 10,000 contacts and 100 campaigns of 5 written together (same start, the big
 *    one first): each small campaign's completion (its `completedAt`, set when its last contact ends) from the
 *    moment the writing began. Rows: the slowest small campaign (s) and how many completed within 30 s (all).
 *    The big campaign is left unfinished when the small ones are done (the scenario stops every process).
 */
import { Redis } from 'ioredis';
import { createKeys } from '@dialer/core';
import type { BenchContext, Scenario, ScenarioRow } from '../scenario.js';
import {
  benchSecrets,
  round,
  spawnCli,
  spawnDialerWorker,
  startSimProcess,
  stopChild,
  warmUpSim,
  workerEnv,
  type CliProcess,
  type SimProcess,
  type WorkerProc,
} from './dial-bench-kit.js';
import { processCpuMs } from './p5-processes.js';
import { peakRssMb, redisConnectionsOf, seedCampaigns, type CampaignSpec } from './p6-kit.js';

const RATE = 100;
const WORKERS = 2;
const CONTACTS_PER_CAMPAIGN = 5;
const PREFIX = 'bench-p6';
const IDLE_WINDOW_MS = 10_000;
const SMALL_DEADLINE_MS = 30_000;

/** Polls `done` every 250 ms until it answers true or `timeoutMs` passes; resolves with whether it did. */
async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One field of each campaign's stats or meta hash, in one pipeline. */
async function fieldOf(redis: Redis, keys: string[], field: string): Promise<(string | null)[]> {
  const pipe = redis.pipeline();
  for (const k of keys) pipe.hget(k, field);
  return ((await pipe.exec()) ?? []).map(([, v]) => (v as string | null) ?? null);
}

/** The most Redis connections each worker process held, sampled every 500 ms until stopped. */
function watchConnections(redis: Redis, workers: WorkerProc[], log: (m: string) => void) {
  const max = workers.map(() => ({ count: 0, names: {} as Record<string, number> }));
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await redisConnectionsOf(
        redis,
        workers.map((w) => w.child.pid as number),
      );
      now.forEach((c, i) => {
        if (c.count > (max[i]?.count ?? 0)) max[i] = c;
      });
    } catch (err) {
      log(`P6: connection sample failed: ${String(err)}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sample(), 500);
  return {
    max,
    stop: async () => {
      clearInterval(timer);
      await sample();
    },
  };
}

function specs(prefix: string, count: number, contacts: number, firstNumber: number, finished = false): CampaignSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i + 1}`,
    contacts,
    firstNumber: firstNumber + i * contacts,
    finished,
  }));
}

/** Phase 1: many running campaigns; returns the achieved rate and the contacts left non-terminal. */
async function manyRunning(ctx: BenchContext, redis: Redis, sim: SimProcess, secrets: ReturnType<typeof benchSecrets>) {
  const keys = createKeys(PREFIX);
  const campaigns = Math.max(20, Math.round(1000 * ctx.scale));
  const total = campaigns * CONTACTS_PER_CAMPAIGN;
  const list = specs('p6-run', campaigns, CONTACTS_PER_CAMPAIGN, 0);
  ctx.log(`P6: ${campaigns} running campaigns × ${CONTACTS_PER_CAMPAIGN} contacts at ${RATE}/s`);
  const started = Date.now();
  await seedCampaigns(ctx, PREFIX, secrets, list);
  ctx.log(`P6: written in ${round((Date.now() - started) / 1000, 1)} s`);
  const statsKeys = list.map((s) => keys.campaignStats(s.id));
  const terminal = async () => (await fieldOf(redis, statsKeys, 'terminal')).reduce((a, v) => a + Number(v ?? 0), 0);
  await waitFor(async () => (await terminal()) >= total, (total / RATE) * 3000 + 30_000);
  const done = await terminal();
  const times = (await sim.arrivals()).sort((a, b) => a - b);
  const span = (times[times.length - 1] ?? 0) - (times[0] ?? 0);
  const rate = ((times.length - 1) * 1000) / Math.max(1, span);
  ctx.log(
    `P6: ${times.length} dial-outs in ${round(span / 1000, 1)} s (${round(rate, 1)}/s), ${done}/${total} terminal after ${round((Date.now() - started) / 1000, 1)} s`,
  );
  return { campaigns, total, rate, notTerminal: total - done, dialouts: times.length };
}

/** Phase 2: finished campaigns in the registry; returns the busier worker's CPU share over the idle window. */
async function idleCpu(ctx: BenchContext, workers: WorkerProc[], secrets: ReturnType<typeof benchSecrets>) {
  const finished = Math.max(100, Math.round(10_000 * ctx.scale));
  ctx.log(`P6: writing ${finished} finished campaigns × ${CONTACTS_PER_CAMPAIGN} terminal contacts`);
  const started = Date.now();
  await seedCampaigns(ctx, PREFIX, secrets, specs('p6-done', finished, CONTACTS_PER_CAMPAIGN, 1_000_000, true));
  ctx.log(`P6: written in ${round((Date.now() - started) / 1000, 1)} s; waiting for the workers to settle`);
  const cpu = () => workers.map((w) => processCpuMs(w.child.pid));
  const settleStart = Date.now();
  await waitFor(async () => {
    const a = cpu();
    await new Promise((r) => setTimeout(r, 1000));
    return cpu().every((ms, i) => ms - (a[i] ?? 0) < 100);
  }, 30_000);
  ctx.log(
    `P6: settled after ${round((Date.now() - settleStart) / 1000, 1)} s; measuring ${IDLE_WINDOW_MS / 1000} s idle`,
  );
  const before = cpu();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
  const elapsed = performance.now() - t0;
  const shares = cpu().map((ms, i) => (ms - (before[i] ?? 0)) / elapsed);
  ctx.log(`P6: idle CPU per worker ${shares.map((s) => `${round(s * 100, 2)} %`).join(', ')}`);
  return { finished, share: Math.max(...shares) };
}

/** Phase 3: one big campaign and many small ones written together; small campaigns' completion times. */
async function fairness(ctx: BenchContext, redis: Redis, secrets: ReturnType<typeof benchSecrets>) {
  const keys = createKeys(PREFIX);
  const bigContacts = Math.max(1000, Math.round(10_000 * ctx.scale));
  const smallCount = Math.max(10, Math.round(100 * ctx.scale));
  const big: CampaignSpec = { id: 'p6-big', contacts: bigContacts, firstNumber: 2_000_000 };
  const small = specs('p6-small', smallCount, CONTACTS_PER_CAMPAIGN, 3_000_000);
  ctx.log(`P6: fairness: 1 campaign × ${bigContacts} and ${smallCount} × ${CONTACTS_PER_CAMPAIGN}, written together`);
  const started = Date.now();
  await seedCampaigns(ctx, PREFIX, secrets, [big, ...small]);
  const metaKeys = small.map((s) => keys.campaignMeta(s.id));
  await waitFor(
    async () => (await fieldOf(redis, metaKeys, 'completedAt')).every((v) => v !== null),
    SMALL_DEADLINE_MS * 2,
  );
  const completed = (await fieldOf(redis, metaKeys, 'completedAt')).map((v) =>
    v === null ? Number.POSITIVE_INFINITY : Number(v) - started,
  );
  const bigDone = Number(await redis.hget(keys.campaignStats(big.id), 'terminal'));
  const slowest = Math.max(...completed);
  const inTime = completed.filter((ms) => ms <= SMALL_DEADLINE_MS).length;
  ctx.log(
    `P6: small campaigns done ${inTime}/${smallCount} within ${SMALL_DEADLINE_MS / 1000} s, slowest ${round(slowest / 1000, 1)} s; big campaign ${bigDone}/${bigContacts} terminal by then`,
  );
  return { smallCount, slowestMs: slowest, inTime, bigContacts };
}

/** Runs the P6 scenario. */
export const p6ManyCampaigns: Scenario = async (ctx) => {
  const secrets = benchSecrets();
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const sim = await startSimProcess(secrets, { outcomes: 'human=1', delayMs: '50-500' });
  const workers: WorkerProc[] = [];
  let ingester: CliProcess | undefined;
  let conns: ReturnType<typeof watchConnections> | undefined;
  try {
    await warmUpSim(sim, secrets);
    const base = workerEnv(ctx, PREFIX, sim.url, secrets, {
      DIAL_RATE_PER_SECOND: String(RATE),
      MAX_LIVE_CALLS: '100000000',
    });
    ingester = await spawnCli(
      ['ingester'],
      { ...base, INGESTER_PORT: '0', INGESTER_METRICS_PORT: '0' },
      /"address":"([^"]+)"[^\n]*"msg":"ingester started"/,
    );
    const env = { ...base, NOTIFY_BASE_URL: ingester.address };
    workers.push(...(await Promise.all(Array.from({ length: WORKERS }, () => spawnDialerWorker(env)))));
    conns = watchConnections(redis, workers, (m) => ctx.log(m));
    // VmHWM after each phase: the target is the running campaigns'; the later phases' peaks are reported.
    const peak = (phase: string) => {
      const rss = workers.map((w) => peakRssMb(w.child.pid as number));
      ctx.log(`P6: peak RSS per worker after ${phase}: ${rss.map((r) => `${round(r, 0)} MB`).join(', ')}`);
      return Math.max(...rss);
    };
    const run = await manyRunning(ctx, redis, sim, secrets);
    const maxRss = peak('the running campaigns');
    const idle = await idleCpu(ctx, workers, secrets);
    peak('the finished campaigns');
    const fair = await fairness(ctx, redis, secrets);
    const maxRssEnd = peak('the fairness run');
    await conns.stop();
    ctx.log(
      `P6: most Redis connections per worker ${conns.max.map((m) => `${m.count} ${JSON.stringify(m.names)}`).join(', ')}`,
    );
    const maxConns = Math.max(...conns.max.map((m) => m.count));
    const share = run.rate / RATE;
    const row = (metric: string, value: number, target: string, pass: boolean): ScenarioRow => ({
      scenario: 'P6 many campaigns',
      metric,
      value,
      target,
      pass,
    });
    const n = (x: number) => x.toLocaleString('en-US');
    return [
      row(
        `Redis connections per worker process (most seen), ${WORKERS} workers, ${n(run.campaigns)} campaigns`,
        maxConns,
        '≤ 16',
        maxConns > 0 && maxConns <= 16,
      ),
      row(
        `peak RSS per worker process (VmHWM, MB), ${n(run.campaigns)} running campaigns`,
        round(maxRss, 0),
        '≤ 250 MB',
        maxRss <= 250,
      ),
      row('peak RSS per worker process over the whole scenario (MB)', round(maxRssEnd, 0), 'reported', true),
      row(`dial-outs/s while work is available, global rate ${RATE}/s`, round(run.rate, 1), 'reported', true),
      row('dial-outs/s ÷ rate (%)', round(share * 100, 1), '≥ 95 %', share >= 0.95),
      row(`contacts not terminal (of ${n(run.total)})`, run.notTerminal, '0', run.notTerminal === 0),
      row(
        `idle CPU of a worker, ${n(idle.finished)} finished campaigns in the registry (% of a core)`,
        round(idle.share * 100, 2),
        '≤ 2 %',
        idle.share <= 0.02,
      ),
      row(
        `slowest of ${fair.smallCount} small campaigns beside one of ${n(fair.bigContacts)} (s to completed)`,
        round(fair.slowestMs / 1000, 1),
        '≤ 30 s',
        fair.slowestMs <= SMALL_DEADLINE_MS,
      ),
      row(
        'small campaigns completed within 30 s',
        fair.inTime,
        `${fair.smallCount} (all)`,
        fair.inTime === fair.smallCount,
      ),
    ];
  } finally {
    await conns?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await ingester?.stop();
    await stopChild(sim.child);
    redis.disconnect();
  }
};
