import { z } from 'zod';
import { campaignSettingsInputSchema, DialerError, isDialerError } from '@dialer/core';
import { createCampaign } from '@dialer/producer';
import type { RouteModule } from '../api-context.js';
import { sendError } from '../api-errors.js';
import { campaignStatusSchema, errorResponses, errorSchema, statusBody } from '../schemas.js';

const body = z.object({
  id: z.string().describe('campaign id: 1–64 letters, digits, "_" or "-"'),
  settings: campaignSettingsInputSchema
    .optional()
    .describe('campaign settings (docs/design.md#settings-reference); the environment gives the defaults'),
});

/**
 * `POST /v1/campaigns`: creates a campaign with no contacts, by `dialer produce`'s rules. The same id with equal
 * settings answers 200 (a retry is harmless); other settings 409.
 */
export const campaignCreateRoute: RouteModule = (app, ctx) => {
  app.post(
    '/campaigns',
    {
      schema: {
        summary: 'Create a campaign',
        description:
          'Creates the campaign (no contacts yet; push them with POST /v1/campaigns/{id}/contacts). ' +
          'Idempotent: the same id with equal settings answers 200 with its status; other settings answer 409.',
        tags: ['campaigns'],
        body,
        response: {
          200: campaignStatusSchema.describe('it existed with equal settings'),
          201: campaignStatusSchema.describe('created'),
          ...errorResponses,
          409: errorSchema.describe('it exists with other settings, or is cancelled'),
        },
      },
    },
    async (request, reply) => {
      const { id, settings } = request.body;
      let created: boolean;
      try {
        ({ created } = await createCampaign(ctx, id, settings));
      } catch (err) {
        if (isDialerError(err, 'DIALER_ERR_SETTINGS') && Array.isArray(err.details?.differing)) {
          const differing = (err.details.differing as string[]).join(', ');
          return sendError(
            reply,
            new DialerError(
              'DIALER_ERR_SETTINGS',
              `Campaign "${id}" already exists with other settings (${differing})`,
            ),
            409,
          );
        }
        throw err;
      }
      if (created) ctx.logger.info({ campaignId: id, apiKey: request.apiKey?.name }, 'campaign created');
      return reply.code(created ? 201 : 200).send(statusBody(await ctx.control.campaignStatus(id)));
    },
  );
};
