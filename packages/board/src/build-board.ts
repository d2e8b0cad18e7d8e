import Fastify, { type FastifyInstance } from 'fastify';
import fastifyBasicAuth from '@fastify/basic-auth';
import { createBullBoard } from '@bull-board/api';
import { FastifyAdapter } from '@bull-board/fastify';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  Limits,
  createKeys,
  createLogger,
  createRedis,
  type DialerConfig,
  type Logger,
  type RedisClient,
} from '@dialer/core';
import { boardAccess, credentialsMatch, type BoardCredentials } from './board-auth.js';
import { addSecurityHeaders } from './board-headers.js';
import { campaignHooks } from './board-hooks.js';
import { BoardMetrics } from './board-metrics.js';
import { BoardQueues } from './board-queues.js';

export interface BoardDeps {
  config: DialerConfig;
  /** @defaultValue a pino logger at `config.logLevel` */
  logger?: Logger;
  /** Periodic campaign re-scan (new campaigns also appear at once through the events channel). @defaultValue 5000 */
  rescanIntervalMs?: number;
  /** Export process metrics (CPU, memory, event loop) too. @defaultValue false */
  defaultMetrics?: boolean;
}

export interface Board {
  /** The HTTP app (not listening: the caller listens; campaign discovery starts when it is ready). */
  app: FastifyInstance;
  /** Campaign ids whose queues the board shows right now. */
  campaignIds(): string[];
  /** Looks for new campaigns now instead of at the next interval. */
  refresh(): Promise<void>;
  /** Closes the app, discovery and the Redis connections. */
  close(): Promise<void>;
}

const REALM = 'dialer board';

/**
 * Bull Board for every campaign queue and the internal notification queue, behind HTTP basic auth
 * (BOARD_USER/BOARD_PASSWORD; open only when BOARD_OPEN=true on a loopback BOARD_HOST). `/healthz` is
 * public; `/metrics` and the board need the credentials.
 */
export function buildBoard(deps: BoardDeps): Board {
  const { config } = deps;
  const credentials = boardAccess(config);
  const logger = deps.logger ?? createLogger({ level: config.logLevel, name: 'board' });
  const keys = createKeys(config.keyPrefix);
  const redis = createRedis(config.redisUrl, 'blocking', 'board');
  const subscriber = createRedis(config.redisUrl, 'blocking', 'board-events');
  for (const [conn, name] of [
    [redis, 'main'],
    [subscriber, 'events'],
  ] as const) {
    conn.on('error', (err: Error) => logger.warn({ err: err.message, connection: name }, 'redis connection error'));
  }
  const store = new CampaignStore(redis, keys);
  const queues = new CampaignQueues(redis, keys);
  const limits = new Limits(redis, keys);
  const control = new CampaignControl({ store, queues, limits });
  const discovery = new BoardQueues({
    store,
    queues,
    connection: redis,
    subscriber,
    logger,
    rescanIntervalMs: deps.rescanIntervalMs,
  });
  const metrics = new BoardMetrics({
    control,
    limits,
    notifyQueue: discovery.notifyQueue(),
    campaignIds: () => discovery.campaignIds(),
    defaultMetrics: deps.defaultMetrics,
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath('/');
  const bullBoard = createBullBoard({
    queues: discovery.internalAdapters(),
    serverAdapter,
    options: {
      uiConfig: { boardTitle: 'Dialer campaigns', hideDocsLink: true },
      handlerHooks: campaignHooks({
        control,
        store,
        queues,
        notifyQueue: discovery.notifyQueue(),
        logger,
        isCampaign: (n) => discovery.isCampaign(n),
        campaignIds: () => discovery.campaignIds(),
      }),
    },
  });

  const app = Fastify({ logger: false });
  addSecurityHeaders(app);
  app.get('/healthz', async (_request, reply) => {
    const ok = redis.status === 'ready';
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'unavailable', redis: redis.status, campaigns: discovery.campaignIds().length });
  });
  app.register(async (scope) => {
    if (credentials) await protect(scope, credentials);
    scope.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
    await scope.register(serverAdapter.registerPlugin(), { prefix: '/' });
  });
  app.addHook('onReady', async () => {
    await discovery.start(bullBoard);
    logger.info(
      { campaigns: discovery.campaignIds().length, authentication: credentials ? 'basic' : 'open' },
      'board ready',
    );
  });
  app.addHook('onClose', async () => {
    await discovery.close();
    await queues.close();
    await quit(subscriber);
    await quit(redis);
  });

  return {
    app,
    campaignIds: () => discovery.campaignIds(),
    refresh: () => discovery.rescan(),
    close: () => app.close(),
  };
}

/** Every route of `scope` (and its children) asks for the credentials; a browser shows its login prompt. */
async function protect(scope: FastifyInstance, credentials: BoardCredentials): Promise<void> {
  await scope.register(fastifyBasicAuth, {
    authenticate: { realm: REALM },
    validate: async (user, password) => {
      if (!credentialsMatch(credentials, user, password)) return new Error('Unauthorized');
      return undefined;
    },
  });
  scope.addHook('onRequest', scope.basicAuth);
}

async function quit(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}
