import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DialerError, type ContactIdScheme } from '@dialer/core';
import type { ColumnMap } from './columns.js';
import type { PendingContact } from './contact-sinks.js';
import type { FeedCounts, FeedOptions, RowFeed } from './row-feed.js';
import { rebuildFailure, type ThreadFailure } from './thread-error.js';

export type ToWorker =
  { t: 'ids'; scheme: ContactIdScheme; takesUnknownZones: boolean } | { t: 'credit'; n: number } | { t: 'close' };
export type FromWorker =
  | { t: 'open'; columns: ColumnMap }
  | { t: 'chunk'; contacts: PendingContact[]; counts: FeedCounts }
  | { t: 'end'; counts: FeedCounts; rejectsFile?: string }
  | ({ t: 'error' } & ThreadFailure);
type Received = FromWorker | { t: 'exit'; code: number };

const WORKER_URL = new URL('./parse-worker.js', import.meta.url);
/** Chunks the worker may read ahead of the Redis side: enough to keep both busy, few enough to bound memory. */
const READ_AHEAD = 2;
/** The parse thread's garbage dies young; a small heap keeps the process's memory flat. */
const LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };

/**
 * Whether parsing in a second thread pays: only with a core to spare besides the importing thread and the
 * Redis server (on two cores the three just take turns, and the extra thread costs ~40 MB), and only where
 * the compiled worker script exists (tests run the TypeScript sources in-thread).
 */
export function parseWorkerAvailable(): boolean {
  return availableParallelism() > 2 && import.meta.url.endsWith('.js') && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * The CSV side of an import running in a worker thread (parse-worker.ts). The worker reads at most
 * READ_AHEAD chunks ahead: each chunk taken here gives it credit for one more.
 */
export class WorkerRowFeed implements RowFeed {
  private readonly worker: Worker;
  private readonly inbox: Received[] = [];
  private waiting: ((message: Received) => void) | undefined;
  private latest: FeedCounts = { rows: 0, rejected: 0, bytesRead: 0 };
  private rejects: string | undefined;
  private started = false;
  private finished = false;

  constructor(options: FeedOptions) {
    // No inherited node flags: `--input-type`, `-e` or `--import` hooks of the parent make no sense in a worker.
    this.worker = new Worker(WORKER_URL, { workerData: options, resourceLimits: LIMITS, execArgv: [] });
    this.worker.on('message', (m: FromWorker) => this.deliver(m));
    this.worker.on('error', (err) => this.deliver({ t: 'error', message: `CSV parser thread failed: ${err.message}` }));
    this.worker.on('exit', (code) => this.deliver({ t: 'exit', code }));
  }

  private deliver(message: Received): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting(message);
    } else this.inbox.push(message);
  }

  private receive(): Promise<Received> {
    const next = this.inbox.shift();
    return next ? Promise.resolve(next) : new Promise((resolve) => (this.waiting = resolve));
  }

  private fail(message: Received): never {
    this.finished = true;
    if (message.t === 'error') throw rebuildFailure(message, DialerError);
    throw new Error(
      `CSV parser thread stopped unexpectedly (${message.t === 'exit' ? `exit code ${message.code}` : message.t})`,
    );
  }

  async open(): Promise<ColumnMap> {
    const message = await this.receive();
    if (message.t !== 'open') this.fail(message);
    return message.columns;
  }

  useContactIds(scheme: ContactIdScheme, takesUnknownZones: boolean): void {
    // Messages arrive in order: the worker has the scheme before the credit for its first chunk.
    this.worker.postMessage({ t: 'ids', scheme, takesUnknownZones } satisfies ToWorker);
  }

  async nextChunk(): Promise<PendingContact[] | undefined> {
    if (this.finished) return undefined;
    this.worker.postMessage({ t: 'credit', n: this.started ? 1 : READ_AHEAD } satisfies ToWorker);
    this.started = true;
    const message = await this.receive();
    if (message.t === 'chunk') {
      this.latest = message.counts;
      return message.contacts;
    }
    if (message.t === 'end') {
      this.finished = true;
      this.latest = message.counts;
      this.rejects = message.rejectsFile;
      return undefined;
    }
    this.fail(message);
  }

  counts(): FeedCounts {
    return this.latest;
  }

  rejectsFile(): string | undefined {
    // After an early close the worker may have rejected rows beyond the last chunk taken: those are not counted.
    return this.latest.rejected > 0 ? this.rejects : undefined;
  }

  /** Stops the worker early (abort, or a failure on the Redis side) once it has flushed the rejects file. */
  async close(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      this.worker.postMessage({ t: 'close' } satisfies ToWorker);
      for (;;) {
        const message = await this.receive();
        if (message.t === 'end') this.rejects = message.rejectsFile;
        if (message.t === 'end' || message.t === 'error' || message.t === 'exit') break;
      }
    }
    await this.worker.terminate();
  }
}
