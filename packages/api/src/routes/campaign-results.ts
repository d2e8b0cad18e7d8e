import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { RouteModule } from '../api-context.js';
import { resultsStream } from '../results-stream.js';
import { campaignIdParams, errorResponses, errorSchema } from '../schemas.js';

/** `GET /v1/campaigns/{id}/results`: `dialer report` (CSV for `Accept: text/csv`, else NDJSON), streamed. */
export const campaignResultsRoute: RouteModule = (app, ctx) => {
  app.get(
    '/campaigns/:id/results',
    {
      schema: {
        summary: 'Campaign results',
        description:
          'One row per contact (`?attempts=1`: one per attempt) with the columns of `dialer report`. CSV for ' +
          '`Accept: text/csv` (cells that would run as spreadsheet formulas are escaped, as in the CLI), else ' +
          'NDJSON (one JSON object per line). Streamed: bounded memory whatever the campaign size.',
        tags: ['campaigns'],
        params: campaignIdParams,
        querystring: z.object({
          attempts: z.enum(['0', '1', 'true', 'false']).optional().describe('1: one row per attempt'),
        }),
        response: {
          200: {
            description: 'the report',
            content: {
              'application/x-ndjson': { schema: z.string() },
              'text/csv': { schema: z.string() },
            },
          },
          ...errorResponses,
          404: errorSchema.describe('no such campaign'),
        },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      // Before the first byte: an unknown campaign is a 404, not an empty report.
      await ctx.store.requireCampaign(id);
      const csv = /\btext\/csv\b/i.test(request.headers.accept ?? '');
      const attempts = request.query.attempts === '1' || request.query.attempts === 'true';
      // The stream is the body; the typed reply only knows the schema's strings.
      return (reply as FastifyReply)
        .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .send(resultsStream(ctx.store, id, csv ? 'csv' : 'ndjson', attempts, ctx.logger));
    },
  );
};
