// Worker-thread entry of runImportIsolated (isolated-import.ts): one whole import with its own Redis
// connection, inside a heap of bounded size.
import { parentPort, workerData } from 'node:worker_threads';
import { createKeys, createLogger, createRedis, isDialerError, loadConfig, type DialerConfig } from '@dialer/core';
import { runImport } from './run-import.js';
import type { ImportOptions } from './import-types.js';
import type { FromImportWorker, ToImportWorker } from './isolated-import.js';
import { causeMessages } from './thread-error.js';

const port = parentPort;
if (!port) throw new Error('import-worker.js runs as a worker thread only');

const data = workerData as { options: ImportOptions; config?: DialerConfig; logLevel?: string; log?: boolean };
const { options } = data;
const abort = new AbortController();
const post = (message: FromImportWorker) => port.postMessage(message);
port.on('message', (message: ToImportWorker) => {
  if (message.t === 'abort') abort.abort();
});

async function main(): Promise<void> {
  const config = data.config ?? loadConfig(process.env, 'producer');
  const logLevel = data.logLevel ?? (data.log ? config.logLevel : undefined);
  const redis = createRedis(config.redisUrl, 'blocking', 'dialer-produce');
  redis.on('error', () => undefined); // an unreachable Redis is reported by runImport as DIALER_ERR_REDIS
  const logger = logLevel ? createLogger({ level: logLevel, name: 'produce', destination: process.stderr }) : undefined;
  try {
    const summary = await runImport(
      { ...options, signal: abort.signal, onProgress: (p) => post({ t: 'progress', progress: p }) },
      { redis, keys: createKeys(config.keyPrefix), config, logger },
    );
    post({ t: 'done', summary });
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}

main()
  .catch((err: unknown) => {
    post({
      t: 'error',
      code: isDialerError(err) ? err.code : undefined,
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
      details: isDialerError(err) ? err.details : undefined,
      causes: causeMessages(err),
    });
  })
  .finally(() => port.close());
