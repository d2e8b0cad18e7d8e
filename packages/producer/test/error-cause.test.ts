// An import error that stands for another error carries it as `cause`, also across the import's worker
// threads (rebuilt from its messages), so `dialer produce` can show what failed underneath.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from '@jest/globals';
import { DialerError } from '@dialer/core';
import { testEnv } from '@dialer/test-utils';
import { readSettingsFile } from '../src/settings-file.js';
import { scanFile } from '../src/file-scan.js';
import { causeMessages, causeOption } from '../src/thread-error.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dialer-cause-'));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('import errors carry their cause', () => {
  it('a settings file that is missing or not JSON', async () => {
    expect(await thrown(() => readSettingsFile(join(dir, 'absent.json')))).toMatchObject({
      code: 'DIALER_ERR_SETTINGS',
      cause: { code: 'ENOENT' },
    });
    const bad = (await thrown(() => readSettingsFile(file('bad.json', '{ "rate": }')))) as DialerError;
    expect(bad.code).toBe('DIALER_ERR_SETTINGS');
    expect(bad.cause).toBeInstanceOf(SyntaxError);
  });

  it('a CSV file that is missing (not UTF-8: no error stands behind it, the bytes are checked, not decoded)', async () => {
    expect(await thrown(() => scanFile(join(dir, 'absent.csv')))).toMatchObject({
      code: 'DIALER_ERR_CSV',
      cause: { code: 'ENOENT' },
    });
    const latin1 = (await thrown(() =>
      scanFile(file('latin1.csv', Buffer.from('phone,name\n+12025550100,Jos\xe9\n', 'latin1'))),
    )) as DialerError;
    expect(latin1.code).toBe('DIALER_ERR_CSV');
    expect(latin1.message).toMatch(/not valid UTF-8 \(first bad byte on line 2\)/);
  });

  it('crosses a thread boundary as its messages and is rebuilt as a chain', () => {
    const err = new DialerError('DIALER_ERR_CSV', 'top', undefined, {
      cause: new Error('middle', { cause: 'bottom' }),
    });
    const messages = causeMessages(err);
    expect(messages).toEqual(['middle', 'bottom']);
    const rebuilt = new DialerError('DIALER_ERR_CSV', 'top', undefined, causeOption(structuredClone(messages)));
    expect((rebuilt.cause as Error).message).toBe('middle');
    expect(((rebuilt.cause as Error).cause as Error).message).toBe('bottom');
    expect(causeMessages(new Error('no cause'))).toBeUndefined();
    expect(causeOption(undefined)).toBeUndefined();
  });

  it('`dialer produce` (import thread) prints the cause of a missing settings file', async () => {
    const csv = file('contacts.csv', 'phone,name\n+12025550100,Ann\n');
    const settings = join(dir, 'missing-settings.json');
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [`${ROOT}packages/cli/dist/main.js`, 'produce', csv, '--campaign', 'c1', '--settings', settings],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH, ...testEnv() },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `dialer: DIALER_ERR_SETTINGS: Settings file not found: ${settings}\n  cause: ENOENT: no such file or directory, open '${settings}'\n`,
    );
  });
});
