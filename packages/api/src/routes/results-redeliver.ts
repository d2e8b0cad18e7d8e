import { z } from 'zod';
import { redeliverFailed } from '@dialer/core';
import type { RouteModule } from '../api-context.js';
import { campaignIdParams, errorResponses, errorSchema } from '../schemas.js';

/** `POST /v1/campaigns/{id}/results/redeliver`: `dialer results redeliver`. */
export const resultsRedeliverRoute: RouteModule = (app, ctx) => {
  app.post(
    '/campaigns/:id/results/redeliver',
    {
      schema: {
        summary: 'Send failed results webhook deliveries again',
        description:
          'Every delivery of the campaign that failed for good (its retry window ran out) is queued again under ' +
          'the same `x-dialer-delivery` id, with a fresh retry window.',
        tags: ['results'],
        params: campaignIdParams,
        response: {
          200: z.object({ campaign: z.string(), redelivered: z.number() }).meta({ id: 'RedeliverResult' }),
          ...errorResponses,
          404: errorSchema.describe('no such campaign'),
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      await ctx.store.requireCampaign(id);
      return { campaign: id, redelivered: await redeliverFailed(ctx.resultsQueue, id) };
    },
  );
};
