/** Assembles the simulator: a Fastify app plus the state it records into. The caller listens. */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { createLogger } from '@dialer/core';
import { registerAdminRoutes } from './admin-routes.js';
import { dialoutApiVersion, registerDialoutRoute, type DialoutContext } from './dialout-route.js';
import { CachedJwtVerifier } from './jwt-cache.js';
import { Notifier } from './notifier.js';
import { resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';
import { createRng } from './random.js';
import { SimulatorState } from './state.js';

export interface Simulator {
  /** The Fastify app; call `app.listen({host, port})` and later `app.close()`. */
  app: FastifyInstance;
  /** Records, counters and runtime config, the same data `GET /__sim/*` serves. */
  state: SimulatorState;
  /** The options after validation and defaults. */
  options: ResolvedSimulatorOptions;
}

/**
 * Builds a simulator and returns the app together with its {@link SimulatorState}. Throws an error naming
 * the option when an option is invalid. Closing the app drops scheduled notifications and releases
 * withheld replies.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const resolved = resolveSimulatorOptions(options);
  const rng = createRng(resolved.seed);
  const state = new SimulatorState(resolved.config, resolved.recordLimit);
  const notifier = new Notifier(state, rng, resolved.notifyTimeoutMs);
  const app = Fastify({
    // core's logger: the same redaction (auth JWTs, numbers) as every other process.
    loggerInstance: createLogger({ level: resolved.logLevel, name: 'sim' }) as FastifyBaseLogger,
    // Per-request logs would cost more than the simulated work at thousands of requests per second.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const ctx: DialoutContext = {
    state,
    notifier,
    verifier: new CachedJwtVerifier(resolved),
    rng,
    botId: resolved.botId,
    now: resolved.now,
    hangs: new Set(),
    inHandler: new WeakMap(),
  };
  app.addHook('preClose', async () => {
    for (const release of [...ctx.hangs]) release();
    notifier.close();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    const version = dialoutApiVersion(request.routeOptions.url);
    if (version !== undefined) recordFailedDialout(ctx, request, version, status, error.message);
    if (status >= 500) request.log.error({ err: error }, 'simulator request failed');
    return reply.code(status).send({ error: error.message });
  });
  registerDialoutRoute(app, ctx);
  registerAdminRoutes(app, state);
  return { app, state, options: resolved };
}

// Requests refused before the handler ran (bad JSON, wrong content type, too large) are dial-outs too.
function recordFailedDialout(
  ctx: DialoutContext,
  request: FastifyRequest,
  version: 'v1' | 'v2',
  status: number,
  message: string,
): void {
  const params = request.params as { botId?: string } | undefined;
  const record = ctx.inHandler.get(request) ?? ctx.state.beginDialout(params?.botId ?? '', Date.now(), version);
  if (record.status === 0) ctx.state.finishDialout(record, status, message);
}

/**
 * Fastify-style builder: the app only. Use {@link createSimulator} to also get the state programmatically
 * (the records are always readable over `GET /__sim/*`).
 */
export function buildSimulator(options: SimulatorOptions): FastifyInstance {
  return createSimulator(options).app;
}
