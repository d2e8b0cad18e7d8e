// The webhook's HTTP contract (real HTTP on loopback, real Redis): authentication, validation, limits, the durable
// hand-off, health and metrics. The processor is off here so the stored jobs can be inspected.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { Queue } from 'bullmq';
import { captureLogger, testContext, type TestContext } from '@dialer/test-utils';
import { buildIngester, type Ingester, type NotifyItem, type NotifyJobData } from '@dialer/ingester';
import {
  contact,
  dialAttempt,
  listen,
  notifications,
  notifyQueue,
  request,
  seedCampaign,
  spell,
  tokenFor,
  type Seeded,
} from './helpers.js';

let ctx: TestContext;
let ingester: Ingester;
let queue: Queue<NotifyJobData>;
let logs: string[];
let s: Seeded;
let sid: string;
let base: string;
let metricsBase: string;

beforeAll(async () => {
  ctx = testContext({ DEPLOYMENT_ID: 'deploy-a', INGESTER_BODY_LIMIT: '2048', INGESTER_METRICS_PORT: '0' });
  const capture = captureLogger('info');
  logs = capture.lines;
  ingester = buildIngester({ config: ctx.config, logger: capture.logger, processor: false });
  base = await listen(ingester.app);
  metricsBase = await ingester.listenMetrics();
  queue = notifyQueue(ctx);
  [s] = (await seedCampaign(ctx)) as [Seeded];
  ({ sid } = await dialAttempt(ctx, s));
});

afterAll(async () => {
  await ingester.close();
  await queue.close();
  await ctx.close();
});

function post(
  token: string,
  payload: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return request(base, 'POST', `/notify/${token}`, payload, headers);
}

/** Notifications stored in the notify queue (jobs carry the notifications of one batch each). */
async function jobCount(): Promise<number> {
  const jobs = await queue.getJobs(['waiting']);
  return jobs.reduce((sum, j) => sum + j.data.items.length, 0);
}

async function storedItems(): Promise<NotifyItem[]> {
  return (await queue.getJobs(['waiting'])).flatMap((j) => j.data.items);
}

const busy = () => spell.new(notifications.failed('sid-x', '486 Busy Here'));

describe('POST /notify/:token — refused requests change nothing', () => {
  it('refuses a forged token with 401 and logs the reason code, never the token', async () => {
    const before = JSON.stringify(await contact(ctx, s));
    const forged = await tokenFor(ctx, s, 1, { secret: 'another-secret-that-is-long-enough-0123456789' });
    const res = await post(forged, busy());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'unauthorized', reason: 'bad-signature' });
    const line = logs.find((l) => l.includes('notify token refused'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ reason: 'bad-signature' });
    expect(logs.join('\n')).not.toContain(forged.split('.')[2]);
    expect(JSON.stringify(await contact(ctx, s))).toBe(before);
    expect(await jobCount()).toBe(0);
  });

  it('refuses an expired token', async () => {
    const expired = await tokenFor(ctx, s, 1, { nowMs: Date.now() - ctx.config.notify.tokenTtlMs - 60_000 });
    const res = await post(expired, busy());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'expired' });
    expect(await jobCount()).toBe(0);
  });

  it("refuses another deployment's token", async () => {
    const res = await post(await tokenFor(ctx, s, 1, { audience: 'deploy-b' }), busy());
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'wrong-audience' });
  });

  it('refuses garbage as a token, whatever the body', async () => {
    const res = await post('not-a-jwt', '{{{');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ reason: 'malformed' });
    expect(await jobCount()).toBe(0);
  });

  it('answers 400 to a body that is not JSON, without echoing it', async () => {
    const res = await post(await tokenFor(ctx, s), '{"conversationId": "+15551234567", oops');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'malformed', reason: 'body is not valid JSON' });
    expect(await jobCount()).toBe(0);
  });

  it('answers 400 to JSON that is not a notification (names the field)', async () => {
    const token = await tokenFor(ctx, s);
    const noStatus = await post(token, { conversationId: 'abc', reason: '486 Busy Here' });
    expect(noStatus.statusCode).toBe(400);
    expect(noStatus.json()).toMatchObject({ error: 'malformed', reason: expect.stringContaining('status') });
    expect((await post(token, [1, 2, 3])).statusCode).toBe(400);
    expect((await post(token, '')).statusCode).toBe(400);
    expect(await jobCount()).toBe(0);
  });

  it('answers 413 to a body over INGESTER_BODY_LIMIT', async () => {
    const res = await post(await tokenFor(ctx, s), { ...busy(), padding: 'x'.repeat(4096) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'too-large' });
    expect(await jobCount()).toBe(0);
    expect((await contact(ctx, s)).s).toBe('i');
  });
});

describe('POST /notify/:token — accepted notifications', () => {
  it('stores the newer spelling, normalized, and answers 202 once stored', async () => {
    const res = await post(await tokenFor(ctx, s), spell.new(notifications.answered(sid, 'amd_human_detected', 30)));
    expect(res.statusCode).toBe(202);
    const items = await storedItems();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      c: s.campaignId,
      k: s.contactId,
      n: 1,
      b: {
        conversationId: sid,
        status: 'completed',
        machineDetection: 'amd_human_detected',
        durationSeconds: 30,
        reason: '200 OK',
      },
    });
  });

  it('accepts the older spelling, an upper-case status and extra fields', async () => {
    const old = {
      ...spell.old(notifications.failed(sid, '480 Temporarily Unavailable')),
      status: 'FAILED',
      vendorExtra: { a: 1 },
    };
    expect(old).toHaveProperty('callconnecttime');
    const res = await post(await tokenFor(ctx, s), old);
    expect(res.statusCode).toBe(202);
    const stored = (await storedItems()).map((i) => i.b).find((b) => b.status === 'failed');
    expect(stored).toMatchObject({
      status: 'failed',
      reason: '480 Temporarily Unavailable',
      machineDetection: 'detect',
    });
    expect(stored?.callConnectTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('parses JSON whatever content-type is declared (or none)', async () => {
    const token = await tokenFor(ctx, s);
    const body = spell.new(notifications.interim(sid, 'amd_human_detected'));
    const before = await jobCount();
    expect((await post(token, body, { 'content-type': 'text/plain' })).statusCode).toBe(202);
    expect((await post(token, body, { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(202);
    expect((await post(token, body, {})).statusCode).toBe(202);
    expect(await jobCount()).toBe(before + 3);
  });

  it('takes many concurrent notifications in batches, every one stored', async () => {
    const token = await tokenFor(ctx, s);
    const before = await jobCount();
    const jobsBefore = await queue.count();
    const body = spell.new(notifications.interim(sid, 'amd_machine_detected'));
    const answers = await Promise.all(Array.from({ length: 300 }, () => post(token, body)));
    expect(answers.every((a) => a.statusCode === 202)).toBe(true);
    expect(await jobCount()).toBe(before + 300);
    expect((await queue.count()) - jobsBefore).toBeLessThan(300);
  });
});

describe('health and metrics', () => {
  it('serves /healthz and /readyz', async () => {
    expect((await request(base, 'GET', '/healthz')).statusCode).toBe(200);
    const ready = await request(base, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ redis: true });
  });

  it('serves /metrics (and /healthz) on the metrics port only: the webhook port faces the internet', async () => {
    expect(metricsBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsBase).not.toBe(base);
    expect((await request(base, 'GET', '/metrics')).statusCode).toBe(404);
    const health = await request(metricsBase, 'GET', '/healthz');
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok' });
    // The metrics port serves nothing of the webhook.
    expect((await request(metricsBase, 'GET', '/readyz')).statusCode).toBe(404);
    expect((await request(metricsBase, 'POST', '/notify/x', {})).statusCode).toBe(404);
  });

  it('counts notifications by result', async () => {
    const res = await request(metricsBase, 'GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const count = (result: string) =>
      Number(new RegExp(`dialer_ingester_notifications_total\\{result="${result}"\\} (\\d+)`).exec(res.body)?.[1]);
    expect(count('unauthorized')).toBe(4);
    expect(count('malformed')).toBe(4);
    expect(count('too-large')).toBe(1);
    expect(count('accepted')).toBe(305);
    expect(count('unavailable')).toBe(0);
    expect(res.body).toContain('dialer_ingester_processing_seconds');
    expect(res.body).toContain('dialer_ingester_redials_scheduled_total');
    expect(res.body).toContain('dialer_ingester_lost_total');
  });
});
