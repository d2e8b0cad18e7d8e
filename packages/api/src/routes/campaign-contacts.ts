import { Readable } from 'node:stream';
import { z } from 'zod';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiApp, ApiContext, RouteModule } from '../api-context.js';
import { MAX_JSON_CONTACTS, jsonContactSchema, writeCsvBody, writeJsonContacts } from '../contacts-body.js';
import type { ContactsSummary, ImportRequestOptions } from '../contact-import.js';
import { IdempotencyStore, sha256 } from '../idempotency.js';
import { campaignIdParams, errorResponses, errorSchema } from '../schemas.js';

/** Largest JSON body of this route (10,000 contacts with their metadata). */
const JSON_BODY_LIMIT = 32 * 1024 * 1024;

const importOptions = {
  defaultCountry: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .optional()
    .describe('ISO country for numbers without an international prefix, e.g. US'),
  phoneColumn: z.string().min(1).max(200).optional().describe('text/csv: header of the phone column'),
  delimiter: z.string().min(1).max(3).optional().describe('text/csv: , ; | or "tab" (default: detected)'),
};

const body = z.object({
  contacts: z
    .array(jsonContactSchema)
    .min(1)
    .max(MAX_JSON_CONTACTS)
    .describe(`at most ${MAX_JSON_CONTACTS.toLocaleString('en-US')} per request`),
  defaultCountry: importOptions.defaultCountry,
});

const summarySchema = z
  .looseObject({
    campaign: z.string(),
    rows: z.number(),
    accepted: z.number().describe('new contacts, each enqueued'),
    duplicates: z.number().describe('numbers already contacts of the campaign'),
    rejected: z.number(),
    suppressed: z.number().describe('on a do-not-call list: stored ended `suppressed`, never dialed'),
    durationMs: z.number(),
    rejects: z
      .array(z.object({ row: z.number(), reason: z.string() }))
      .optional()
      .describe('the first 100 rejected rows (row: JSON contact i is row i + 2; CSV: its line, header = 1)'),
  })
  .meta({ id: 'ImportSummary' });

/**
 * `POST /v1/campaigns/{id}/contacts`: `dialer produce` over HTTP, with a JSON list or a text/csv body (streamed
 * to a private temporary file, never whole in memory). Optional `Idempotency-Key`: the same key and request
 * answer the first answer again and add nothing; the same key with another request answers 409.
 */
export const campaignContactsRoute: RouteModule = (app, ctx) => {
  // text/csv is accepted by this route only (its own scope): the body stays a stream, written to a file as it
  // comes; zod checks JSON bodies only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));
    scope.setValidatorCompiler((route) => {
      const validate = validatorCompiler(route as Parameters<typeof validatorCompiler>[0]);
      return (data: unknown) =>
        route.httpPart === 'body' && data instanceof Readable ? { value: data } : validate(data);
    });
    declareRoute(scope.withTypeProvider<ZodTypeProvider>(), ctx);
  });
};

function declareRoute(app: ApiApp, ctx: ApiContext): void {
  app.post(
    '/campaigns/:id/contacts',
    {
      bodyLimit: JSON_BODY_LIMIT,
      schema: {
        summary: 'Push contacts into a campaign',
        description:
          'The same rules as `dialer produce` (normalisation, time zones, do-not-call lists, one contact per ' +
          `number). JSON: at most ${MAX_JSON_CONTACTS.toLocaleString('en-US')} contacts; or a \`text/csv\` body ` +
          '(streamed; options in the query). Optional `Idempotency-Key` header (kept 24 h).',
        tags: ['campaigns'],
        params: campaignIdParams,
        querystring: z.object(importOptions),
        headers: z.looseObject({ 'idempotency-key': z.string().optional() }),
        body,
        response: {
          200: summarySchema,
          ...errorResponses,
          404: errorSchema.describe('no such campaign'),
          409: errorSchema.describe('the campaign is cancelled, or the Idempotency-Key was used for another request'),
        },
      },
    },
    async (request, reply) => {
      const campaignId = request.params.id;
      await ctx.store.requireCampaign(campaignId);
      const idemKey = request.headers['idempotency-key'];
      if (idemKey !== undefined) IdempotencyStore.check(idemKey);
      const work = await ctx.imports.workDir();
      let answer: Awaited<ReturnType<typeof once>>;
      try {
        const raw: unknown = request.body;
        const csv = raw instanceof Readable;
        const options: ImportRequestOptions = csv
          ? request.query
          : { defaultCountry: request.body.defaultCountry ?? request.query.defaultCountry };
        const bodyHash = csv ? await writeCsvBody(raw, work.body) : sha256(JSON.stringify(request.body.contacts));
        if (!csv) await writeJsonContacts(request.body.contacts, work.body);
        const fingerprint = sha256(JSON.stringify({ csv, options, bodyHash }));
        answer = await once(ctx, campaignId, idemKey, fingerprint, () =>
          ctx.imports.run(campaignId, work.body, options),
        );
      } finally {
        await work.cleanup();
      }
      ctx.logger.info(
        { campaignId, apiKey: request.apiKey?.name, ...counts(answer.body), repeated: answer.repeated },
        'contacts pushed',
      );
      return reply.code(answer.status as 200).send(answer.body);
    },
  );
}

/** Runs `run` unless the Idempotency-Key already has an answer (then that answer). */
async function once(
  ctx: ApiContext,
  campaignId: string,
  key: string | undefined,
  fingerprint: string,
  run: () => Promise<ContactsSummary>,
): Promise<{ status: number; body: ContactsSummary; repeated: boolean }> {
  if (key === undefined) return { status: 200, body: await run(), repeated: false };
  const claim = await ctx.idempotency.claim(campaignId, key, fingerprint);
  if (claim.kind === 'repeat') return { status: claim.status, body: claim.body as ContactsSummary, repeated: true };
  try {
    const summary = await run();
    await ctx.idempotency.finish(campaignId, key, fingerprint, 200, summary);
    return { status: 200, body: summary, repeated: false };
  } catch (err) {
    await ctx.idempotency.forget(campaignId, key);
    throw err;
  }
}

/** The counts only: never the rejected rows (they name numbers) in a log line. */
function counts(s: ContactsSummary): Record<string, number> {
  return {
    rows: s.rows,
    accepted: s.accepted,
    duplicates: s.duplicates,
    rejected: s.rejected,
    suppressed: s.suppressed,
  };
}
