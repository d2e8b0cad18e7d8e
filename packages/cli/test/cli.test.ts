import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ATTEMPT_REPORT_COLUMNS, REPORT_COLUMNS } from '@dialer/core';
import { runCli, spawnCli, TEST_SECRETS } from '@dialer/test-utils';

describe('dialer command', () => {
  it('prints help for the program and every sub-command', async () => {
    const top = await runCli(['--help'], {});
    expect(top.code).toBe(0);
    const listing = top.stdout.slice(top.stdout.indexOf('Commands:'));
    const commands = [...listing.matchAll(/^ {2}([a-z-]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toContain('sim');
    for (const command of commands) {
      const help = await runCli([command, '--help'], {});
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: dialer ${command}`);
    }
  });

  it('prints the product version (the root package.json version) with --version and -V, and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const res = await runCli([flag], {});
      expect(res).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
    expect((await runCli(['--help'], {})).stdout).toContain('-V, --version');
  });

  it('lists the report columns of @dialer/core in `dialer report --help` (written out there to keep help cheap)', async () => {
    const help = await runCli(['report', '--help'], {});
    expect(help.stdout).toContain(`Columns: ${REPORT_COLUMNS.join(',')}\n`);
    expect(help.stdout).toContain(`With --attempts, one row per attempt: ${ATTEMPT_REPORT_COLUMNS.join(',')}\n`);
  });

  it('runs the simulator with `dialer sim` and stops cleanly on SIGTERM', async () => {
    const sim = spawnCli(['sim', '--port', '0'], {
      SAVG_CLIENT_ID: TEST_SECRETS.SAVG_CLIENT_ID,
      SAVG_CLIENT_SECRET: TEST_SECRETS.SAVG_CLIENT_SECRET,
      LOG_LEVEL: 'info',
    });
    const [, url] = await sim.waitForOutput(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    sim.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  });

  it('refuses a bad setting with a message naming it', async () => {
    const res = await runCli(['sim'], { SIM_PORT: 'eighty' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/DIALER_ERR_CONFIG.*SIM_PORT/);
  });
});
