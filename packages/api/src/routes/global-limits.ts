import { z } from 'zod';
import type { RouteModule } from '../api-context.js';
import { errorResponses } from '../schemas.js';

const limitsSchema = z
  .object({
    ratePerSecond: z.number(),
    maxLiveCalls: z.number(),
    source: z
      .object({ ratePerSecond: z.enum(['redis', 'env']), maxLiveCalls: z.enum(['redis', 'env']) })
      .describe('redis: set at run time; env: the environment default (DIAL_RATE_PER_SECOND, MAX_LIVE_CALLS)'),
    updatedAt: z.string().optional(),
  })
  .meta({ id: 'GlobalLimits' });

// Bounds are checked again by the store (DIALER_ERR_LIMITS), the one rule for the CLI and the API.
const limitsChange = z
  .strictObject({
    ratePerSecond: z.number().positive().max(10_000).optional(),
    maxLiveCalls: z.number().int().positive().optional(),
  })
  .refine((c) => c.ratePerSecond !== undefined || c.maxLiveCalls !== undefined, 'give ratePerSecond or maxLiveCalls');

/** `GET|PATCH|DELETE /v1/limits`: `dialer limits show|set|reset`, the deployment's global rate and live-call cap. */
export const globalLimitsRoutes: RouteModule = (app, ctx) => {
  const description = 'Every worker follows a change within a second, without a restart.';
  app.get(
    '/limits',
    {
      schema: {
        summary: 'Global limits',
        description: 'The dial rate and live-call cap every worker uses now, and where each comes from.',
        tags: ['limits'],
        response: { 200: limitsSchema, 401: errorResponses[401] },
      },
    },
    async () => ctx.globalLimits.get(),
  );
  app.patch(
    '/limits',
    {
      schema: {
        summary: 'Change the global limits',
        description: `Stored in Redis over the environment defaults. ${description}`,
        tags: ['limits'],
        body: limitsChange,
        response: { 200: limitsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const limits = await ctx.globalLimits.set(request.body);
      ctx.logger.info({ ...request.body, apiKey: request.apiKey?.name }, 'global limits set');
      return limits;
    },
  );
  app.delete(
    '/limits',
    {
      schema: {
        summary: 'Reset the global limits',
        description: `Back to the environment defaults (DIAL_RATE_PER_SECOND, MAX_LIVE_CALLS). ${description}`,
        tags: ['limits'],
        response: { 200: limitsSchema, 401: errorResponses[401] },
      },
    },
    async (request) => {
      const limits = await ctx.globalLimits.reset();
      ctx.logger.info({ apiKey: request.apiKey?.name }, 'global limits reset');
      return limits;
    },
  );
};
