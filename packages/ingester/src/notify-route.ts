import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import {
  createNotifyTokenVerifier,
  parseNotification,
  type AttemptRef,
  type Logger,
  type NotifyTokenOptions,
} from '@dialer/core';
import type { IngesterMetrics } from './ingester-metrics.js';
import { ThrottledWarning } from './log-throttle.js';
import { authenticateNotification, headerToken } from './notify-auth.js';
import type { NotifyHandoff } from './notify-handoff.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The attempt the notify token names, once verified (set by the route's onRequest hook). */
    notifyRef: AttemptRef | null;
  }
}

export const NOTIFY_ROUTE = '/notify/:token';
/** The same without a token in the URL: the `x-dialer-token` header carries it (and must be there). */
export const NOTIFY_HEADER_ROUTE = '/notify';

export interface NotifyRouteDeps {
  handoff: NotifyHandoff;
  metrics: IngesterMetrics;
  logger: Logger;
  token: NotifyTokenOptions;
  bodyLimit: number;
  now: () => number;
  /** Refused tokens are logged at most once per this interval (plus a count). @defaultValue 60000 */
  refusedLogIntervalMs?: number;
}

/** A JSON error body: `error` is the metric's result name, `reason` says why (never echoes the input). */
export function sendError(reply: FastifyReply, status: number, error: string, reason: string): FastifyReply {
  return reply.code(status).send({ error, reason });
}

/**
 * `POST /notify/:token` and `POST /notify`. The token (the URL's, checked against the `x-dialer-token` header
 * when that is there too; else the header's: notify-auth.ts) is verified in `onRequest`, before the body is
 * read, so a forged or expired token costs no body parsing and a 401 is given whatever the body. Then the
 * body is validated (400) and handed off durably (2xx only once Redis confirmed, else 503). 400/401/413
 * change no state: nothing is written before the hand-off.
 */
export function registerNotifyRoute(app: FastifyInstance, deps: NotifyRouteDeps): void {
  const { handoff, metrics, logger, now } = deps;
  const log = logger.child({ route: 'notify' });
  // Core's synchronous verifier (same contract as jose's jwtVerify, checked by a core test): jose's async
  // WebCrypto path costs ~100 µs per token, more than everything else the webhook does together.
  const verifier = createNotifyTokenVerifier(deps.token);
  app.decorateRequest('notifyRef', null);
  // Anyone on the internet can post forged tokens: count each, log the flood, not each request.
  const refused = new ThrottledWarning(log, 'notify token refused', deps.refusedLogIntervalMs ?? 60_000);
  app.addHook('onClose', async () => refused.close());

  const authenticate = (
    request: FastifyRequest<{ Params: { token?: string } }>,
    reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ) => {
    const auth = authenticateNotification(verifier, request.params.token, headerToken(request.headers), now());
    if (!auth.ok) {
      metrics.notification('unauthorized');
      metrics.tokenRefused(auth.reason);
      // The reason code only: the token itself (and so the URL or the header) is never logged.
      refused.note(auth.reason);
      sendError(reply, 401, 'unauthorized', auth.reason);
      return;
    }
    request.notifyRef = auth.ref;
    done();
  };

  const options = { bodyLimit: deps.bodyLimit, onRequest: authenticate };
  app.post<{ Params: { token?: string } }>(NOTIFY_ROUTE, options, handle);
  app.post<{ Params: { token?: string } }>(NOTIFY_HEADER_ROUTE, options, handle);

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const ref = request.notifyRef as AttemptRef;
    const parsed = parseNotification(request.body);
    if (!parsed.ok) {
      metrics.notification('malformed');
      log.info(
        { campaignId: ref.campaignId, contactId: ref.contactId, attempt: ref.attempt, reason: parsed.error },
        'malformed notification',
      );
      return sendError(reply, 400, 'malformed', parsed.error);
    }
    if (!handoff.available) {
      metrics.notification('unavailable');
      return sendError(reply, 503, 'unavailable', 'redis unavailable');
    }
    try {
      await handoff.add({ c: ref.campaignId, k: ref.contactId, n: ref.attempt, b: parsed.value, r: Date.now() });
    } catch (err) {
      metrics.notification('unavailable');
      log.warn({ err }, 'notification not stored');
      return sendError(reply, 503, 'unavailable', 'redis unavailable');
    }
    metrics.notification('accepted');
    return reply.code(202).send();
  }
}
