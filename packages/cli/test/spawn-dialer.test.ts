// How the demo, the tests and the bench start the built `dialer`: CLI_MAIN resolved through the package,
// the caller's environment only, output captured (or only its latest part), a wait for a line that fails
// fast when the process ends first.
import { describe, it, expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI_MAIN, runDialer, spawnDialer } from '@dialer/cli';
import { TEST_SECRETS } from '@dialer/test-utils';

const env = { PATH: process.env.PATH };
const SIM_CREDENTIALS = {
  SAVG_CLIENT_ID: TEST_SECRETS.SAVG_CLIENT_ID,
  SAVG_CLIENT_SECRET: TEST_SECRETS.SAVG_CLIENT_SECRET,
};

describe('spawnDialer', () => {
  it('runs the built main of this package, from the sources as well as from dist', () => {
    expect(CLI_MAIN).toBe(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
    expect(existsSync(CLI_MAIN)).toBe(true);
  });

  it('captures the output and the exit of a run', async () => {
    const { exit, stdout, stderr } = await runDialer(['--help'], { env });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stdout).toMatch(/^Usage: dialer /);
    expect(stderr).toBe('');
  });

  it('keeps only the latest output when told to', async () => {
    const full = await runDialer(['--help'], { env });
    const tail = await runDialer(['--help'], { env, keep: 40 });
    expect(tail.stdout).toBe(full.stdout.slice(-40));
  });

  it('waitForOutput rejects as soon as the process ends without printing the pattern', async () => {
    const p = spawnDialer(['--help'], { env });
    await expect(p.waitForOutput(/never printed/, 60_000)).rejects.toThrow(/exited before \/never printed\//);
    expect(p.hasExited()).toBe(true);
  });

  it('stop() ends a running process (its group when detached) and resolves with how it ended', async () => {
    // `dialer sim` keeps running until stopped.
    const p = spawnDialer(['sim', '--port', '0'], {
      env: { ...env, ...SIM_CREDENTIALS, LOG_LEVEL: 'info' },
      detached: true,
    });
    await p.waitForOutput(/SAVG simulator listening/, 30_000);
    const exit = await p.stop(10_000);
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(p.hasExited()).toBe(true);
  });
});
