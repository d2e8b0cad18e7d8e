import { z } from 'zod';
import { campaignSettingsPatchSchema, updateCampaignSettings } from '@dialer/core';
import type { RouteModule } from '../api-context.js';
import { campaignIdParams, errorResponses, errorSchema } from '../schemas.js';

const settingsUpdateResult = z
  .object({
    campaign: z.string(),
    state: z.string(),
    changed: z.array(z.string()).describe('the keys whose value changed (empty: nothing did)'),
    settings: z.record(z.string(), z.unknown()).describe('every setting now (the results secret masked)'),
    settingsUpdatedAt: z.string(),
    heldRechecked: z.number().describe('contacts held by the old window or blackout dates, judged again'),
  })
  .meta({ id: 'SettingsUpdateResult' });

/** `PATCH /v1/campaigns/{id}/settings`: `dialer campaign set`, with the same patch rules (core settings-patch.ts). */
export const campaignSettingsRoute: RouteModule = (app, ctx) => {
  app.patch(
    '/campaigns/:id/settings',
    {
      schema: {
        summary: "Change a running campaign's settings",
        description:
          'Takes effect for dial-outs from then on (within a second on every worker). Only `ratePerSecond`, ' +
          '`maxLiveCalls`, `window`, `blackoutDates`, `caller`, `trunk`, `metadata`, `redial` and `results` may change; a key ' +
          'given replaces its whole value, `null` removes an optional one. Validated like the settings file ' +
          '(DIALER_ERR_SETTINGS names the key). A `window`, `blackoutDates` or `trunk` change answers after about ' +
          '1.5 s: held contacts are judged again once more after every worker has seen the change.',
        tags: ['campaigns'],
        params: campaignIdParams,
        body: campaignSettingsPatchSchema,
        response: {
          200: settingsUpdateResult,
          ...errorResponses,
          404: errorSchema.describe('no such campaign'),
          409: errorSchema.describe('the campaign is completed or cancelled'),
        },
      },
    },
    async (request) => {
      const { store, queues, config, logger } = ctx;
      const result = await updateCampaignSettings({ store, queues, config, logger }, request.params.id, request.body);
      return { ...result, settings: { ...result.settings } };
    },
  );
};
