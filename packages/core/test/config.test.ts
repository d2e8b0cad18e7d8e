import { describe, it, expect } from '@jest/globals';
import { DEFAULTS, loadConfig, isDialerError } from '@dialer/core';

const workerEnv = {
  SAVG_BASE_URL: 'https://smartassist.example.com/',
  SAVG_BOT_ID: 'st-1',
  SAVG_CLIENT_ID: 'cs-1',
  SAVG_CLIENT_SECRET: 'secret',
  NOTIFY_BASE_URL: 'https://dialer.example.com',
  NOTIFY_TOKEN_SECRET: 'x'.repeat(32),
};

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isDialerError(err, 'DIALER_ERR_CONFIG')) return err.message;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('applies DEFAULTS when nothing is set', () => {
    const c = loadConfig({});
    expect(c.redisUrl).toBe(DEFAULTS.REDIS_URL);
    expect(c.pacing).toEqual({ ratePerSecond: 5, maxLiveCalls: 50, workerConcurrency: 20 });
    expect(c.redial).toEqual({ maxAttempts: 3, delayMs: 300_000 });
    expect(c.lostAfterMs).toBe(7_200_000);
    expect(c.savg.timeoutMs).toBe(15_000);
    expect(c.ingester).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(c.deploymentId).toBe('dialer');
  });

  it('names every missing variable a worker needs', () => {
    const msg = errorOf(() => loadConfig({}, 'worker'));
    for (const name of ['SAVG_BASE_URL', 'SAVG_BOT_ID', 'SAVG_CLIENT_ID', 'SAVG_CLIENT_SECRET', 'NOTIFY_BASE_URL', 'NOTIFY_TOKEN_SECRET']) {
      expect(msg).toContain(name);
    }
  });

  it('names the variable with a bad value', () => {
    expect(errorOf(() => loadConfig({ DIAL_RATE_PER_SECOND: 'fast' }))).toContain('DIAL_RATE_PER_SECOND');
    expect(errorOf(() => loadConfig({ MAX_LIVE_CALLS: '0' }))).toContain('MAX_LIVE_CALLS');
    expect(errorOf(() => loadConfig({ REDIS_URL: 'localhost:6379' }))).toContain('REDIS_URL');
    expect(errorOf(() => loadConfig({ LOG_LEVEL: 'loud' }))).toContain('LOG_LEVEL');
    expect(errorOf(() => loadConfig({ ...workerEnv, NOTIFY_TOKEN_SECRET: 'short' }, 'worker'))).toContain('NOTIFY_TOKEN_SECRET must be at least 32');
    expect(errorOf(() => loadConfig({ ...workerEnv, SAVG_BASE_URL: 'ftp://x' }, 'worker'))).toContain('SAVG_BASE_URL');
  });

  it('requires board credentials unless told to run open', () => {
    expect(errorOf(() => loadConfig({}, 'board'))).toContain('BOARD_USER');
    expect(loadConfig({ BOARD_OPEN: 'true' }, 'board').board.open).toBe(true);
    expect(loadConfig({ BOARD_USER: 'ops', BOARD_PASSWORD: 'pw' }, 'board').board.user).toBe('ops');
  });

  it('reads a full worker environment and trims trailing slashes', () => {
    const c = loadConfig({ ...workerEnv, DIAL_RATE_PER_SECOND: '2.5', REDIS_PREFIX: 'prod' }, 'worker');
    expect(c.savg.baseUrl).toBe('https://smartassist.example.com');
    expect(c.pacing.ratePerSecond).toBe(2.5);
    expect(c.deploymentId).toBe('prod');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ REDIS_URL: '', INGESTER_PORT: '' }).ingester.port).toBe(8080);
  });
});
