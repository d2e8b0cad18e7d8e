import { z } from 'zod';
import { deleteCampaign } from '@dialer/core';
import type { RouteModule } from '../api-context.js';
import { campaignIdParams, errorResponses, errorSchema } from '../schemas.js';

const deleteResult = z
  .object({
    campaign: z.string(),
    state: z.string().describe('the state it had: completed or cancelled'),
    keysRemoved: z.number(),
    resumed: z.boolean().describe('true when this finished a deletion an earlier request had started'),
  })
  .meta({ id: 'DeleteResult' });

/** `DELETE /v1/campaigns/{id}`: `dialer campaign delete` (core campaign-delete.ts). */
export const campaignDeleteRoute: RouteModule = (app, ctx) => {
  app.delete(
    '/campaigns/:id',
    {
      schema: {
        summary: 'Delete a finished campaign',
        description:
          'For good: its contacts, results, counters and dial queue (read its results first). Only a completed or ' +
          'cancelled campaign with no call in progress and no result still waiting for the results webhook; ' +
          'repeating the request after an interruption finishes the deletion.',
        tags: ['campaigns'],
        params: campaignIdParams,
        response: {
          200: deleteResult,
          ...errorResponses,
          404: errorSchema.describe('no such campaign (also once deleted)'),
          409: errorSchema.describe('not finished, calls in progress, or results not yet queued for delivery'),
        },
      },
    },
    async (request) => {
      const result = await deleteCampaign(
        { store: ctx.store, queues: ctx.queues, logger: ctx.logger },
        request.params.id,
      );
      ctx.logger.info({ campaignId: request.params.id, apiKey: request.apiKey?.name }, 'campaign deleted');
      return result;
    },
  );
};
