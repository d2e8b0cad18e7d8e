/**
 * `/__sim/*`: read the records and counters, reset them, change the runtime config. Plus `/healthz`.
 * Not part of SAVG; tests, the demo and benchmarks use these to see what the "gateway" experienced.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeIssues, type SimulatorConfigPatch } from './options.js';
import type { SimulatorState } from './state.js';

const pageQuerySchema = z.object({
  since: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100_000).default(1000),
});

export function registerAdminRoutes(app: FastifyInstance, state: SimulatorState): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/__sim/dialouts', async (request, reply) => {
    const query = pageQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: describeIssues(query.error) });
    return state.dialouts(query.data.since, query.data.limit);
  });

  app.get('/__sim/notifications', async (request, reply) => {
    const query = pageQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: describeIssues(query.error) });
    return state.notifications(query.data.since, query.data.limit);
  });

  app.get('/__sim/stats', async () => state.stats());

  app.post('/__sim/reset', async (_request, reply) => {
    state.reset();
    return reply.code(204).send();
  });

  app.get('/__sim/config', async () => state.config);

  app.put('/__sim/config', async (request, reply) => {
    try {
      return state.updateConfig((request.body ?? {}) as SimulatorConfigPatch);
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
  });
}
