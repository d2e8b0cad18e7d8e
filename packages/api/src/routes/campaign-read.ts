import { z } from 'zod';
import type { RouteModule } from '../api-context.js';
import { campaignIdParams, campaignStatusSchema, errorResponses, errorSchema, statusBody } from '../schemas.js';

/** `GET /v1/campaigns` and `GET /v1/campaigns/{id}`: what `dialer campaign list --json` / `status --json` print. */
export const campaignReadRoutes: RouteModule = (app, ctx) => {
  app.get(
    '/campaigns',
    {
      schema: {
        summary: 'List campaigns',
        description: 'Every campaign, oldest first, as `dialer campaign list --json` prints them.',
        tags: ['campaigns'],
        response: { 200: z.array(campaignStatusSchema), 401: errorResponses[401] },
      },
    },
    async () => {
      const statuses = [];
      for (const id of await ctx.control.listCampaigns())
        statuses.push(statusBody(await ctx.control.campaignStatus(id)));
      return statuses;
    },
  );

  app.get(
    '/campaigns/:id',
    {
      schema: {
        summary: 'Campaign status',
        description:
          'As `dialer campaign status --json` prints it (`dialRate` is null until a minute of samples exists: ' +
          'the API does not wait a second to measure it).',
        tags: ['campaigns'],
        params: campaignIdParams,
        response: { 200: campaignStatusSchema, ...errorResponses, 404: errorSchema.describe('no such campaign') },
      },
    },
    async (request) => statusBody(await ctx.control.campaignStatus(request.params.id)),
  );
};
