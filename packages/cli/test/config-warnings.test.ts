// Risky but allowed settings are said once, at start, by every long-running process.
import { describe, it, expect } from '@jest/globals';
import { spawnCli, testEnv } from '@dialer/test-utils';

const SHORT = {
  LOST_AFTER_MS: '30000',
  LOG_LEVEL: 'info',
  INGESTER_PORT: '0',
  WORKER_METRICS_PORT: '0',
  INGESTER_METRICS_PORT: '0',
};

async function warningsOf(
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv,
): Promise<{ level: number; msg: string }[]> {
  const p = spawnCli(args, env);
  try {
    await p.waitForOutput(ready, 30_000);
  } finally {
    p.kill('SIGTERM');
    await p.exited;
  }
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((e) => e.level === 40 && /LOST_AFTER_MS|ALLOW_INSECURE_HTTP/.test(e.msg));
}

describe('start-up warnings', () => {
  it('the ingester warns once about a LOST_AFTER_MS under 10 minutes', async () => {
    const warnings = await warningsOf(['ingester'], /ingester started/, testEnv(SHORT));
    expect(warnings).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/^LOST_AFTER_MS is 30 s, under 10 minutes/) }),
    ]);
  });

  it('the worker warns once about it too, and about plain http allowed by ALLOW_INSECURE_HTTP', async () => {
    const env = testEnv({
      ...SHORT,
      SAVG_BASE_URL: 'http://127.0.0.1:9',
      NOTIFY_BASE_URL: 'http://notify.invalid:8080',
      ALLOW_INSECURE_HTTP: '1',
    });
    const warnings = await warningsOf(['worker'], /worker ready/, env);
    expect(warnings.map((w) => w.msg)).toEqual([
      expect.stringMatching(/^LOST_AFTER_MS is 30 s/),
      expect.stringMatching(/^NOTIFY_BASE_URL uses plain http to notify\.invalid \(ALLOW_INSECURE_HTTP is set\)/),
    ]);
  });

  it('a default LOST_AFTER_MS gives no warning', async () => {
    const { LOST_AFTER_MS: _, ...rest } = SHORT;
    expect(await warningsOf(['ingester'], /ingester started/, testEnv(rest))).toEqual([]);
  });
});
