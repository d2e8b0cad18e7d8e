import { contactIdsFor, type DialerConfig, type Keys, type RedisClient } from '@dialer/core';

/**
 * The id a campaign gives a number, under the campaign's own scheme (contact ids are keyed per deployment):
 * what a test uses to look up a contact the producer or the CLI imported.
 */
export async function contactIdOf(
  ctx: { redis: RedisClient; keys: Keys; config: DialerConfig },
  campaignId: string,
  number: string,
): Promise<string> {
  return (await contactIdsFor(ctx.redis, ctx.keys, ctx.config, campaignId))(number);
}
