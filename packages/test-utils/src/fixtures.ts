import { randomBytes } from 'node:crypto';
import { createKeys, createRedis, loadConfig, type DialerConfig, type Keys, type RedisClient } from '@dialer/core';

/** The private Redis the jest global setup started for this test run. */
export function testRedisUrl(): string {
  const url = process.env.DIALER_TEST_REDIS_URL;
  if (!url)
    throw new Error(
      'DIALER_TEST_REDIS_URL is not set: run the tests through jest (its global setup starts redis-server)',
    );
  return url;
}

/** A key prefix no other test uses, so tests share the private Redis without seeing each other. */
export function uniquePrefix(name = 't'): string {
  return `${name.replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(4).toString('hex')}`;
}

export const TEST_SECRETS = {
  SAVG_CLIENT_ID: 'cs-test-client',
  SAVG_CLIENT_SECRET: 'test-client-secret-that-is-long-enough',
  NOTIFY_TOKEN_SECRET: 'notify-token-secret-0123456789abcdef0123',
  SAVG_BOT_ID: 'st-test-bot',
  SAVG_CALLER: '+15550001111',
} as const;

/** An environment for a test: the private Redis, a unique prefix, test credentials, plus overrides. */
export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: uniquePrefix(),
    LOG_LEVEL: 'silent',
    // Tests dial as fast as they ask (the simulator enforces no quota unless a test gives it one).
    SAVG_QUOTAS: 'off',
    ...TEST_SECRETS,
    ...overrides,
  };
}

export interface TestContext {
  env: NodeJS.ProcessEnv;
  config: DialerConfig;
  keys: Keys;
  redis: RedisClient;
  close(): Promise<void>;
}

/** Config, keys and a Redis connection for one test file. */
export function testContext(overrides: Record<string, string | undefined> = {}): TestContext {
  const env = testEnv(overrides);
  const config = loadConfig(env);
  const redis = createRedis(config.redisUrl, 'blocking', 'test');
  return {
    env,
    config,
    keys: createKeys(config.keyPrefix),
    redis,
    close: async () => {
      redis.disconnect();
    },
  };
}

/** Polls `check` until it returns a truthy value or the deadline passes (no fixed sleeps in tests). */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
