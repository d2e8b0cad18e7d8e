import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthReport {
  ok: boolean;
  [key: string]: unknown;
}

/** `/metrics` (Prometheus text) and `/healthz` (200 when healthy, else 503) for a long-running process. */
export function buildMetricsApp(registry: Registry, health: () => HealthReport): FastifyInstance {
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
