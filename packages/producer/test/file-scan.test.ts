// The up-front check of a whole CSV file reads it in 1 MiB pieces and validates the bytes without decoding
// them: a character cut by a piece's end must be joined with the next piece, and an error past the first
// piece must still name its line.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from '@jest/globals';
import { scanFile } from '../src/file-scan.js';

const PIECE = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), 'file-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A header and `n` rows of 20 bytes each ("+12025550000,Name A\n"). */
function rows(n: number): Buffer {
  const lines = ['phone,name\n'];
  for (let i = 0; i < n; i++) lines.push(`+1202555${String(i % 10_000).padStart(4, '0')},Name A\n`);
  return Buffer.from(lines.join(''));
}

describe('scanFile', () => {
  it.each([
    ['é', 1],
    ['€', 1],
    ['€', 2],
    ['😀', 1],
    ['😀', 3],
  ])('accepts %s cut after %i of its bytes by the end of a piece', async (char, cut) => {
    const header = 'phone,name\n';
    const content = Buffer.from(`${header}${'a'.repeat(PIECE - cut - header.length)}${char}\n+12025550000,A\n`);
    expect(content.indexOf(char)).toBe(PIECE - cut);
    const scan = await scanFile(file(`cut-${cut}.csv`, content));
    expect(scan).toEqual({ size: content.length, headerLine: 'phone,name' });
  });

  it('names the line of a bad byte in a later piece', async () => {
    const good = rows(150_000); // ~3 MB: three pieces
    const line = 150_002; // header + 150,000 rows, then the bad one
    const content = Buffer.concat([good, Buffer.from('+12025550000,Caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    await expect(scanFile(file('late-bad.csv', content))).rejects.toMatchObject({
      code: 'DIALER_ERR_CSV',
      message: expect.stringContaining(`first bad byte on line ${line}`),
    });
  });

  it('names the line of a NUL byte in a later piece', async () => {
    const good = rows(100_000);
    const content = Buffer.concat([good, Buffer.from('+12025550000,A'), Buffer.from([0]), Buffer.from('\n')]);
    await expect(scanFile(file('late-nul.csv', content))).rejects.toMatchObject({
      code: 'DIALER_ERR_CSV',
      message: expect.stringContaining('a NUL byte at line 100002'),
    });
  });

  it('refuses a byte no character starts with at the very end, as a bad byte', async () => {
    const content = Buffer.concat([rows(3), Buffer.from([0xff])]);
    await expect(scanFile(file('ff.csv', content))).rejects.toMatchObject({
      message: expect.stringContaining('first bad byte on line 5'),
    });
  });

  it('refuses a file cut in the middle of a 4-byte character', async () => {
    const content = Buffer.concat([rows(3), Buffer.from('😀').subarray(0, 3)]);
    await expect(scanFile(file('cut-end.csv', content))).rejects.toMatchObject({
      message: expect.stringContaining('ends in the middle of a character'),
    });
  });

  it('reads a header that spans pieces', async () => {
    const header = `phone,${'é'.repeat(600_000)}`; // 1.2 MB, fewer characters than the header limit
    const scan = await scanFile(file('long-header.csv', Buffer.from(`${header}\n+12025550000,A\n`)));
    expect(scan.headerLine).toBe(header);
  });

  it('stops reading when its signal is aborted (the import it was for has ended)', async () => {
    // A bad byte three pieces in: a scan that went on reading would reject with the file's error instead.
    const content = Buffer.concat([rows(150_000), Buffer.from([0xe9, 0x0a])]);
    const path = file('aborted.csv', content);
    const stop = new AbortController();
    const scanning = scanFile(path, stop.signal);
    stop.abort(new Error('the import ended'));
    await expect(scanning).rejects.toThrow('the import ended');
    await expect(scanFile(path)).rejects.toMatchObject({ code: 'DIALER_ERR_CSV' });
  });
});
