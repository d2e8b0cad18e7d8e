// `dialer ingester`: the webhook port (on the internet, for SAVG) serves the notify route and health only;
// /metrics is on INGESTER_METRICS_PORT. Its start-up line names both addresses.
import { describe, it, expect } from '@jest/globals';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { runCli, spawnCli, testEnv } from '@dialer/test-utils';

describe('dialer ingester ports', () => {
  it('serves /metrics on its metrics port and 404 on the webhook port; both named in the started line', async () => {
    const p = spawnCli(['ingester'], testEnv({ LOG_LEVEL: 'info', INGESTER_PORT: '0', INGESTER_METRICS_PORT: '0' }));
    try {
      const [, address, metrics] = await p.waitForOutput(
        /"address":"([^"]+)","metrics":"([^"]+)"[^\n]*"msg":"ingester started"/,
        30_000,
      );
      expect(address).not.toBe(metrics);
      expect((await fetch(`${address}/metrics`)).status).toBe(404);
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      expect((await fetch(`${address}/readyz`)).status).toBe(200);
      const scrape = await fetch(`${metrics}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('dialer_ingester_notifications_total');
      expect((await fetch(`${metrics}/healthz`)).status).toBe(200);
    } finally {
      p.kill('SIGTERM');
      await p.exited;
    }
  });

  it('names INGESTER_METRICS_PORT when that port is taken', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const port = (blocker.address() as { port: number }).port;
      const res = await runCli(
        ['ingester'],
        testEnv({ INGESTER_PORT: '0', INGESTER_METRICS_PORT: String(port) }),
        30_000,
      );
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/DIALER_ERR_CONFIG.*INGESTER_METRICS_PORT/);
    } finally {
      blocker.close();
    }
  });
});
