// Output files people open in a spreadsheet: formula cells defused, files private and never followed links.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  closeSync,
  linkSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateFile, escapeFormulaCell, refuseSymlink } from '@dialer/core';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dialer-safe-output-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('escapeFormulaCell', () => {
  it('prefixes cells a spreadsheet would run as formulas', () => {
    for (const cell of [
      '=HYPERLINK("https://evil.example","x")',
      '@SUM(A1:A9)',
      '-2+3',
      '+1-2',
      '\t=1',
      '\r=1',
      '=1',
      '+',
      '-',
      '@',
    ]) {
      expect(escapeFormulaCell(cell)).toBe(`'${cell}`);
    }
  });

  it('leaves plain numbers (E.164 phones, negatives, decimals) and ordinary text alone', () => {
    for (const cell of [
      '+14155550100',
      '-42',
      '3.5',
      '-0.25',
      '200',
      '',
      'Ada',
      'a=b',
      "'=already",
      'sip:bob@example.com',
    ]) {
      expect(escapeFormulaCell(cell)).toBe(cell);
    }
  });
});

describe('createPrivateFile', () => {
  it('creates the file with mode 0600 whatever the umask', () => {
    const path = join(dir, 'private.csv');
    const previous = process.umask(0);
    try {
      closeSync(createPrivateFile(path, 'report file'));
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('replaces an existing world-readable file with a private one, leaving its hard links alone', () => {
    const path = join(dir, 'old.csv');
    const other = join(dir, 'other-name.csv');
    writeFileSync(path, 'old content\n');
    chmodSync(path, 0o644);
    linkSync(path, other);
    const fd = createPrivateFile(path, 'rejects file');
    writeSync(fd, 'new\n');
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(other, 'utf8')).toBe('old content\n');
  });

  it('refuses a symbolic link at the path and does not touch what it points to', () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    chmodSync(victim, 0o644);
    const link = join(dir, 'link.csv');
    symlinkSync(victim, link);
    expect(() => createPrivateFile(link, 'report file')).toThrow(
      expect.objectContaining({ code: 'DIALER_ERR_OUTPUT_FILE', message: expect.stringContaining(link) }),
    );
    expect(() => refuseSymlink(link, 'report file')).toThrow(
      expect.objectContaining({ code: 'DIALER_ERR_OUTPUT_FILE' }),
    );
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    // A dangling link is refused too (O_CREAT through it would create the file it names).
    const dangling = join(dir, 'dangling.csv');
    symlinkSync(join(dir, 'nowhere.txt'), dangling);
    expect(() => createPrivateFile(dangling, 'rejects file')).toThrow(
      expect.objectContaining({ code: 'DIALER_ERR_OUTPUT_FILE' }),
    );
    expect(() => statSync(join(dir, 'nowhere.txt'))).toThrow();
  });

  it('refuses a path that is not a regular file', () => {
    expect(() => createPrivateFile(dir, 'report file')).toThrow(
      expect.objectContaining({
        code: 'DIALER_ERR_OUTPUT_FILE',
        message: expect.stringContaining('not a regular file'),
      }),
    );
  });
});
