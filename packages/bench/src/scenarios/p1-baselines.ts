/**
 * P1's two references, each a child process of its own (this file, forked with P1_IMPORT_ROLE):
 *
 * - `script`, the baseline: what a user would write instead of `dialer produce` — read the same CSV with
 *   csv-parse (`columns: true`, the row as the job's data) and `addBulk` one dial job per row with a
 *   deterministic job id (the only way to re-run an import safely), the same id scheme as `dialer produce`
 *   (attempt 1 of the contact id of the number, with the same job options), the same chunk size and chunks in
 *   flight. No validation, no normalization, no dedupe inside the file, no contact records.
 * - `raw`, a second reference: a plain `addBulk` of as many jobs with random ids, parsing nothing.
 *
 * Both are timed from their queue being ready to their last reply (so the file's reading and parsing count
 * for the script, as they do for ours), and report their peak RSS.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { parse } from 'csv-parse';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DIAL_JOB_NAME, contactIdFor, dialJobOptions } from '@dialer/core';
import { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_IN_FLIGHT } from '@dialer/producer';

export type BaselineKind = 'script' | 'raw';

export interface BaselineResult {
  jobs: number;
  ms: number;
  maxRssKb: number;
}

type Job = { name: string; data: Record<string, unknown>; opts?: ReturnType<typeof dialJobOptions> };

/** Adds chunks of jobs with at most DEFAULT_MAX_IN_FLIGHT `addBulk` calls in flight. */
function chunkedAdder(queue: Queue) {
  const inFlight = new Set<Promise<unknown>>();
  return {
    async add(jobs: Job[]): Promise<void> {
      const p: Promise<unknown> = queue.addBulk(jobs).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= DEFAULT_MAX_IN_FLIGHT) await Promise.race(inFlight);
    },
    done: () => Promise.all(inFlight),
  };
}

/** The user's import script: csv-parse, one job per row with a deterministic id. Returns the jobs added. */
async function userScript(queue: Queue, csv: string): Promise<number> {
  const adder = chunkedAdder(queue);
  const parser = createReadStream(csv).pipe(parse({ columns: true }));
  let chunk: Job[] = [];
  let jobs = 0;
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    const contactId = contactIdFor(row.phone as string);
    chunk.push({ name: DIAL_JOB_NAME, data: row, opts: dialJobOptions(contactId, 1) });
    if (chunk.length >= DEFAULT_CHUNK_SIZE) {
      jobs += chunk.length;
      await adder.add(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    jobs += chunk.length;
    await adder.add(chunk);
  }
  await adder.done();
  return jobs;
}

/** The raw reference: as many plain jobs, random ids, nothing parsed. */
async function rawAddBulk(queue: Queue, count: number): Promise<number> {
  const adder = chunkedAdder(queue);
  for (let start = 0; start < count; start += DEFAULT_CHUNK_SIZE) {
    const jobs: Job[] = [];
    for (let i = start; i < Math.min(count, start + DEFAULT_CHUNK_SIZE); i++)
      jobs.push({ name: 'dial', data: { c: `c${String(i).padStart(15, '0')}`, n: 1 } });
    await adder.add(jobs);
  }
  await adder.done();
  return count;
}

async function runBaseline(kind: BaselineKind): Promise<void> {
  const env = process.env;
  const redis = new Redis(env.REDIS_URL as string, { maxRetriesPerRequest: null });
  const queue = new Queue(kind, { connection: redis, prefix: env.P1_PREFIX });
  await queue.waitUntilReady();
  const started = performance.now();
  const jobs =
    kind === 'script' ? await userScript(queue, env.P1_CSV as string) : await rawAddBulk(queue, Number(env.P1_JOBS));
  const result: BaselineResult = { jobs, ms: performance.now() - started, maxRssKb: process.resourceUsage().maxRSS };
  await queue.close();
  redis.disconnect();
  process.send?.(result, () => process.exit(0));
}

const role = process.env.P1_IMPORT_ROLE;
if ((role === 'script' || role === 'raw') && process.send) {
  void runBaseline(role).catch((err: unknown) => {
    process.stderr.write(`p1 ${role} baseline failed: ${String(err)}\n`);
    process.exit(1);
  });
}

/** Runs one reference in a child process of its own and resolves with its result. */
export function runBaselineChild(
  kind: BaselineKind,
  env: { redisUrl: string; prefix: string; csv: string; jobs: number },
): Promise<BaselineResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: {
      ...process.env,
      REDIS_URL: env.redisUrl,
      P1_PREFIX: env.prefix,
      P1_CSV: env.csv,
      P1_JOBS: String(env.jobs),
      P1_IMPORT_ROLE: kind,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: BaselineResult) => resolve(m));
    child.once('exit', (code) => reject(new Error(`${kind} baseline exited (${code}) without a result`)));
  });
}
