// Worker-thread entry of runImportIsolated (isolated-import.ts): one whole import with its own Redis
// connection, inside a heap of bounded size.
import { parentPort } from 'node:worker_threads';
import { DialerError, createKeys, createLogger, createRedis, loadConfig } from '@dialer/core';
import { runImport } from './run-import.js';
import type { FromImportWorker, ImportThreadData, ToImportWorker } from './isolated-import.js';
import { rebuildFailure, threadFailure } from './thread-error.js';
import type { FileScan } from './file-scan.js';

const port = parentPort;
if (!port) throw new Error('import-worker.js runs as a worker thread only');

const abort = new AbortController();
const post = (message: FromImportWorker) => port.postMessage(message);
// The whole-file check comes from the calling thread (see runImportIsolated).
let scanned!: { resolve: (scan: FileScan) => void; reject: (err: Error) => void };
const fileScan = new Promise<FileScan>((resolve, reject) => (scanned = { resolve, reject }));
fileScan.catch(() => undefined); // read by runImport; a failure before it reads it must not go unhandled
// The import's options come in a message: the thread may be started before they are known (prestartImportThread).
let started!: (data: ImportThreadData) => void;
const threadData = new Promise<ImportThreadData>((resolve) => (started = resolve));
port.on('message', (message: ToImportWorker) => {
  if (message.t === 'start') started(message.data);
  else if (message.t === 'abort') abort.abort();
  else if (message.t === 'scan') scanned.resolve(message.scan);
  else if (message.t === 'scan-failed') scanned.reject(rebuildFailure(message.failure, DialerError));
});

async function main(): Promise<void> {
  const data = await threadData;
  const { options } = data;
  const config = data.config ?? loadConfig(process.env, 'producer');
  const logLevel = data.logLevel ?? (data.log ? config.logLevel : undefined);
  const redis = createRedis(config.redisUrl, 'blocking', 'dialer-produce');
  redis.on('error', () => undefined); // an unreachable Redis is reported by runImport as DIALER_ERR_REDIS
  const logger = logLevel ? createLogger({ level: logLevel, name: 'produce', destination: process.stderr }) : undefined;
  try {
    const summary = await runImport(
      { ...options, signal: abort.signal, onProgress: (p) => post({ t: 'progress', progress: p }) },
      { redis, keys: createKeys(config.keyPrefix), config, logger, fileScan },
    );
    post({ t: 'done', summary });
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}

main()
  .catch((err: unknown) => {
    post({ t: 'error', ...threadFailure(err), stack: err instanceof Error ? err.stack : undefined });
  })
  .finally(() => port.close());
