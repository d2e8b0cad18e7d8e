import type { FastifyInstance, FastifyBaseLogger, RawServerDefault, RawRequestDefaultExpression } from 'fastify';
import type { RawReplyDefaultExpression } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Queue } from 'bullmq';
import type {
  ApiKeyStore,
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  Limits,
  DialerConfig,
  GlobalLimitsStore,
  Keys,
  Logger,
  RedisClient,
  SuppressionList,
} from '@dialer/core';
import type { ImportRunner } from './contact-import.js';
import type { IdempotencyStore } from './idempotency.js';

/** What every route module gets: the deployment's stores on the API's one Redis connection. */
export interface ApiContext {
  config: DialerConfig;
  logger: Logger;
  redis: RedisClient;
  keys: Keys;
  store: CampaignStore;
  queues: CampaignQueues;
  limits: Limits;
  /** The deployment's global rate and live-call cap, changed at run time (`dialer limits`). */
  globalLimits: GlobalLimitsStore;
  /** The results webhook's delivery queue (redeliver). */
  resultsQueue: Queue;
  control: CampaignControl;
  suppressions: SuppressionList;
  apiKeys: ApiKeyStore;
  idempotency: IdempotencyStore;
  imports: ImportRunner;
}

/** The Fastify instance routes are declared on: zod schemas give the types, the validation and the OpenAPI. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * One route file = one RouteModule: it declares its route(s) on `app` (already under `/v1`, behind the API key
 * check, with the error mapping of api-errors.ts) and uses `ctx` for the work. routes.ts lists them.
 */
export type RouteModule = (app: ApiApp, ctx: ApiContext) => void;
