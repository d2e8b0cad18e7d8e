// While Redis is down the webhook answers 503 (never 2xx for a notification it did not store) and /readyz
// says so; once Redis is back it accepts again. Uses a private redis-server it can stop.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { Queue } from 'bullmq';
import { NOTIFY_QUEUE, createKeys, createLogger, createRedis, loadConfig, type DialerConfig } from '@dialer/core';
import { notifyToken, startRedisServer, testEnv, waitUntil, type RedisServer } from '@dialer/test-utils';
import { buildIngester, type Ingester } from '@dialer/ingester';
import { listen, notifications, request, spell } from './helpers.js';

let server: RedisServer;
let config: DialerConfig;
let ingester: Ingester;
let base: string;
let metricsBase: string;
let token: string;

beforeAll(async () => {
  server = await startRedisServer();
  config = loadConfig(testEnv({ REDIS_URL: server.url, INGESTER_METRICS_PORT: '0' }), 'ingester');
  ingester = buildIngester({ config, logger: createLogger({ level: 'silent' }), processor: false });
  base = await listen(ingester.app);
  metricsBase = await ingester.listenMetrics();
  token = notifyToken(
    { campaignId: 'c-down', contactId: 'k1', attempt: 1 },
    { secret: config.notify.tokenSecret as string, audience: config.deploymentId, ttlMs: config.notify.tokenTtlMs },
  );
});

afterAll(async () => {
  await ingester?.close();
  await server?.destroy();
});

const body = spell.new(notifications.failed('sid-down', '486 Busy Here'));
const post = () => request(base, 'POST', `/notify/${token}`, body);

describe('Redis down', () => {
  it('accepts while Redis is up', async () => {
    await waitUntil(async () => (await post()).statusCode === 202, 10_000, 'first notification accepted');
    expect((await request(base, 'GET', '/readyz')).statusCode).toBe(200);
  });

  it('answers 503 while Redis is down, and /readyz says not ready', async () => {
    await server.stop();
    await waitUntil(async () => (await request(base, 'GET', '/readyz')).statusCode === 503, 10_000, 'readyz 503');
    const res = await post();
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'unavailable', reason: 'redis unavailable' });
    expect((await request(base, 'GET', '/healthz')).statusCode).toBe(200);
  });

  it('accepts again once Redis is back, and only accepted notifications were stored', async () => {
    await server.restart();
    await waitUntil(async () => (await post()).statusCode === 202, 15_000, 'accepted after restart');
    expect((await request(base, 'GET', '/readyz')).statusCode).toBe(200);
    const metrics = (await request(metricsBase, 'GET', '/metrics')).body;
    const accepted = Number(/dialer_ingester_notifications_total\{result="accepted"\} (\d+)/.exec(metrics)?.[1]);
    expect(metrics).toMatch(/dialer_ingester_notifications_total\{result="unavailable"\} [1-9]/);
    // The server runs without persistence, so only what was accepted after the restart is there: exactly one.
    const redis = createRedis(server.url, 'blocking', 'test');
    const queue = new Queue(NOTIFY_QUEUE, {
      connection: redis,
      prefix: createKeys(config.keyPrefix).notifyQueuePrefix(),
    });
    try {
      expect(accepted).toBe(2);
      expect(await queue.count()).toBe(1);
    } finally {
      await queue.close();
      await redis.quit();
    }
  });
});
