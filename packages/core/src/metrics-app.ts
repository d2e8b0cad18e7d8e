/**
 * `/metrics` and `/healthz` on a port of their own, for every long-running process (worker, ingester): a
 * Prometheus scrape and a health probe stay off the ports that face the outside (the ingester's webhook).
 * A subpath export (`@dialer/core/metrics-app`), not part of the core index, so commands that serve
 * nothing never load the HTTP server.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { DialerError } from './errors.js';

/** What a prom-client `Registry` offers to a scrape. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

/** `/metrics` (Prometheus text) and `/healthz` (200 when healthy, else 503); anything else is 404. */
export function buildMetricsApp(registry: MetricsRegistry, health: () => HealthReport): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
  app.get('/healthz', async (_request, reply) => {
    const { ok, ...details } = health();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', ...details });
  });
  return app;
}

/**
 * Listens on `host:port` and returns the address (the bound port when `port` is 0). A port in use is a
 * configuration error naming `variable`: two processes on one host need two ports.
 */
export async function listenMetricsApp(
  app: FastifyInstance,
  host: string,
  port: number,
  variable: string,
): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    throw new DialerError(
      'DIALER_ERR_CONFIG',
      `Invalid configuration: ${variable} ${port} on ${host} is in use: give each process on a host its own port (0 = any free port)`,
      { problems: [variable] },
      { cause: err },
    );
  }
}
