// The processor's live feed: after applying a notification it publishes one event on the campaign's own
// notification channel (what `dialer call` prints), with no phone number and no token. Real webhook, real
// processor, real Redis pub/sub.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import {
  createLogger,
  createRedis,
  notificationEventsChannel,
  parseNotificationEvent,
  type NotificationEvent,
  type RedisClient,
} from '@dialer/core';
import { buildIngester, type Ingester } from '@dialer/ingester';
import { testContext, waitUntil, type TestContext } from '@dialer/test-utils';
import { dialAttempt, listen, notifications, request, seedCampaign, spell, tokenFor, type Seeded } from './helpers.js';

let ctx: TestContext;
let ingester: Ingester;
let base: string;
let subscriber: RedisClient;

beforeEach(async () => {
  ctx = testContext();
  ingester = buildIngester({ config: ctx.config, logger: createLogger({ level: 'silent' }) });
  base = await listen(ingester.app);
  await ingester.start();
  subscriber = createRedis(ctx.config.redisUrl, 'blocking', 'test-events');
});

afterEach(async () => {
  subscriber.disconnect();
  await ingester.close();
  await ctx.close();
});

/** Subscribes to the campaign's notification channel; returns the raw messages as they come. */
async function watch(campaignId: string): Promise<string[]> {
  const messages: string[] = [];
  subscriber.on('message', (_channel: string, message: string) => messages.push(message));
  await subscriber.subscribe(notificationEventsChannel(ctx.keys, campaignId));
  return messages;
}

/** Notifications the processor applied so far (its metric, summed over results). */
async function applied(): Promise<number> {
  const metric = await ingester.metrics.registry.getSingleMetric('dialer_ingester_processed_total')?.get();
  return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function post(s: Seeded, body: Record<string, unknown>): Promise<string> {
  const token = await tokenFor(ctx, s);
  const res = await request(base, 'POST', `/notify/${token}`, body);
  expect(res.statusCode).toBe(202);
  return token;
}

describe('notification events', () => {
  it('publishes each applied notification (interim, final, a duplicate) without the number or the token', async () => {
    const [s] = (await seedCampaign(ctx, { redial: { maxAttempts: 1 } })) as [Seeded];
    const messages = await watch(s.campaignId);
    const { sid } = await dialAttempt(ctx, s);

    const token = await post(s, spell.new(notifications.interim(sid, 'amd_human_detected')));
    await waitUntil(() => messages.length >= 1, 10_000, 'the interim event');
    await post(s, spell.new(notifications.failed(sid, '486 Busy Here')));
    await waitUntil(() => messages.length >= 2, 10_000, 'the final event');
    await post(s, spell.new(notifications.failed(sid, '486 Busy Here')));
    await waitUntil(() => messages.length >= 3, 10_000, 'the duplicate event');

    const events = messages.map(parseNotificationEvent) as NotificationEvent[];
    const ref = { campaignId: s.campaignId, contactId: s.contactId, attempt: 1, conversationId: sid };
    expect(events[0]).toMatchObject({
      type: 'notification',
      ...ref,
      status: 'call-in-progress',
      final: false,
      machineDetection: 'amd_human_detected',
      result: 'interim',
    });
    expect(events[1]).toMatchObject({
      ...ref,
      status: 'failed',
      final: true,
      outcome: 'busy',
      sipCode: 486,
      reason: '486 Busy Here',
      result: 'completed',
    });
    expect(events[1]!.appliedAt).toBeGreaterThanOrEqual(events[1]!.receivedAt);
    expect(events[2]).toMatchObject({ ...ref, final: true, result: 'noop' });
    for (const m of messages) {
      expect(m).not.toContain(s.number);
      expect(m).not.toContain(s.number.slice(-10));
      expect(m).not.toContain(token);
    }
  });

  it('publishes nothing for a contact the campaign does not have', async () => {
    const [s] = (await seedCampaign(ctx)) as [Seeded];
    const messages = await watch(s.campaignId);
    const ghost = { ...s, contactId: 'no-such-contact' };
    await post(ghost, spell.new(notifications.failed('sid-ghost', '486 Busy Here')));
    const { sid } = await dialAttempt(ctx, s);
    await post(s, spell.new(notifications.interim(sid, 'amd_human_detected')));
    // Both applied, and the real one's event in: the ghost's would have come by now.
    await waitUntil(async () => (await applied()) >= 2 && messages.length >= 1, 10_000, 'both applied');
    expect(messages.map((m) => parseNotificationEvent(m)?.contactId)).toEqual([s.contactId]);
  });
});
