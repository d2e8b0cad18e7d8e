/**
 * The results webhook's side of a process: the outbox mover and the deliverer, on a connection of their own
 * (they may wait out a Redis outage; a slow receiver holds nothing the notifications need). The ingester runs it
 * by default; `dialer results deliver` runs it alone.
 */
import { Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import { CampaignStore, createKeys, createRedis, openResultsQueue, type DialerConfig, type Logger } from '@dialer/core';
import { ResultsDeliverer } from './results-deliverer.js';
import { ResultsMetrics } from './results-metrics.js';
import { ResultsMover } from './results-mover.js';

export interface ResultsService {
  mover: ResultsMover;
  deliverer: ResultsDeliverer;
  queue: Queue;
  /** Where its metrics are (the ingester's registry, or one of its own). */
  registry: Registry;
  start(): void;
  close(): Promise<void>;
}

export function buildResultsService(
  config: DialerConfig,
  logger: Logger,
  registry: Registry = new Registry(),
): ResultsService {
  const keys = createKeys(config.keyPrefix);
  const redis = createRedis(config.redisUrl, 'blocking', 'results');
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error (results)'));
  const metrics = new ResultsMetrics(registry);
  const queue = openResultsQueue(redis, keys);
  const mover = new ResultsMover({ redis, keys, queue, config: config.results, metrics, logger });
  const deliverer = new ResultsDeliverer({
    store: new CampaignStore(redis, keys),
    keys,
    connection: redis,
    config: config.results,
    // WORKER_LOCK_MS, as for the dial and notification jobs: how soon a killed process's deliveries come back.
    lockDurationMs: config.workerLockMs,
    metrics,
    logger,
  });
  return {
    mover,
    deliverer,
    queue,
    registry,
    start() {
      mover.start();
      deliverer.start();
    },
    async close() {
      await mover.stop();
      await deliverer.close();
      await queue.close();
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}
