import type { FastifyInstance } from 'fastify';
import {
  CampaignQueues,
  CampaignStore,
  Limits,
  createKeys,
  createRedis,
  type DialerConfig,
  type Logger,
  type RedisClient,
} from '@dialer/core';
import { buildMetricsApp, listenMetricsApp } from '@dialer/core/metrics-app';
import { AttemptEnder } from './attempt-ender.js';
import { CampaignSettingsCache } from './campaign-settings-cache.js';
import { buildIngesterApp } from './ingester-app.js';
import { IngesterMetrics } from './ingester-metrics.js';
import { LostWatchdog } from './lost-watchdog.js';
import { Reconciler } from './reconciler.js';
import { NotificationProcessor } from './notification-processor.js';
import { NotifyBacklog } from './notify-backlog.js';
import { NotifyHandoff, type NotifyHandoffOptions } from './notify-handoff.js';
import { buildResultsService, type ResultsService } from './results-service.js';

export interface IngesterDeps {
  config: DialerConfig;
  logger: Logger;
  /** Serve `POST /notify/:token`. @defaultValue true */
  webhook?: boolean;
  /** Run the notification processor and the lost-notification watchdog. @defaultValue true */
  processor?: boolean;
  /**
   * Deliver campaigns' results to their webhooks (the outbox mover and the deliverer). @defaultValue the value of
   * `processor` (a process that applies notifications delivers their results)
   */
  results?: boolean;
  /** Notifications applied at once by this process. @defaultValue 50 */
  processorConcurrency?: number;
  handoff?: NotifyHandoffOptions;
  /** Also export the process metrics (CPU, memory, event loop). @defaultValue false */
  defaultMetrics?: boolean;
  /** Clock of token expiry, processing and the watchdog (tests). @defaultValue Date.now */
  now?: () => number;
  /** Refused notify tokens are logged at most once per this interval (tests). @defaultValue 60000 */
  refusedLogIntervalMs?: number;
}

export interface Ingester {
  /** The webhook app: `/notify/:token`, `/healthz`, `/readyz` (not listening: the caller listens). */
  app: FastifyInstance;
  /** `/metrics` and `/healthz`, off the webhook port (listening after `listenMetrics()`). */
  metricsApp: FastifyInstance;
  /** Listens on METRICS_HOST:INGESTER_METRICS_PORT; resolves with the address (the bound port when 0). */
  listenMetrics(): Promise<string>;
  metrics: IngesterMetrics;
  handoff?: NotifyHandoff;
  processor?: NotificationProcessor;
  watchdog?: LostWatchdog;
  results?: ResultsService;
  /** Waits (bounded) for the webhook's Redis connection, then starts the processor and the watchdog (when enabled). */
  start(): Promise<void>;
  /** Stops taking requests, stores what was accepted, then stops processing and closes connections. */
  close(): Promise<void>;
}

interface ProcessingSide {
  redis: RedisClient;
  queues: CampaignQueues;
  processor: NotificationProcessor;
  watchdog: LostWatchdog;
  backlog: NotifyBacklog;
}

function buildProcessingSide(deps: IngesterDeps, metrics: IngesterMetrics): ProcessingSide {
  const { config, logger } = deps;
  const keys = createKeys(config.keyPrefix);
  // Processing may wait out a Redis outage (BullMQ retries), so it uses a connection that never gives up.
  const redis = createRedis(config.redisUrl, 'blocking', 'ingester-processor');
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error (processor)'));
  const store = new CampaignStore(redis, keys);
  const queues = new CampaignQueues(redis, keys);
  const ender = new AttemptEnder({
    store,
    limits: new Limits(redis, keys),
    queues,
    settings: new CampaignSettingsCache(store),
    metrics,
    logger,
  });
  const processor = new NotificationProcessor({
    store,
    ender,
    metrics,
    logger,
    keys,
    connection: redis,
    concurrency: deps.processorConcurrency,
    now: deps.now,
    // WORKER_LOCK_MS: the same BullMQ lock as the dial workers' (how soon a killed process's jobs come back).
    lockDurationMs: config.workerLockMs,
  });
  const backlog = new NotifyBacklog(redis, keys);
  const watchdog = new LostWatchdog({
    store,
    ender,
    metrics,
    logger,
    intervalMs: config.watchdogIntervalMs,
    lostAfterMs: config.lostAfterMs,
    now: deps.now,
    backlog: () => backlog.oldest(),
    reconciler: new Reconciler({
      store,
      queues,
      metrics,
      logger,
      lostAfterMs: config.lostAfterMs,
      graceMs: config.reconcileGraceMs,
    }),
  });
  return { redis, queues, processor, watchdog, backlog };
}

const STARTUP_REDIS_WAIT_MS = 10_000;

/** Resolves when the connection is ready, or after `timeoutMs` whatever its state. */
function untilConnected(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** QUIT when connected (a clean close), else stop reconnecting at once. */
async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through: the connection broke while closing
    }
  }
  redis.disconnect();
}

/**
 * The ingester: the webhook (fail-fast hand-off into the `{notify}` queue), the notification processor
 * and the lost-notification watchdog, in one process by default. `webhook: false` / `processor: false`
 * split them so the HTTP side and the processing side scale separately.
 */
export function buildIngester(deps: IngesterDeps): Ingester {
  const { config, logger } = deps;
  const webhook = deps.webhook ?? true;
  const metrics = new IngesterMetrics({ defaultMetrics: deps.defaultMetrics });
  const side = (deps.processor ?? true) ? buildProcessingSide(deps, metrics) : undefined;
  const results =
    (deps.results ?? deps.processor ?? true) ? buildResultsService(config, logger, metrics.registry) : undefined;
  let requestRedis: RedisClient | undefined;
  let handoff: NotifyHandoff | undefined;
  if (webhook) {
    requestRedis = createRedis(config.redisUrl, 'request', 'ingester-webhook');
    requestRedis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error (webhook)'));
    handoff = new NotifyHandoff(requestRedis, createKeys(config.keyPrefix), deps.handoff);
  }
  const probe = requestRedis ?? side?.redis ?? createRedis(config.redisUrl, 'request', 'ingester-probe');
  const app = buildIngesterApp({
    config,
    logger,
    metrics,
    redis: probe,
    handoff,
    now: deps.now,
    refusedLogIntervalMs: deps.refusedLogIntervalMs,
  });
  // The webhook port is reachable from the internet (SAVG posts to it): the scrape gets a port of its own.
  const metricsApp = buildMetricsApp(metrics.registry, () => ({ ok: true }));
  let closing: Promise<void> | undefined;

  return {
    app,
    metricsApp,
    listenMetrics: () =>
      listenMetricsApp(metricsApp, config.metrics.host, config.metrics.ingesterPort, 'INGESTER_METRICS_PORT'),
    metrics,
    handoff,
    processor: side?.processor,
    watchdog: side?.watchdog,
    results,
    async start() {
      // Announce readiness only once the hand-off can store notifications: answering SAVG 503 right after a
      // (re)start would drop notifications SAVG does not retry. Bounded, so a Redis that is down at start-up
      // still gives a running ingester (503 + /readyz false) that recovers by itself.
      if (requestRedis) await untilConnected(requestRedis, STARTUP_REDIS_WAIT_MS);
      side?.processor.start();
      side?.watchdog.start();
      results?.start();
    },
    close() {
      // Once: a second call (a test's afterAll, a second SIGTERM) waits for the first. Closing the connections
      // again would disconnect() ended ones, arming ioredis's 2 s timer that holds the process open.
      closing ??= (async () => {
        await app.close();
        await metricsApp.close();
        await handoff?.close();
        await side?.watchdog.stop();
        await results?.close();
        await side?.processor.close();
        await side?.backlog.close();
        await side?.queues.close();
        await Promise.all(
          [...new Set([probe, requestRedis, side?.redis])].flatMap((redis) => (redis ? [closeRedis(redis)] : [])),
        );
      })();
      return closing;
    },
  };
}
