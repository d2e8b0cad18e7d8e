// The board's hooks called directly (real Redis, real BullMQ queues) for what Bull Board 9.10.1 never
// sends: a mutating route it does not have yet, and a "pause all" that pauses the notification queue.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Queue } from 'bullmq';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  Limits,
  NOTIFY_QUEUE,
  createLogger,
  resolveCampaignSettings,
} from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';
import { campaignHooks } from '../src/board-hooks.js';

let ctx: TestContext;
let queues: CampaignQueues;
let notify: Queue;
let hooks: ReturnType<typeof campaignHooks>;
const CAMPAIGN = 'hooks-campaign';

beforeAll(async () => {
  ctx = testContext();
  const store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  notify = new Queue(NOTIFY_QUEUE, { connection: ctx.redis, prefix: ctx.keys.notifyQueuePrefix() });
  await store.createCampaign(CAMPAIGN, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
  hooks = campaignHooks({
    control: new CampaignControl({ store, queues, limits: new Limits(ctx.redis, ctx.keys) }),
    store,
    queues,
    notifyQueue: notify,
    logger: createLogger({ level: 'silent', name: 'board' }),
    isCampaign: (n) => n === CAMPAIGN,
    campaignIds: () => [CAMPAIGN],
  });
});
afterAll(async () => {
  await notify?.close();
  await queues?.close();
  await ctx?.close();
});

type Context = Parameters<NonNullable<typeof hooks.before>>[0];
const context = (method: Context['method'], route: string, params: Record<string, string> = {}): Context => ({
  method,
  route,
  request: { queues: new Map(), uiConfig: {}, params, query: {}, body: {}, headers: {} },
});

describe('board hooks', () => {
  it('refuse a mutating route they have not reviewed (a newer Bull Board), on a campaign queue too', async () => {
    for (const method of ['put', 'post', 'patch'] as const) {
      const verdict = await hooks.before!(
        context(method, '/api/queues/:queueName/brand-new-action', { queueName: CAMPAIGN }),
      );
      expect(verdict).toMatchObject({
        allow: false,
        status: 403,
        message: expect.stringContaining('not an action this board has reviewed'),
      });
    }
    expect(
      await hooks.before!(context('get', '/api/queues/:queueName/brand-new-view', { queueName: CAMPAIGN })),
    ).toBeUndefined();
  });

  it('undo a pause of the notification queue caused by "pause all", and leave one made before alone', async () => {
    const pauseAll = context('put', '/api/queues/pause');
    expect(await hooks.before!(pauseAll)).toBeUndefined();
    await notify.pause(); // what a Bull Board that ignored read-only queues would do
    await hooks.after!(pauseAll, { status: 200, body: {} });
    expect(await notify.isPaused()).toBe(false);
    expect(await queues.get(CAMPAIGN).isPaused()).toBe(true);

    // Paused before (by whoever): not the board's doing, not undone by it.
    await notify.pause();
    const again = context('put', '/api/queues/pause');
    await hooks.before!(again);
    await hooks.after!(again, { status: 200, body: {} });
    expect(await notify.isPaused()).toBe(true);
    await notify.resume();
  });
});
