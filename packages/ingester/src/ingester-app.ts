import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { DialerError, type DialerConfig, type Logger, type RedisClient } from '@dialer/core';
import type { IngesterMetrics } from './ingester-metrics.js';
import type { NotifyHandoff } from './notify-handoff.js';
import { NOTIFY_HEADER_ROUTE, NOTIFY_ROUTE, registerNotifyRoute, sendError } from './notify-route.js';

export interface IngesterAppDeps {
  config: DialerConfig;
  logger: Logger;
  metrics: IngesterMetrics;
  /** The connection `/readyz` pings. */
  redis: RedisClient;
  /** The durable hand-off; without it `/notify` is not served (a processor-only replica). */
  handoff?: NotifyHandoff;
  /** Clock for token expiry. @defaultValue Date.now */
  now?: () => number;
  /** Refused notify tokens are logged at most once per this interval. @defaultValue 60000 */
  refusedLogIntervalMs?: number;
}

/**
 * SAVG sends JSON, but which content-type it declares is not documented (and proxies rewrite it), so every
 * content-type (and none) is parsed as JSON. A parse error becomes a 400 that never echoes the body.
 */
function registerJsonForAnyContentType(app: FastifyInstance): void {
  const parseJson = (_request: unknown, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      done(null, JSON.parse(body as string) as unknown);
    } catch {
      const err = new Error('body is not valid JSON') as FastifyError;
      err.statusCode = 400;
      err.code = 'DIALER_ERR_NOTIFICATION';
      done(err, undefined);
    }
  };
  app.removeAllContentTypeParsers();
  // The exact type first: fastify finds it without the catch-all's content-type parsing.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJson);
  app.addContentTypeParser('*', { parseAs: 'string' }, parseJson);
}

async function redisReachable(redis: RedisClient): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * The ingester's webhook port: `/notify/:token` and `/notify` (when a hand-off is given), `/healthz` and `/readyz` (load
 * balancers probe them). It faces SAVG, so the internet: `/metrics` is served on a port of its own
 * (build-ingester.ts), never here.
 */
export function buildIngesterApp(deps: IngesterAppDeps): FastifyInstance {
  const { config, metrics } = deps;
  const logger = deps.logger.child({ component: 'http' });
  if (deps.handoff && !config.notify.tokenSecret) {
    throw new DialerError('DIALER_ERR_CONFIG', 'NOTIFY_TOKEN_SECRET is required for the ingester');
  }
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Request logs would carry the URL, and the URL carries the notify token: never log them.
    logController: new LogController({ disableRequestLogging: true }),
    // No per-request child logger: it would cost a pino child (with redaction) per notification for a
    // request id that nothing logs.
    childLoggerFactory: (parent) => parent,
    bodyLimit: config.ingester.bodyLimit,
    // The token is a path parameter (~250 characters); fastify's default limit of 100 would answer 414.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
  });
  registerJsonForAnyContentType(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const route = request.routeOptions.url;
    const onNotify = route === NOTIFY_ROUTE || route === NOTIFY_HEADER_ROUTE;
    if (status === 413) {
      if (onNotify) metrics.notification('too-large');
      return sendError(reply, 413, 'too-large', `body exceeds ${config.ingester.bodyLimit} bytes`);
    }
    if (status >= 400 && status < 500) {
      if (onNotify) metrics.notification('malformed');
      return sendError(
        reply,
        status,
        'malformed',
        error.code === 'DIALER_ERR_NOTIFICATION' ? error.message : 'bad request',
      );
    }
    logger.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return sendError(reply, 500, 'internal', 'internal error');
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ok = await redisReachable(deps.redis);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', redis: ok });
  });

  if (deps.handoff) {
    registerNotifyRoute(app, {
      handoff: deps.handoff,
      metrics,
      logger: deps.logger,
      token: {
        secret: config.notify.tokenSecret as string,
        audience: config.deploymentId,
        ttlMs: config.notify.tokenTtlMs,
      },
      bodyLimit: config.ingester.bodyLimit,
      now: deps.now ?? Date.now,
      refusedLogIntervalMs: deps.refusedLogIntervalMs,
    });
  }
  return app;
}
