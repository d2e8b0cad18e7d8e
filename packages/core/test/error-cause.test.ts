// A DialerError that stands for another error carries it as `cause` (ES2022), so logs and the CLI can show
// what actually failed underneath (the errno, the time-out, the parser's complaint).
import { describe, it, expect } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DialerError, createPrivateFile, isDialerError, loadConfig, openCampaignControl } from '@dialer/core';
import { buildMetricsApp, listenMetricsApp } from '@dialer/core/metrics-app';
import { testEnv } from '@dialer/test-utils';

/** The error `run` throws (it must throw). */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

function listening(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

describe('DialerError cause', () => {
  it('keeps the error it stands for as `cause`, and has none when not given one', () => {
    const inner = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const err = new DialerError('DIALER_ERR_REDIS', 'Redis is unreachable', { where: 'x' }, { cause: inner });
    expect(err.cause).toBe(inner);
    expect(err).toMatchObject({ code: 'DIALER_ERR_REDIS', message: 'Redis is unreachable', details: { where: 'x' } });
    expect('cause' in new DialerError('DIALER_ERR_CSV', 'no cause')).toBe(false);
  });

  it('an output file that cannot be created carries the errno error', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cause-')), 'no-such-dir', 'report.csv');
    const err = await thrown(() => createPrivateFile(path, 'report'));
    expect(isDialerError(err, 'DIALER_ERR_OUTPUT_FILE')).toBe(true);
    expect((err as DialerError).cause).toMatchObject({ code: 'ENOENT' });
  });

  it('an unreachable Redis carries the time-out it ended with', async () => {
    const { server, port } = await listening();
    await new Promise((resolve) => server.close(resolve)); // a port nothing listens on
    const config = loadConfig(testEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    const err = await thrown(() => openCampaignControl(config, 'cause-test', 300));
    expect(isDialerError(err, 'DIALER_ERR_REDIS')).toBe(true);
    expect(((err as DialerError).cause as Error).message).toMatch(/not ready after 300 ms/);
  });

  it('a metrics port in use carries the listen error', async () => {
    const { server, port } = await listening();
    const app = buildMetricsApp({ contentType: 'text/plain', metrics: async () => '' }, () => ({ ok: true }));
    try {
      const err = await thrown(() => listenMetricsApp(app, '127.0.0.1', port, 'WORKER_METRICS_PORT'));
      expect(isDialerError(err, 'DIALER_ERR_CONFIG')).toBe(true);
      expect((err as DialerError).cause).toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await app.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
