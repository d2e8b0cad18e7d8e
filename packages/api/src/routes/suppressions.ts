import { z } from 'zod';
import { DialerError, normalizeSuppressed, type SuppressionScope } from '@dialer/core';
import type { ApiContext, RouteModule } from '../api-context.js';
import { campaignIdParams, errorResponses } from '../schemas.js';

/** Most numbers one request may carry (a bigger list: several requests, or `dialer suppress import`). */
const MAX_NUMBERS = 10_000;

const numbers = z.array(z.string().min(1).max(256)).min(1).max(MAX_NUMBERS).describe(`at most ${MAX_NUMBERS} numbers`);
const defaultCountry = z
  .string()
  .regex(/^[A-Za-z]{2}$/)
  .optional()
  .describe('ISO country for numbers without an international prefix');
const campaign = campaignIdParams.shape.id.optional().describe("a campaign's list (default: the global list)");

/**
 * `POST /v1/suppressions` and `DELETE /v1/suppressions`: `dialer suppress add|remove --json`, global or for one
 * campaign. Numbers are normalized like contacts; one that is not a number refuses the whole request (400).
 */
export const suppressionRoutes: RouteModule = (app, ctx) => {
  app.post(
    '/suppressions',
    {
      schema: {
        summary: 'Add numbers to a do-not-call list',
        description:
          'As `dialer suppress add --json`. Listed numbers are never dialed: counted `suppressed` at import, ' +
          'and checked again right before each dial-out. A campaign list may be filled before the campaign exists.',
        tags: ['suppressions'],
        body: z.object({ numbers, campaign, defaultCountry }),
        response: {
          200: z.object({ list: z.string(), added: z.number(), already: z.number() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const list = await normalizeAll(request.body.numbers, request.body.defaultCountry);
      const scope: SuppressionScope = { campaignId: request.body.campaign };
      const added = await ctx.suppressions.add(list, scope);
      log(ctx, 'numbers suppressed', scope, added, request.apiKey?.name);
      return { list: scope.campaignId ?? 'global', added, already: list.length - added };
    },
  );

  app.delete(
    '/suppressions',
    {
      schema: {
        summary: 'Remove numbers from a do-not-call list',
        description:
          'As `dialer suppress remove --json` (`?campaign=` for a campaign list). Contacts that already ended ' +
          '`suppressed` stay so.',
        tags: ['suppressions'],
        querystring: z.object({ campaign }),
        body: z.object({ numbers, defaultCountry }),
        response: {
          200: z.object({ list: z.string(), removed: z.number(), absent: z.number() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const list = await normalizeAll(request.body.numbers, request.body.defaultCountry);
      const scope: SuppressionScope = { campaignId: request.query.campaign };
      const removed = await ctx.suppressions.remove(list, scope);
      log(ctx, 'numbers unsuppressed', scope, removed, request.apiKey?.name);
      return { list: scope.campaignId ?? 'global', removed, absent: list.length - removed };
    },
  );
};

/** Normalized and de-duplicated, or DIALER_ERR_PHONE naming the entries (by position) that are not numbers. */
async function normalizeAll(inputs: string[], country: string | undefined): Promise<string[]> {
  const entries = inputs.map((input) => normalizeSuppressed(input, country?.toUpperCase()));
  const bad = entries.flatMap((e, i) => (e.ok ? [] : [`numbers.${i} (${e.reason})`]));
  if (bad.length > 0) {
    throw new DialerError(
      'DIALER_ERR_PHONE',
      `Not a phone number: ${bad.slice(0, 20).join(', ')}; nothing was changed`,
    );
  }
  return [...new Set(entries.map((e) => (e.ok ? e.number : '')))];
}

function log(ctx: ApiContext, msg: string, scope: SuppressionScope, count: number, apiKey?: string): void {
  ctx.logger.info({ list: scope.campaignId ?? 'global', count, apiKey }, msg);
}
