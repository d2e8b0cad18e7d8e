/**
 * P1 import: `dialer produce` of a generated CSV (1M rows × scale) beside a baseline measured in the same run:
 * the import script a user would write instead (p1-baselines.ts: csv-parse of the same file, `addBulk` of one
 * job per row with the same deterministic job ids as ours, same chunk size, same chunks in flight; no
 * validation, no dedupe, no contact records). A raw `addBulk` of as many plain jobs (random ids, nothing parsed)
 * is a second reference line. Each side runs in a child process of its own; ours is the real CLI, and its
 * peak RSS (all threads) is read from `process.resourceUsage().maxRSS` by a tiny `--import` hook. The script
 * runs before and after ours and their mean is the reference, so a load change on a shared machine during the
 * run hits both sides alike (the raw reference runs once, last). Neither rate counts process start and module
 * loading: the references are timed from their queue being ready to their last reply (the script's CSV
 * reading and parsing included); ours is the import's own `durationMs`, from the start of `runImport` (file
 * check, Redis connection, campaign creation included) to its last write. Redis bytes per pending contact =
 * growth of INFO `used_memory` during our import / contacts imported (contact records + dial jobs + queue
 * structures).
 *
 * Then the same import once more with `dialer worker` processes dialing at 100/s (p1-dial.ts): the time from
 * spawning `dialer produce` to the first dial-out (≤ 1 s: dialing does not wait for the import) and the
 * dial-out rate while the import runs (≥ 95 % of the rate).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describeExit, runDialer } from '@dialer/cli';
import { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_IN_FLIGHT, type ImportSummary } from '@dialer/producer';
import type { BenchContext, Scenario, ScenarioRow } from '../scenario.js';
import { csvNumber, generateContactsCsv } from './contacts-csv.js';
import { runBaselineChild, type BaselineKind, type BaselineResult } from './p1-baselines.js';
import { DIAL_RATE, dialDuringImport } from './p1-dial.js';

const ROWS_AT_SCALE_1 = 1_000_000;

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
  const perSecond = (b: BaselineResult) => (b.jobs * 1000) / b.ms;
  const reference = async (kind: BaselineKind, tag: string) => {
    const what = kind === 'script' ? 'user script (csv-parse + addBulk, deterministic ids)' : 'raw addBulk';
    ctx.log(
      `P1: ${what} (${tag}), ${rows.toLocaleString('en-US')} rows, chunks of ${DEFAULT_CHUNK_SIZE}, ${DEFAULT_MAX_IN_FLIGHT} in flight`,
    );
    const prefix = `bench-p1-${kind}-${tag}`;
    const b = await runBaselineChild(kind, { redisUrl: ctx.redisUrl, prefix, csv, jobs: rows });
    await dropPrefix(redis, prefix);
    if (b.jobs !== rows) ctx.log(`P1: WARNING: ${what} added ${b.jobs} jobs for ${rows} rows`);
    ctx.log(
      `P1: ${what}: ${round(perSecond(b)).toLocaleString('en-US')} jobs/s, peak RSS ${round(b.maxRssKb / 1024)} MB`,
    );
    return b;
  };
  try {
    const scripts = [await reference('script', 'before')];

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

    scripts.push(await reference('script', 'after'));
    const raw = await reference('raw', 'once');
    const scriptRate = scripts.reduce((sum, b) => sum + perSecond(b), 0) / scripts.length;
    const rawRate = perSecond(raw);
    const rssMb = ours.maxRssKb / 1024;

    const dial = await dialDuringImport(ctx, csv, csvNumber(0));
    const dialShare = dial.rateDuringImport / DIAL_RATE;
    const row = (metric: string, value: number, target: string, pass: boolean, baseline?: number): ScenarioRow => ({
      scenario: 'P1 import',
      metric,
      value,
      baseline,
      target,
      pass,
    });
    return [
      row(
        `rows/s, ${rows.toLocaleString('en-US')}-row CSV (baseline: a user's script, csv-parse + addBulk with deterministic ids)`,
        round(rate),
        '≥ 0.9× baseline',
        rate >= 0.9 * scriptRate,
        round(scriptRate),
      ),
      row('import / user script', round(rate / scriptRate, 2), '≥ 0.9', rate >= 0.9 * scriptRate),
      row(
        'rows/s beside a raw addBulk (random ids, nothing parsed): reference',
        round(rate),
        'reported',
        true,
        round(rawRate),
      ),
      row('peak RSS of dialer produce, MB', round(rssMb), '≤ 200 MB', rssMb <= 200),
      row('Redis bytes per pending contact', round(perContact), '≤ 1024 B', perContact <= 1024),
      row(
        `time to first dial-out, from spawning dialer produce, workers dialing at ${DIAL_RATE}/s (s)`,
        round(dial.firstDialMs / 1000, 2),
        '≤ 1 s',
        dial.firstDialMs <= 1000,
      ),
      row(
        'time to first dial-out, slowest of 3 starts (s)',
        round(dial.slowestFirstDialMs / 1000, 2),
        'reported',
        true,
      ),
      row(`dial-outs/s during the import ÷ rate (%)`, round(dialShare * 100, 1), '≥ 95 %', dialShare >= 0.95),
    ];
  } finally {
    redis.disconnect();
    rmSync(csv, { force: true });
  }
};
