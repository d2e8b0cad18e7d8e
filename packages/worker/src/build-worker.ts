import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { FastifyInstance } from 'fastify';
import {
  CampaignQueues,
  CampaignStore,
  ContactCaps,
  DialerError,
  LocaleStore,
  Limits,
  AdmitClaim,
  deploymentContactIdKey,
  hmacContactIds,
  SavgAuthToken,
  createKeys,
  createLogger,
  createRedis,
  type DialerConfig,
  type Logger,
  type RedisClient,
} from '@dialer/core';
import { buildMetricsApp, listenMetricsApp } from '@dialer/core/metrics-app';
import { CampaignCache } from './campaign-cache.js';
import { CampaignSupervisor } from './campaign-supervisor.js';
import type { DialContext } from './dial-context.js';
import { DialProcessor } from './dial-processor.js';
import { SavgClient } from './savg-client.js';
import { Semaphore } from './semaphore.js';
import { WorkerMetrics } from './worker-metrics.js';

export interface WorkerDeps {
  config: DialerConfig;
  /** @defaultValue a pino logger at `config.logLevel` */
  logger?: Logger;
  /** Calendar clock for dial-time rules (startAt/endAt, windows); pacing and leases use real time. @defaultValue Date.now */
  now?: () => number;
  /** Overrides `config.savg.baseUrl` (tests point at a simulator or a closed port). */
  savgBaseUrl?: string;
  /** Periodic campaign re-scan (a safety net: events and queue markers drive the work). @defaultValue 60000 */
  rescanIntervalMs?: number;
  /** BullMQ job lock; a crashed process's jobs come back after about twice this. @defaultValue config.workerLockMs */
  lockDurationMs?: number;
  /** Serve `/metrics` and `/healthz` on `config.metrics.host`/`workerPort`. @defaultValue true */
  metricsServer?: boolean;
  /** Export process metrics (CPU, memory, event loop) too. @defaultValue true */
  defaultMetrics?: boolean;
  random?: () => number;
}

export interface WorkerService {
  /** The metrics/health app (listening after `start()` unless `metricsServer: false`). */
  app: FastifyInstance;
  metrics: WorkerMetrics;
  /** `http://host:port` of `/metrics` once started (the bound port when `WORKER_METRICS_PORT=0`). */
  readonly metricsAddress: string | undefined;
  /** Campaign ids this process works on right now. */
  campaignIds(): string[];
  /** Finds campaigns again now instead of at the next interval. */
  rescan(): Promise<void>;
  start(): Promise<void>;
  /** Stops taking jobs, lets in-flight dial-outs finish, puts waiting jobs back, closes connections. */
  close(): Promise<void>;
}

function requireWorkerSettings(config: DialerConfig, baseUrl: string | undefined): void {
  const missing: string[] = [];
  if (!baseUrl) missing.push('SAVG_BASE_URL');
  if (!config.savg.botId) missing.push('SAVG_BOT_ID');
  if (!config.savg.clientId) missing.push('SAVG_CLIENT_ID');
  if (!config.savg.clientSecret) missing.push('SAVG_CLIENT_SECRET');
  if (!config.notify.baseUrl) missing.push('NOTIFY_BASE_URL');
  if (!config.notify.tokenSecret) missing.push('NOTIFY_TOKEN_SECRET');
  if (missing.length > 0) {
    throw new DialerError(
      'DIALER_ERR_CONFIG',
      `Invalid configuration: ${missing.map((k) => `${k} is required for the worker`).join('; ')}`,
      { problems: missing },
    );
  }
}

/**
 * Our own commands (records, limits, do-not-call checks) come from many jobs at once: with ioredis's
 * auto-pipelining, those issued in the same tick leave in one write, which cuts the syscalls per dial-out. Core's createRedis has no option for it, so it is switched on here, on a connection of our own;
 * BullMQ keeps its connection as it expects it.
 */
function withAutoPipelining(client: RedisClient): RedisClient {
  // Not on Redis Cluster: there ioredis groups a tick's commands by the nodes serving their slots, and when the
  // slot map changes meanwhile (a new or resharding cluster) the whole group fails ("All keys in the pipeline
  // should belong to the same slots allocation group"); a dial job failing after its claim is left uncertain.
  if (client.isCluster) return client;
  (client.options as { enableAutoPipelining?: boolean }).enableAutoPipelining = true;
  return client;
}

/**
 * A dial worker process: any number of them, on any hosts, share every campaign's work through Redis.
 * Holds no state of its own beyond caches; `close()` is graceful (SIGTERM).
 */
export function buildWorker(deps: WorkerDeps): WorkerService {
  const { config } = deps;
  const baseUrl = (deps.savgBaseUrl ?? config.savg.baseUrl)?.replace(/\/+$/, '');
  requireWorkerSettings(config, baseUrl);
  const logger = deps.logger ?? createLogger({ level: config.logLevel, name: 'worker' });
  const keys = createKeys(config.keyPrefix);
  const redis = createRedis(config.redisUrl, 'blocking', 'worker');
  const subscriber = createRedis(config.redisUrl, 'blocking', 'worker-events');
  const cmd = withAutoPipelining(createRedis(config.redisUrl, 'blocking', 'worker-cmd'));
  // Every campaign queue shares `redis`; this one blocks on their markers (Redis Cluster: they are polled on
  // `redis` instead, see marker-watch.ts). So a process holds these four connections, whatever the campaigns.
  const markers = redis.isCluster ? redis : createRedis(config.redisUrl, 'blocking', 'worker-markers');
  for (const [conn, name] of [
    [redis, 'bullmq'],
    [cmd, 'commands'],
    [subscriber, 'events'],
    ...(markers === redis ? [] : ([[markers, 'markers']] as const)),
  ] as const) {
    conn.on('error', (err: Error) => logger.warn({ error: err.message, connection: name }, 'redis connection error'));
  }
  const store = new CampaignStore(cmd, keys);
  const metrics = new WorkerMetrics({ defaultMetrics: deps.defaultMetrics ?? true });
  const abort = new AbortController();
  // Every waiting job listens on it (permit, paced instant): far more than EventTarget's warning threshold.
  setMaxListeners(0, abort.signal);
  const auth = new SavgAuthToken({
    clientId: config.savg.clientId as string,
    clientSecret: config.savg.clientSecret as string,
  });
  const savg = new SavgClient({
    baseUrl: baseUrl as string,
    auth,
    timeoutMs: config.savg.timeoutMs,
    maxSockets: config.pacing.workerConcurrency * 2,
  });
  // A number's dial-out log is keyed by a keyed hash of it (the deployment's contact id key, read at start).
  let numberKey: ((number: string) => string) | undefined;
  const caps = new ContactCaps(cmd, keys, config.contactCaps, (number) => {
    if (!numberKey) throw new Error('contact caps used before the worker started');
    return numberKey(number);
  });
  const ctx: DialContext = {
    config,
    redis: cmd,
    bullmq: redis,
    keys,
    store,
    logger,
    metrics,
    savg,
    limits: new Limits(cmd, keys),
    admitClaim: cmd.isCluster ? undefined : new AdmitClaim(cmd, keys, store.attempts),
    caps,
    locales: new LocaleStore(cmd, keys),
    queues: new CampaignQueues(redis, keys),
    campaigns: new CampaignCache(store),
    semaphore: new Semaphore(config.pacing.workerConcurrency),
    now: deps.now ?? Date.now,
    signal: abort.signal,
    random: deps.random,
  };
  const supervisor = new CampaignSupervisor({
    ctx,
    processor: new DialProcessor(ctx),
    subscriber,
    markers,
    wakeKey: keys.workerWake(randomUUID()),
    rescanIntervalMs: deps.rescanIntervalMs,
    lockDurationMs: deps.lockDurationMs ?? config.workerLockMs,
  });
  let started = false;
  let closing: Promise<void> | undefined;
  let metricsAddress: string | undefined;
  const app = buildMetricsApp(metrics.registry, () => ({
    ok: started && !closing && redis.status === 'ready',
    redis: redis.status,
    campaigns: supervisor.campaignIds().length,
  }));

  async function close(): Promise<void> {
    abort.abort();
    await supervisor.close();
    await ctx.queues.close();
    savg.close();
    await app.close();
    if (markers !== redis) markers.disconnect();
    await supervisor.stopped();
    subscriber.disconnect();
    cmd.disconnect();
    redis.disconnect();
    logger.info('worker stopped');
  }

  return {
    app,
    metrics,
    get metricsAddress() {
      return metricsAddress;
    },
    campaignIds: () => supervisor.campaignIds(),
    rescan: () => supervisor.rescan(),
    async start() {
      // Sign the SAVG JWT up front: the first paced dial-outs should not leave late because of it.
      await auth.get();
      if (caps.enabled) {
        const secret = await deploymentContactIdKey(cmd, keys, config, true);
        if (secret) numberKey = hmacContactIds(secret);
      }
      if (deps.metricsServer ?? true)
        metricsAddress = await listenMetricsApp(
          app,
          config.metrics.host,
          config.metrics.workerPort,
          'WORKER_METRICS_PORT',
        );
      await supervisor.start();
      started = true;
      logger.info({ metrics: metricsAddress, concurrency: config.pacing.workerConcurrency }, 'worker started');
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}
