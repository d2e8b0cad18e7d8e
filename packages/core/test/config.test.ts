import { describe, it, expect } from '@jest/globals';
import { DEFAULTS, loadConfig, isDialerError, configWarnings } from '@dialer/core';

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
    for (const name of [
      'SAVG_BASE_URL',
      'SAVG_BOT_ID',
      'SAVG_CLIENT_ID',
      'SAVG_CLIENT_SECRET',
      'NOTIFY_BASE_URL',
      'NOTIFY_TOKEN_SECRET',
    ]) {
      expect(msg).toContain(name);
    }
  });

  it('names the variable with a bad value', () => {
    expect(errorOf(() => loadConfig({ DIAL_RATE_PER_SECOND: 'fast' }))).toContain('DIAL_RATE_PER_SECOND');
    expect(errorOf(() => loadConfig({ MAX_LIVE_CALLS: '0' }))).toContain('MAX_LIVE_CALLS');
    expect(errorOf(() => loadConfig({ REDIS_URL: 'localhost:6379' }))).toContain('REDIS_URL');
    expect(errorOf(() => loadConfig({ LOG_LEVEL: 'loud' }))).toContain('LOG_LEVEL');
    expect(errorOf(() => loadConfig({ ...workerEnv, NOTIFY_TOKEN_SECRET: 'short' }, 'worker'))).toContain(
      'NOTIFY_TOKEN_SECRET must be at least 32',
    );
    expect(errorOf(() => loadConfig({ ...workerEnv, SAVG_BASE_URL: 'ftp://x' }, 'worker'))).toContain('SAVG_BASE_URL');
  });

  it('SAVG_API_VERSION: v1 by default, v2 when asked, anything else refused by name', () => {
    expect(loadConfig({}).savg.apiVersion).toBe('v1');
    expect(loadConfig({ SAVG_API_VERSION: 'v2' }).savg.apiVersion).toBe('v2');
    expect(errorOf(() => loadConfig({ SAVG_API_VERSION: '2' }))).toContain('SAVG_API_VERSION must be v1 or v2');
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

describe('combinations that break a guarantee', () => {
  it('refuses a notify token that expires before a late notification may still come', () => {
    const msg = errorOf(() => loadConfig({ NOTIFY_TOKEN_TTL_MS: '3600000', LOST_AFTER_MS: '3600000' }));
    for (const name of ['NOTIFY_TOKEN_TTL_MS', 'LOST_AFTER_MS', 'SAVG_TIMEOUT_MS']) expect(msg).toContain(name);
    // Any role: every process of a deployment reads the same environment.
    expect(
      errorOf(() => loadConfig({ ...workerEnv, NOTIFY_TOKEN_TTL_MS: '60000', LOST_AFTER_MS: '60000' }, 'worker')),
    ).toContain('NOTIFY_TOKEN_TTL_MS');
    expect(loadConfig({ NOTIFY_TOKEN_TTL_MS: '3615000', LOST_AFTER_MS: '3600000' }).notify.tokenTtlMs).toBe(3_615_000);
    expect(
      loadConfig({ NOTIFY_TOKEN_TTL_MS: '61000', LOST_AFTER_MS: '60000', SAVG_TIMEOUT_MS: '1000' }).lostAfterMs,
    ).toBe(60_000);
  });

  it('refuses plain http to a host that is not loopback unless ALLOW_INSECURE_HTTP is set', () => {
    for (const name of ['SAVG_BASE_URL', 'NOTIFY_BASE_URL']) {
      for (const url of [
        'http://sim:4010',
        'http://10.0.0.5:8080',
        'http://dialer.example.com',
        'http://[2001:db8::1]:80',
        'http://128.0.0.1',
      ]) {
        const msg = errorOf(() => loadConfig({ ...workerEnv, [name]: url }, 'worker'));
        expect(msg).toContain(name);
        expect(msg).toContain('ALLOW_INSECURE_HTTP');
        // Set in a CLI's environment too: refused the same way.
        expect(errorOf(() => loadConfig({ [name]: url }))).toContain(name);
      }
      for (const allow of ['1', 'true', 'yes']) {
        expect(() =>
          loadConfig({ ...workerEnv, [name]: 'http://sim:4010', ALLOW_INSECURE_HTTP: allow }, 'worker'),
        ).not.toThrow();
      }
      expect(
        errorOf(() => loadConfig({ ...workerEnv, [name]: 'http://sim:4010', ALLOW_INSECURE_HTTP: '0' }, 'worker')),
      ).toContain(name);
      for (const url of [
        'http://127.0.0.1:8080',
        'http://127.3.2.1',
        'http://localhost:4010',
        'http://LOCALHOST',
        'http://[::1]:9000',
        'https://sim:4010',
      ]) {
        expect(() => loadConfig({ ...workerEnv, [name]: url }, 'worker')).not.toThrow();
      }
    }
    expect(errorOf(() => loadConfig({ ALLOW_INSECURE_HTTP: 'maybe' }))).toContain('ALLOW_INSECURE_HTTP');
  });

  it('warns (without refusing) when LOST_AFTER_MS is under 10 minutes, and when insecure http is allowed', () => {
    expect(configWarnings(loadConfig({ ...workerEnv }, 'worker'))).toEqual([]);
    expect(configWarnings(loadConfig({ LOST_AFTER_MS: '600000' }))).toEqual([]);
    const short = configWarnings(loadConfig({ LOST_AFTER_MS: '599000' }));
    expect(short).toHaveLength(1);
    expect(short[0]).toContain('LOST_AFTER_MS');
    expect(short[0]).toContain('599 s');
    const insecure = configWarnings(
      loadConfig({ ...workerEnv, SAVG_BASE_URL: 'http://sim:4010', ALLOW_INSECURE_HTTP: '1' }, 'worker'),
    );
    expect(insecure).toEqual([expect.stringContaining('SAVG_BASE_URL')]);
    expect(insecure[0]).toContain('ALLOW_INSECURE_HTTP');
  });
});
