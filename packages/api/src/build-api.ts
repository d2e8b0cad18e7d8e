import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  ApiKeyStore,
  SuppressionList,
  createLogger,
  openCampaignControl,
  openResultsQueue,
  type DialerConfig,
  type Logger,
  type OpenedCampaignControl,
} from '@dialer/core';
import type { ApiContext } from './api-context.js';
import { installErrorHandler } from './api-errors.js';
import { requireApiKey } from './auth.js';
import { ImportRunner } from './contact-import.js';
import { IdempotencyStore } from './idempotency.js';
import { registerOpenApi } from './openapi.js';
import { V1_ROUTES } from './routes.js';

/** A route the app serves (HEAD routes Fastify adds for GET included). */
export interface ApiRoute {
  method: string;
  url: string;
  /** Left out of the OpenAPI document on purpose (/healthz, /openapi.json, /docs' own files). */
  hidden: boolean;
}

const ROUTES = new WeakMap<FastifyInstance, ApiRoute[]>();

/** Every route `buildApi` registered on `app`, in registration order. */
export function apiRoutes(app: FastifyInstance): readonly ApiRoute[] {
  return ROUTES.get(app) ?? [];
}

export interface ApiDeps {
  config: DialerConfig;
  /** @defaultValue a pino logger at `config.logLevel` */
  logger?: Logger;
  /** The version in the OpenAPI document. @defaultValue 0.0.0 */
  version?: string;
  /** Serve Swagger UI at /docs (false: /openapi.json only). @defaultValue true */
  docsUi?: boolean;
}

/**
 * The HTTP API (`dialer api`): the Fastify app, not listening (the caller listens, or tests `inject`). It owns
 * one Redis connection (DIALER_ERR_REDIS when Redis cannot be reached within 5 s), closed with the app. `/healthz`, `/openapi.json` and `/docs` are open; every /v1 route
 * needs an API key.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger({ level: config.logLevel, name: 'api' });
  const opened = await openCampaignControl(config, 'api');
  const { redis } = opened.store;
  redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const ctx = context(config, logger, opened);

  // Fastify's own logger stays off: requests are logged below without URLs' query strings or any header.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const routes: ApiRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden: !!route.schema?.hide });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app, logger);
  await registerOpenApi(app, deps.version ?? '0.0.0', deps.docsUi ?? true);

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const ok = redis.status === 'ready';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', redis: redis.status });
  });
  await app.register(
    async (v1) => {
      requireApiKey(v1, ctx.apiKeys);
      const typed = v1.withTypeProvider<ZodTypeProvider>();
      for (const route of V1_ROUTES) route(typed, ctx);
    },
    { prefix: '/v1' },
  );
  app.addHook('onResponse', async (request, reply) => {
    logger.info(
      {
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        apiKey: request.apiKey?.name,
      },
      'request',
    );
  });
  app.addHook('onClose', async () => {
    await ctx.resultsQueue.close();
    await opened.close();
  });
  return app;
}

function context(config: DialerConfig, logger: Logger, opened: OpenedCampaignControl): ApiContext {
  const { redis, keys } = opened.store;
  return {
    config,
    logger,
    redis,
    keys,
    store: opened.store,
    queues: opened.queues,
    limits: opened.limits,
    globalLimits: opened.globalLimits,
    resultsQueue: openResultsQueue(redis, keys),
    control: opened.control,
    suppressions: new SuppressionList(redis, keys),
    apiKeys: new ApiKeyStore(redis, keys),
    idempotency: new IdempotencyStore(redis, keys),
    imports: new ImportRunner(config),
  };
}
