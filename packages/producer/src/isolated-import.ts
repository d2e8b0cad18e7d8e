import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DialerConfig } from '@dialer/core';
import type { ImportDeps, ImportOptions, ImportProgress, ImportSummary } from './import-types.js';
import { scanFile, type FileScan } from './file-scan.js';
import { rebuildFailure, threadFailure, type ThreadFailure } from './thread-error.js';

/** What the import thread is given to start: its options and environment (see runImportIsolated). */
export interface ImportThreadData {
  options: Omit<ImportOptions, 'signal' | 'onProgress'>;
  config?: DialerConfig;
  logLevel?: string;
  log?: boolean;
}

export type ToImportWorker =
  | { t: 'start'; data: ImportThreadData }
  | { t: 'abort' }
  /** The whole-file check, run by the calling thread while the import thread starts. */
  | { t: 'scan'; scan: FileScan }
  | { t: 'scan-failed'; failure: ThreadFailure };
export type FromImportWorker =
  | { t: 'progress'; progress: ImportProgress }
  | { t: 'done'; summary: ImportSummary }
  | ({ t: 'error'; stack?: string } & ThreadFailure);

const WORKER_URL = new URL('./import-worker.js', import.meta.url);

/**
 * V8 lets an idle-looking heap grow to several times its live size before collecting it, so an unbounded
 * import heap ends far above what it needs. A worker thread is the one place Node lets a process cap a heap:
 * the import's old generation holds 26-43 MB (modules and numbering data, then the chunks in flight that
 * outlived a young collection); the cap bounds it (48 MB runs out of memory). The young generation holds the
 * chunks in flight. While every job was its own BullMQ command (~13 KB allocated per row) a 32 MB young
 * generation saved ~10 % of the CPU; since jobs are added by one script per chunk (add-jobs.lua) the size
 * makes no difference (1M rows: 14.8 s user CPU with 16 or 32 MB) and 16 MB keeps the peak RSS at 140 MB
 * instead of 167.
 */
const IMPORT_HEAP_LIMITS = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16 };

export interface IsolatedImportEnv {
  /**
   * The configuration. When absent it is loaded from process.env (role `producer`) by the import thread, so
   * the calling thread never loads @dialer/core (~40 MB of RSS per thread that loads it).
   */
  config?: DialerConfig;
  /** pino level for the import's log lines (on stderr); no logging when absent (unless `log`). */
  logLevel?: string;
  /** Log at the configuration's LOG_LEVEL (when no `logLevel` is given). */
  log?: boolean;
}

/**
 * Imports a CSV file into a campaign (see run-import.ts). Loads @dialer/core and the Redis side on first use,
 * so that loading the package (the CLI does, to start the import thread) does not.
 */
export async function runImport(options: ImportOptions, deps: ImportDeps): Promise<ImportSummary> {
  const imported = await import('./run-import.js');
  return imported.runImport(options, deps);
}

function importThreadAvailable(): boolean {
  return import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
}

function startImportThread(): Worker {
  return new Worker(WORKER_URL, {
    resourceLimits: IMPORT_HEAP_LIMITS,
    // No inherited node flags: `--input-type`, `-e` or `--import` hooks of the parent make no sense in a worker.
    execArgv: [],
  });
}

let prestarted: Worker | undefined;

/**
 * Starts the import thread before its options are known: it loads its modules (@dialer/core, BullMQ… ~0.5 s)
 * while the caller still loads and parses its command line, and runImportIsolated hands it the import then.
 * Unused, it keeps nothing alive (unref) and ends with the process.
 */
export function prestartImportThread(): void {
  if (prestarted || !importThreadAvailable()) return;
  prestarted = startImportThread();
  prestarted.unref();
  // An unused thread's failure (it never got its options) is not an import's failure.
  prestarted.on('error', () => undefined);
}

function takePrestarted(): Worker | undefined {
  const worker = prestarted;
  prestarted = undefined;
  return worker;
}

/**
 * Runs `runImport` in a worker thread of bounded heap with a Redis connection of its own (what the CLI
 * uses: memory stays flat whatever the file size). `signal` and `onProgress` work across the thread
 * boundary. Falls back to the calling thread when the compiled worker script is not there (tests).
 */
export async function runImportIsolated(options: ImportOptions, env: IsolatedImportEnv): Promise<ImportSummary> {
  if (!importThreadAvailable()) return runInThread(options, env);
  const { signal, onProgress, ...plain } = options;
  const worker = takePrestarted() ?? startImportThread();
  worker.ref();
  worker.postMessage({
    t: 'start',
    data: { options: plain, config: env.config, logLevel: env.logLevel, log: env.log },
  } satisfies ToImportWorker);
  // The whole-file check runs here while the import thread loads its modules (~0.5 s of a second's start):
  // the import waits for its answer at the same point as before, before anything is written, and its first
  // contacts (with the campaign's first dial-out) come that much sooner.
  const scanning = new AbortController();
  void scanFile(plain.file, scanning.signal).then(
    (scan) => worker.postMessage({ t: 'scan', scan } satisfies ToImportWorker),
    (err: unknown) => worker.postMessage({ t: 'scan-failed', failure: threadFailure(err) } satisfies ToImportWorker),
  );
  const onAbort = () => worker.postMessage({ t: 'abort' } satisfies ToImportWorker);
  signal?.addEventListener('abort', onAbort, { once: true });
  let outcome: Exclude<FromImportWorker, { t: 'progress' }>;
  try {
    outcome = await new Promise((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: FromImportWorker) => {
        if (m.t === 'progress') onProgress?.(m.progress);
        else {
          settled = true;
          resolve(m);
        }
      });
      worker.on('error', (err) => {
        settled = true;
        reject(err);
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`the import thread stopped unexpectedly (exit code ${code})`));
      });
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // An import that ended before the check did (a failure, an interruption) no longer waits for it.
    scanning.abort();
    await worker.terminate();
  }
  if (outcome.t === 'done') return outcome.summary;
  // Only on a coded failure does this thread load @dialer/core (for the one error type callers check).
  const err = rebuildFailure(outcome, outcome.code ? (await import('@dialer/core')).DialerError : undefined);
  if (!outcome.code && outcome.stack) err.stack = outcome.stack;
  throw err;
}

async function runInThread(options: ImportOptions, env: IsolatedImportEnv): Promise<ImportSummary> {
  const { createKeys, createLogger, createRedis, loadConfig } = await import('@dialer/core');
  const config = env.config ?? loadConfig(process.env, 'producer');
  const redis = createRedis(config.redisUrl, 'blocking', 'dialer-produce');
  redis.on('error', () => undefined);
  const level = env.logLevel ?? (env.log ? config.logLevel : undefined);
  const logger = level ? createLogger({ level, name: 'produce', destination: process.stderr }) : undefined;
  try {
    return await runImport(options, { redis, keys: createKeys(config.keyPrefix), config, logger });
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}
