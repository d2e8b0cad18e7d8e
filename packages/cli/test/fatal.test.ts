// What `dialer` prints when a command fails: the code and message, then the messages of the error's cause
// chain (never their stacks), scrubbed of phone numbers and tokens like the message itself.
import { describe, it, expect } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DialerError } from '@dialer/core';
import { fatalText } from '../src/fatal.js';
import { readSuppressFile } from '../src/commands/suppress-file.js';
import { loadOutcomeScripts } from '../src/demo/demo-env.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2ln';

async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('fatal error text', () => {
  it('prints a coded error as before when it has no cause', () => {
    expect(fatalText(new DialerError('DIALER_ERR_CSV', 'x.csv has no header row'))).toBe(
      'dialer: DIALER_ERR_CSV: x.csv has no header row\n',
    );
  });

  it('ends with the cause chain: messages only, one line each, nearest first', () => {
    const root = new Error('connect ECONNREFUSED 10.0.0.5:6379');
    const middle = new Error('Redis not ready after 5000 ms', { cause: root });
    const text = fatalText(
      new DialerError('DIALER_ERR_REDIS', 'Redis is unreachable (REDIS_URL)', undefined, { cause: middle }),
    );
    expect(text).toBe(
      'dialer: DIALER_ERR_REDIS: Redis is unreachable (REDIS_URL)\n' +
        '  cause: Redis not ready after 5000 ms\n' +
        '  cause: connect ECONNREFUSED 10.0.0.5:6379\n',
    );
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('scrubs phone numbers and tokens out of the causes', () => {
    const cause = new Error(`SAVG answered 401 for +1 (202) 555-0143 with token ${JWT}`);
    const text = fatalText(new DialerError('DIALER_ERR_CONFIG', 'refused', undefined, { cause }));
    expect(text).toContain('  cause: SAVG answered 401 for ***0143 with token [JWT]\n');
    expect(text).not.toContain('555-0143');
    expect(text).not.toContain(JWT);
  });

  it('leaves out a cause the message already quotes in full, and stops on a cycle', () => {
    const errno = new Error("ENOENT: no such file or directory, open 'x.txt'");
    const quoted = fatalText(
      new DialerError('DIALER_ERR_CSV', `Cannot read x.txt: ${errno.message}`, undefined, { cause: errno }),
    );
    expect(quoted).toBe("dialer: DIALER_ERR_CSV: Cannot read x.txt: ENOENT: no such file or directory, open 'x.txt'\n");
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(fatalText(new DialerError('DIALER_ERR_REDIS', 'top', undefined, { cause: a }))).toBe(
      'dialer: DIALER_ERR_REDIS: top\n  cause: a\n  cause: b\n',
    );
  });

  it('prints the causes of an unexpected error too (its stack, but not theirs), and causes that are not Errors', () => {
    const text = fatalText(new TypeError('boom', { cause: 'socket hang up' }));
    expect(text).toMatch(/^dialer: unexpected error: TypeError: boom\n\s+at /);
    expect(text.endsWith('  cause: socket hang up\n')).toBe(true);
  });
});

describe('CLI errors that wrap another carry it as cause', () => {
  it('an unreadable do-not-call file', async () => {
    const err = await thrown(() =>
      readSuppressFile(join(tmpdir(), 'no-such-dnc-file.txt'), 'US', async () => undefined),
    );
    expect(err).toMatchObject({ code: 'DIALER_ERR_CSV', cause: { code: 'ENOENT' } });
  });

  it('a demo outcomes file that is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'outcomes-')), 'outcomes.json');
    writeFileSync(file, '{ not json');
    let err: unknown;
    try {
      loadOutcomeScripts({ contacts: 'x.csv', outcomes: file } as Parameters<typeof loadOutcomeScripts>[0]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'DIALER_ERR_CONFIG' });
    expect((err as DialerError).cause).toBeInstanceOf(SyntaxError);
  });
});
