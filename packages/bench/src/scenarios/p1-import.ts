/**
 * P1 import: `dialer produce` of a generated CSV (1M rows × scale) beside a raw baseline measured in the same
 * run: a plain BullMQ `addBulk` of as many jobs (same chunk size, same number of chunks in flight, plain data,
 * no parsing, no dedupe, no contact records). Each side runs in a child process of its own; ours is the real
 * CLI, and its peak RSS (all threads) is read from `process.resourceUsage().maxRSS` by a tiny `--import` hook.
 * The baseline runs before and after ours and their mean is the reference, so a load change on a shared
 * machine during the run hits both sides alike. Neither rate counts process start and module loading: the
 * baseline is timed from its queue being ready to its last reply; ours is the import's own `durationMs`, from
 * the start of `runImport` (file check, Redis connection, campaign creation included) to its last write.
 * Redis bytes per pending contact = growth of INFO
 * `used_memory` during our import / contacts imported (contact records + dial jobs + queue structures).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describeExit, runDialer } from '@dialer/cli';
import { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_IN_FLIGHT, type ImportSummary } from '@dialer/producer';
import type { BenchContext, Scenario, ScenarioRow } from '../scenario.js';
import { generateContactsCsv } from './contacts-csv.js';

const ROWS_AT_SCALE_1 = 1_000_000;

interface BaselineResult {
  jobs: number;
  ms: number;
  maxRssKb: number;
}

// ---- the raw baseline (a child process: this file, forked with P1_IMPORT_ROLE=baseline) ----

async function runBaseline(): Promise<void> {
  const count = Number(process.env.P1_JOBS);
  const redis = new Redis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const queue = new Queue('baseline', { connection: redis, prefix: process.env.P1_PREFIX });
  await queue.waitUntilReady();
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let start = 0; start < count; start += DEFAULT_CHUNK_SIZE) {
    const jobs = [];
    for (let i = start; i < Math.min(count, start + DEFAULT_CHUNK_SIZE); i++)
      jobs.push({ name: 'dial', data: { c: `c${String(i).padStart(15, '0')}`, n: 1 } });
    const p: Promise<unknown> = queue.addBulk(jobs).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= DEFAULT_MAX_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const result: BaselineResult = {
    jobs: count,
    ms: performance.now() - started,
    maxRssKb: process.resourceUsage().maxRSS,
  };
  await queue.close();
  redis.disconnect();
  process.send?.(result, () => process.exit(0));
}

if (process.env.P1_IMPORT_ROLE === 'baseline' && process.send) {
  void runBaseline().catch((err: unknown) => {
    process.stderr.write(`p1 baseline failed: ${String(err)}\n`);
    process.exit(1);
  });
}

// ---- helpers ----

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

/** Deletes every key under a prefix (the scenario's private Redis keeps only what is being measured). */
async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

function baselineChild(ctx: BenchContext, prefix: string, jobs: number): Promise<BaselineResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: {
      ...process.env,
      REDIS_URL: ctx.redisUrl,
      P1_PREFIX: prefix,
      P1_JOBS: String(jobs),
      P1_IMPORT_ROLE: 'baseline',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: BaselineResult) => resolve(m));
    child.once('exit', (code) => reject(new Error(`baseline exited (${code}) without a result`)));
  });
}

/** Reports the process's peak RSS (KB, every thread) to $P1_RSS_FILE when it exits. */
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.P1_RSS_FILE, String(process.resourceUsage().maxRSS)));",
)}`;

async function produceChild(
  ctx: BenchContext,
  prefix: string,
  csv: string,
): Promise<{ summary: ImportSummary; maxRssKb: number; wallMs: number }> {
  const rssFile = join(ctx.workDir, 'p1-rss.txt');
  const started = performance.now();
  const { exit, stdout } = await runDialer(['produce', csv, '--campaign', 'p1', '--json'], {
    env: {
      ...process.env,
      REDIS_URL: ctx.redisUrl,
      REDIS_PREFIX: prefix,
      SAVG_CALLER: '+15550001111',
      LOG_LEVEL: 'warn',
      P1_RSS_FILE: rssFile,
    },
    nodeArgs: ['--import', RSS_HOOK],
    // Its warnings and errors as they come, on the bench's console.
    onStderr: (chunk) => process.stderr.write(chunk),
    timeoutMs: 3_600_000,
  });
  const wallMs = performance.now() - started;
  if (exit.code !== 0) throw new Error(`dialer produce ended with ${describeExit(exit)}`);
  return { summary: JSON.parse(stdout) as ImportSummary, maxRssKb: Number(readFileSync(rssFile, 'utf8')), wallMs };
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

// ---- the scenario ----

/** Runs the P1 scenario. */
export const p1Import: Scenario = async (ctx) => {
  const rows = Math.max(10_000, Math.round(ROWS_AT_SCALE_1 * ctx.scale));
  const csv = join(ctx.workDir, 'p1-contacts.csv');
  ctx.log(`P1: generating ${rows.toLocaleString('en-US')} rows`);
  await generateContactsCsv(csv, rows);
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: null });
  try {
    const baselines: BaselineResult[] = [];
    const baseline = async (tag: string) => {
      ctx.log(
        `P1: raw addBulk baseline (${tag}), ${rows.toLocaleString('en-US')} jobs, chunks of ${DEFAULT_CHUNK_SIZE}, ${DEFAULT_MAX_IN_FLIGHT} in flight`,
      );
      const b = await baselineChild(ctx, `bench-p1-base-${tag}`, rows);
      await dropPrefix(redis, `bench-p1-base-${tag}`);
      ctx.log(
        `P1: baseline ${round((b.jobs * 1000) / b.ms).toLocaleString('en-US')} jobs/s, peak RSS ${round(b.maxRssKb / 1024)} MB`,
      );
      baselines.push(b);
    };
    await baseline('before');

    ctx.log('P1: dialer produce');
    const before = await usedMemory(redis);
    const ours = await produceChild(ctx, 'bench-p1', csv);
    const grown = (await usedMemory(redis)) - before;
    const s = ours.summary;
    if (s.rows !== rows || s.accepted !== rows)
      ctx.log(`P1: WARNING: expected ${rows} accepted rows, got ${JSON.stringify(s)}`);
    const rate = (s.rows * 1000) / s.durationMs;
    ctx.log(
      `P1: ${round(rate).toLocaleString('en-US')} rows/s (${round(ours.wallMs / 1000, 1)} s with process start), peak RSS ${round(ours.maxRssKb / 1024)} MB`,
    );
    const perContact = grown / Math.max(1, s.accepted);
    await dropPrefix(redis, 'bench-p1');

    await baseline('after');
    const baseRate = baselines.reduce((sum, b) => sum + (b.jobs * 1000) / b.ms, 0) / baselines.length;
    const rssMb = ours.maxRssKb / 1024;
    const result: ScenarioRow[] = [
      {
        scenario: 'P1 import',
        metric: `rows/s, ${rows.toLocaleString('en-US')}-row CSV (baseline: raw addBulk jobs/s)`,
        value: round(rate),
        baseline: round(baseRate),
        target: '≥ 0.8× baseline',
        pass: rate >= 0.8 * baseRate,
      },
      {
        scenario: 'P1 import',
        metric: 'import / baseline',
        value: round(rate / baseRate, 2),
        target: '≥ 0.8',
        pass: rate >= 0.8 * baseRate,
      },
      {
        scenario: 'P1 import',
        metric: 'peak RSS of dialer produce, MB',
        value: round(rssMb),
        target: '≤ 200 MB',
        pass: rssMb <= 200,
      },
      {
        scenario: 'P1 import',
        metric: 'Redis bytes per pending contact',
        value: round(perContact),
        target: '≤ 1024 B',
        pass: perContact <= 1024,
      },
    ];
    return result;
  } finally {
    redis.disconnect();
    rmSync(csv, { force: true });
  }
};
