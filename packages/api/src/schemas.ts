import { z } from 'zod';
import { CAMPAIGN_ID_PATTERN, type CampaignStatus } from '@dialer/core';

/** Every error answer: a registry code (docs/errors.md) and a message naming what is wrong. */
export const errorSchema = z
  .object({ code: z.string().describe('DIALER_ERR_* (docs/errors.md)'), message: z.string() })
  .meta({ id: 'Error' });

/** The error answers every /v1 route may give, for the OpenAPI document. */
export const errorResponses = {
  400: errorSchema.describe('bad input: the message names the field'),
  401: errorSchema.describe('no valid API key (DIALER_ERR_API_AUTH)'),
} as const;

export const campaignIdParams = z.object({
  id: z.string().regex(CAMPAIGN_ID_PATTERN, 'not a campaign id (1–64 letters, digits, "_" or "-")'),
});

/**
 * `dialer campaign status --json` (core CampaignStatus). Loose: the status may gain keys (never lose any), and
 * the answer is documented, not re-checked, here.
 */
export const campaignStatusSchema = z
  .looseObject({
    campaign: z.string(),
    state: z.enum(['running', 'paused', 'completed', 'cancelled']),
    contacts: z.number(),
    terminal: z.number(),
    live: z.number(),
    outcomes: z.record(z.string(), z.number()),
    pauseReason: z.string().nullable(),
    pending: z.number(),
    dialouts: z.number(),
    redials: z.number(),
    dialRate: z.number().nullable(),
    eta: z.number().nullable(),
    queue: z.record(z.string(), z.union([z.number(), z.boolean()])),
    createdAt: z.string(),
    stranded: z.number(),
    held: z.record(z.string(), z.number()),
    pace: z.looseObject({ perSecond: z.number(), by: z.string() }).nullable(),
  })
  .meta({ id: 'CampaignStatus' });

/** A status as the answer's type (a plain object: the schema lets it carry keys added later). */
export const statusBody = (status: CampaignStatus): z.output<typeof campaignStatusSchema> => ({ ...status });
