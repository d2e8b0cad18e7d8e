/**
 * P5 end to end: 100k contacts (× scale; 10k with --quick), 30 % of first calls busy or unavailable and
 * re-dialed once, from `dialer produce` of a generated CSV to every contact terminal. Everything is a real
 * process on loopback against the scenario's private redis-server: `dialer sim` (outcome mix
 * human 55 / machine 10 / no-answer 5 / busy 15 / unavailable 15, notifications 50–500 ms after the reply, a
 * fixed seed), `dialer ingester` (webhook + processor), WORKERS × `dialer worker` (unthrottled, CONCURRENCY
 * jobs in flight each: the figure is the pipeline's own speed), `dialer produce`, and
 * `dialer campaign status --json` for the result. Re-dial: busy and unavailable after 1 s, at most 2 attempts,
 * so every contact is re-dialed at most once.
 *
 * Reported: wall time from spawning the producer to the last contact terminal; lost = contacts that did not
 * reach a terminal outcome in time plus any that ended `lost` (target 0; every simulator notification must
 * also have been answered 2xx); Redis bytes per contact after completion = (INFO used_memory once every
 * process has stopped − used_memory before the run, on a flushed Redis) / contacts (target ≤ 600 B: every
 * attempt's result is kept, the re-dialed ones in the record's history), with a
 * MEMORY USAGE breakdown by key shape in the log and the contact records' own share as a row: the rest is
 * fixed (retained completed-job windows, event streams), so the per-contact figure is higher at --quick.
 * CPU per contact (the dialing and ingesting processes from /proc, Redis from INFO) is reported too: on a
 * shared machine it varies far less than wall time.
 *
 * Raw baseline, same run, same simulator, same CSV, same worker count and concurrency, same re-dial rule and
 * job retention: BullMQ + got + fastify with no bookkeeping (see p5-raw-baseline.ts): no token, no contact
 * records, no pacing or live-call semaphores, no calling window, no dedupe, no result file. Its wall time is
 * what the work itself costs on this machine; its bytes are the queue machinery alone (it keeps no results).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createKeys } from '@dialer/core';
import type { BenchContext, Scenario, ScenarioRow } from '../scenario.js';
import { generateContactsCsv } from './contacts-csv.js';
import {
  benchSecrets,
  round,
  spawnCli,
  spawnDialerWorker,
  workerEnv,
  type BenchSecrets,
  type CliProcess,
  type WorkerProc,
} from './dial-bench-kit.js';
import { memoryBreakdown, processCpuMs, redisCpuMs, runCli, usedMemory } from './p5-processes.js';
import { RAW_TERMINAL_KEY, forkRaw } from './p5-raw-baseline.js';
import { stopChild } from './dial-bench-kit.js';

const CONTACTS_AT_SCALE_1 = 100_000;
const WORKERS = 2;
// Jobs in flight per dialing process (both sides): enough that the pipeline's work, not the round trips of
// one job, sets the pace on a busy 2-core machine (at 20 both sides idle most of the time, waiting on each
// other's event loops).
const CONCURRENCY = 50;
const REDIAL_DELAY_MS = 1000;
const CAMPAIGN = 'p5';
const SIM_OUTCOMES = 'human=55,machine=10,no-answer=5,busy=15,unavailable=15';

interface RunResult {
  wallMs: number;
  terminal: number;
  lost: number;
  bytesPerContact: number;
  dialouts: number;
  notifyNon2xx: number;
  /** CPU of the dialing and ingesting processes and of Redis, per contact (ms): steadier than wall time on a busy machine. */
  cpuMsPerContact: number;
  /** MEMORY USAGE of the campaign's contacts hash per contact (ours only). */
  recordBytesPerContact?: number;
}

interface Sim {
  proc: CliProcess;
  stats(): Promise<{
    dialouts: number;
    notifications: { sent: number; inFlight: number; pendingCalls: number; byReceiverStatus: Record<string, number> };
  }>;
  reset(): Promise<void>;
}

async function startSim(secrets: BenchSecrets): Promise<Sim> {
  const proc = await spawnCli(
    ['sim'],
    {
      ...secrets,
      SIM_PORT: '0',
      SIM_OUTCOMES,
      SIM_NOTIFY_DELAY_MS: '50-500',
      SIM_SEED: '5',
      SIM_RECORD_LIMIT: '1000',
      LOG_LEVEL: 'info',
    },
    /"address":"([^"]+)"[^\n]*"msg":"SAVG simulator listening"/,
  );
  return {
    proc,
    stats: async () => (await (await fetch(`${proc.address}/__sim/stats`)).json()) as Awaited<ReturnType<Sim['stats']>>,
    reset: async () => void (await fetch(`${proc.address}/__sim/reset`, { method: 'POST' })),
  };
}

/** Polls `done` every 200 ms until it answers true or `timeoutMs` passes; resolves with whether it did. */
async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const non2xx = (byStatus: Record<string, number>) =>
  Object.entries(byStatus).reduce((sum, [s, n]) => sum + (s.startsWith('2') ? 0 : n), 0);

async function ours(
  ctx: BenchContext,
  redis: Redis,
  sim: Sim,
  secrets: BenchSecrets,
  csv: string,
  contacts: number,
  timeoutMs: number,
): Promise<RunResult> {
  const prefix = 'bench-p5';
  const settings = join(ctx.workDir, 'p5-settings.json');
  writeFileSync(
    settings,
    JSON.stringify({
      window: { start: '00:00', end: '24:00' },
      redial: {
        maxAttempts: 2,
        rules: { busy: { delayMs: REDIAL_DELAY_MS }, unavailable: { delayMs: REDIAL_DELAY_MS } },
      },
    }),
  );
  const base = workerEnv(ctx, prefix, sim.proc.address, secrets, {
    DIAL_RATE_PER_SECOND: '10000',
    MAX_LIVE_CALLS: '100000000',
    WORKER_CONCURRENCY: String(CONCURRENCY),
  });
  const before = await usedMemory(redis);
  const redisCpu0 = await redisCpuMs(redis);
  const ingester = await spawnCli(
    ['ingester'],
    { ...base, INGESTER_PORT: '0', INGESTER_METRICS_PORT: '0' },
    /"address":"([^"]+)"[^\n]*"msg":"ingester started"/,
  );
  const workers: WorkerProc[] = [];
  try {
    const env = { ...base, NOTIFY_BASE_URL: ingester.address };
    for (let i = 0; i < WORKERS; i++) workers.push(await spawnDialerWorker(env));
    const started = performance.now();
    const summary = JSON.parse(
      await runCli(['produce', csv, '--campaign', CAMPAIGN, '--settings', settings, '--json'], {
        ...env,
        LOG_LEVEL: 'warn',
      }),
    ) as { accepted: number };
    if (summary.accepted !== contacts) ctx.log(`P5: WARNING: ${summary.accepted} of ${contacts} rows accepted`);
    ctx.log(
      `P5: ours: imported ${summary.accepted} contacts in ${round((performance.now() - started) / 1000, 1)} s; waiting for all-terminal`,
    );
    const statsKey = createKeys(prefix).campaignStats(CAMPAIGN);
    let lastLog = performance.now();
    const done = await waitFor(async () => {
      const [terminal, dialouts] = await redis.hmget(statsKey, 'terminal', 'dialouts');
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        ctx.log(`P5: ours: ${round((lastLog - started) / 1000, 0)} s: ${terminal} terminal, ${dialouts} dial-outs`);
      }
      return Number(terminal) >= contacts;
    }, timeoutMs);
    const wallMs = performance.now() - started;
    const status = JSON.parse(await runCli(['campaign', 'status', CAMPAIGN, '--json'], env)) as {
      terminal: number;
      outcomes: Record<string, number>;
      dialouts?: number;
      redials?: number;
    };
    const s = await sim.stats();
    ctx.log(
      `P5: ours: ${round(wallMs / 1000, 1)} s${done ? '' : ' (timed out)'}, status ${JSON.stringify({ terminal: status.terminal, dialouts: status.dialouts, redials: status.redials, outcomes: status.outcomes })}, sim dial-outs ${s.dialouts}, notifications ${JSON.stringify(s.notifications.byReceiverStatus)}`,
    );
    const jobs: Record<string, number> = {};
    for (const result of ['dialed', 'delayed', 'paced', 'live-cap', 'noop', 'uncertain', 'unavailable']) {
      const n = (
        await Promise.all(workers.map((w) => w.counter(`dialer_worker_jobs_total{result="${result}"}`)))
      ).reduce((a, b) => a + b, 0);
      if (n > 0) jobs[result] = n;
    }
    const late = (await Promise.all(workers.map((w) => w.counter('dialer_worker_pacing_late_total')))).reduce(
      (a, b) => a + b,
      0,
    );
    ctx.log(`P5: ours: worker jobs by result ${JSON.stringify(jobs)}, paced instants given up ${late}`);
    const cpuMs =
      [ingester.child.pid, ...workers.map((w) => w.child.pid)].reduce(
        (sum: number, pid) => sum + processCpuMs(pid),
        0,
      ) +
      (await redisCpuMs(redis)) -
      redisCpu0;
    await Promise.all(workers.map((w) => w.stop()));
    await ingester.stop();
    const after = await usedMemory(redis);
    const breakdown = await memoryBreakdown(redis);
    ctx.log(
      `P5: ours: used_memory +${after - before} B; by key shape (MEMORY USAGE): ${breakdown
        .slice(0, 8)
        .map((g) => `${g.shape} ×${g.keys} = ${g.bytes} B`)
        .join('; ')}`,
    );
    return {
      wallMs,
      terminal: status.terminal,
      lost: Math.max(0, contacts - status.terminal) + (status.outcomes.lost ?? 0),
      bytesPerContact: (after - before) / contacts,
      dialouts: s.dialouts,
      notifyNon2xx: non2xx(s.notifications.byReceiverStatus),
      cpuMsPerContact: cpuMs / contacts,
      recordBytesPerContact: (breakdown.find((g) => g.shape.endsWith(':~contacts'))?.bytes ?? 0) / contacts,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await ingester.stop();
  }
}

async function baseline(
  ctx: BenchContext,
  redis: Redis,
  sim: Sim,
  secrets: BenchSecrets,
  csv: string,
  contacts: number,
  timeoutMs: number,
): Promise<RunResult> {
  const prefix = 'bench-p5-raw';
  const env = {
    ...secrets,
    REDIS_URL: ctx.redisUrl,
    SIM_URL: sim.proc.address,
    P5_PREFIX: prefix,
    P5_CSV: csv,
    P5_CONCURRENCY: String(CONCURRENCY),
    P5_REDIAL_DELAY_MS: String(REDIAL_DELAY_MS),
  };
  const before = await usedMemory(redis);
  const redisCpu0 = await redisCpuMs(redis);
  const hook = await forkRaw('hook', env);
  const dialers: Awaited<ReturnType<typeof forkRaw>>[] = [];
  try {
    for (let i = 0; i < WORKERS; i++)
      dialers.push(await forkRaw('dialer', { ...env, P5_HOOK_URL: `http://127.0.0.1:${hook.port}` }));
    const started = performance.now();
    await forkRaw('import', env);
    ctx.log(`P5: baseline: imported in ${round((performance.now() - started) / 1000, 1)} s; waiting for all-terminal`);
    const done = await waitFor(
      async () => Number(await redis.get(`${prefix}:${RAW_TERMINAL_KEY}`)) >= contacts,
      timeoutMs,
    );
    const wallMs = performance.now() - started;
    const terminal = Number(await redis.get(`${prefix}:${RAW_TERMINAL_KEY}`));
    const s = await sim.stats();
    ctx.log(
      `P5: baseline: ${round(wallMs / 1000, 1)} s${done ? '' : ' (timed out)'}, ${terminal} terminal, sim dial-outs ${s.dialouts}, notifications ${JSON.stringify(s.notifications.byReceiverStatus)}`,
    );
    const cpuMs =
      [hook.child.pid, ...dialers.map((d) => d.child.pid)].reduce((sum: number, pid) => sum + processCpuMs(pid), 0) +
      (await redisCpuMs(redis)) -
      redisCpu0;
    await Promise.all(dialers.map((d) => stopChild(d.child)));
    await stopChild(hook.child);
    const after = await usedMemory(redis);
    return {
      wallMs,
      terminal,
      lost: Math.max(0, contacts - terminal),
      bytesPerContact: (after - before) / contacts,
      dialouts: s.dialouts,
      notifyNon2xx: non2xx(s.notifications.byReceiverStatus),
      cpuMsPerContact: cpuMs / contacts,
    };
  } finally {
    await Promise.all(dialers.map((d) => stopChild(d.child)));
    await stopChild(hook.child);
  }
}

/** Runs the P5 scenario. */
export const p5EndToEnd: Scenario = async (ctx) => {
  const contacts = Math.max(2000, Math.round(CONTACTS_AT_SCALE_1 * ctx.scale));
  const timeoutMs = Math.max(300_000, contacts * 20);
  const csv = join(ctx.workDir, 'p5-contacts.csv');
  await generateContactsCsv(csv, contacts);
  const secrets = benchSecrets();
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  const sim = await startSim(secrets);
  try {
    await redis.flushall();
    ctx.log(`P5: raw baseline, ${contacts} contacts, ${WORKERS} dialer processes × ${CONCURRENCY}`);
    const raw = await baseline(ctx, redis, sim, secrets, csv, contacts, timeoutMs);
    await redis.flushall();
    await sim.reset();
    ctx.log(`P5: ours, ${contacts} contacts, ${WORKERS} dialer workers × ${CONCURRENCY}`);
    const our = await ours(ctx, redis, sim, secrets, csv, contacts, timeoutMs);
    const ratio = our.wallMs / raw.wallMs;
    const row = (
      metric: string,
      value: number,
      base: number | undefined,
      target: string,
      pass: boolean,
    ): ScenarioRow => ({ scenario: 'P5 end-to-end', metric, value, baseline: base, target, pass });
    return [
      row(
        `wall time to all-terminal, ${contacts.toLocaleString('en-US')} contacts (s)`,
        round(our.wallMs / 1000, 1),
        round(raw.wallMs / 1000, 1),
        'reported',
        true,
      ),
      row(
        'contacts/s to all-terminal',
        round((contacts * 1000) / our.wallMs, 0),
        round((contacts * 1000) / raw.wallMs, 0),
        'reported',
        true,
      ),
      row('dial-outs (first calls + re-dials)', our.dialouts, raw.dialouts, 'reported', true),
      row(
        'CPU per contact, dialing + ingesting processes + Redis (ms)',
        round(our.cpuMsPerContact, 2),
        round(raw.cpuMsPerContact, 2),
        'reported',
        true,
      ),
      row('lost (not terminal, or ended lost)', our.lost, raw.lost, '0', our.lost === 0 && our.notifyNon2xx === 0),
      row(
        'Redis bytes per contact after completion (used_memory)',
        round(our.bytesPerContact, 0),
        round(raw.bytesPerContact, 0),
        '≤ 600 B',
        our.bytesPerContact <= 600,
      ),
      row(
        'of which contact records (MEMORY USAGE of the contacts hash) per contact',
        round(our.recordBytesPerContact ?? 0, 0),
        undefined,
        'reported',
        true,
      ),
      row('wall time ÷ baseline', round(ratio, 2), undefined, 'reported', true),
    ];
  } finally {
    await sim.proc.stop();
    redis.disconnect();
  }
};
