import { z } from 'zod';
import type { RouteModule } from '../api-context.js';
import { campaignIdParams, errorResponses, errorSchema } from '../schemas.js';

const controlResult = z
  .object({
    campaign: z.string(),
    state: z.string().describe('the state now'),
    previous: z.string().describe('the state before'),
  })
  .meta({ id: 'ControlResult' });

const cancelResult = z
  .object({
    campaign: z.string(),
    cancelled: z.number().describe('pending contacts ended as cancelled'),
    inProgress: z.number().describe('calls being placed or in progress: they finish normally'),
    jobsRemoved: z.number(),
  })
  .meta({ id: 'CancelResult' });

const responses = {
  ...errorResponses,
  404: errorSchema.describe('no such campaign'),
  409: errorSchema.describe('the campaign is in a state that does not allow it'),
};

/** `POST /v1/campaigns/{id}/pause|resume|cancel`: `dialer campaign pause|resume|cancel`. */
export const campaignControlRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/campaigns/:id/pause',
    {
      schema: {
        summary: 'Pause a campaign',
        description: 'No new dial-outs within a second on every worker; calls in progress finish normally.',
        tags: ['campaigns'],
        params: campaignIdParams,
        body: z.object({ reason: z.string().min(1).max(500).optional() }).nullish(),
        response: { 200: controlResult, ...responses },
      },
    },
    async (request) => ctx.control.pauseCampaign(request.params.id, request.body?.reason),
  );

  app.post(
    '/campaigns/:id/resume',
    {
      schema: {
        summary: 'Resume a campaign',
        description: 'Continues where it stopped (also after an automatic pause); `state` may be `completed`.',
        tags: ['campaigns'],
        params: campaignIdParams,
        response: { 200: controlResult, ...responses },
      },
    },
    async (request) => ctx.control.resumeCampaign(request.params.id),
  );

  app.post(
    '/campaigns/:id/cancel',
    {
      schema: {
        summary: 'Cancel a campaign',
        description: 'For good (no confirmation): every pending contact ends `cancelled`; calls in progress finish.',
        tags: ['campaigns'],
        params: campaignIdParams,
        response: { 200: cancelResult, ...responses },
      },
    },
    async (request) => {
      const result = await ctx.control.cancelCampaign(request.params.id);
      ctx.logger.info({ campaignId: request.params.id, apiKey: request.apiKey?.name }, 'campaign cancelled');
      return result;
    },
  );
};
