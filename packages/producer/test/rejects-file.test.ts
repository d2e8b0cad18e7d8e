// The rejects CSV is someone's contact list opened in a spreadsheet: formula cells defused, the file
// private (0600) and never written through a symbolic link.
import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture();
});
afterAll(async () => fx.close());

const hostileCsv =
  'phone,name,=note\n' +
  `${usNumber(1)},Fine,ok\n` +
  '"=HYPERLINK(""https://evil.example"",""click"")",Mallory,x\n' +
  'not-a-number,@SUM(A1:A9),-2+3\n' +
  '12,"\t=1",+cmd\n';

describe('rejects file', () => {
  it('defuses formula cells (numbers stay numbers) and is created 0600', async () => {
    const file = fx.file('hostile.csv', hostileCsv);
    const rejects = join(fx.dir, 'hostile-rejects.csv');
    const previous = process.umask(0);
    let summary;
    try {
      summary = await fx.run({
        file,
        campaignId: 'rej-hostile',
        rejectsPath: rejects,
        settings: { caller: '+15550001111' },
      });
    } finally {
      process.umask(previous);
    }
    expect(summary).toMatchObject({ accepted: 1, rejected: 3, rejectsFile: rejects });
    expect(statSync(rejects).mode & 0o777).toBe(0o600);
    const rows = parse(readFileSync(rejects, 'utf8')) as string[][];
    expect(rows[0]).toEqual(['row', 'reason', 'phone', 'name', "'=note"]);
    const byRow = new Map(rows.slice(1).map((r) => [r[0], r.slice(2)]));
    expect(byRow.get('3')).toEqual([`'=HYPERLINK("https://evil.example","click")`, 'Mallory', 'x']);
    expect(byRow.get('4')).toEqual(['not-a-number', "'@SUM(A1:A9)", "'-2+3"]);
    expect(byRow.get('5')).toEqual(['12', "'\t=1", "'+cmd"]);
  });

  it('replaces a world-readable rejects file left by an earlier run with a private one', async () => {
    const file = fx.file('again.csv', hostileCsv);
    const rejects = join(fx.dir, 'again-rejects.csv');
    writeFileSync(rejects, 'old\n');
    chmodSync(rejects, 0o644);
    await fx.run({ file, campaignId: 'rej-again', rejectsPath: rejects, settings: { caller: '+15550001111' } });
    expect(statSync(rejects).mode & 0o777).toBe(0o600);
    expect(readFileSync(rejects, 'utf8')).toMatch(/^row,reason,phone,name,'=note\n/);
  });

  it('refuses a symbolic link at the rejects path before importing anything, leaving its target untouched', async () => {
    const victim = fx.file('victim.txt', 'precious\n');
    chmodSync(victim, 0o644);
    const link = join(fx.dir, 'linked-rejects.csv');
    symlinkSync(victim, link);
    const file = fx.file('linked.csv', hostileCsv);
    await expect(
      fx.run({ file, campaignId: 'rej-linked', rejectsPath: link, settings: { caller: '+15550001111' } }),
    ).rejects.toMatchObject({
      code: 'DIALER_ERR_OUTPUT_FILE',
      message: expect.stringContaining(link),
    });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(await fx.store.getCampaign('rej-linked')).toBeUndefined();
    // A dangling link would otherwise create the file it names.
    const dangling = join(fx.dir, 'dangling-rejects.csv');
    symlinkSync(join(fx.dir, 'made-by-link.csv'), dangling);
    await expect(
      fx.run({ file, campaignId: 'rej-dangling', rejectsPath: dangling, settings: { caller: '+15550001111' } }),
    ).rejects.toMatchObject({
      code: 'DIALER_ERR_OUTPUT_FILE',
    });
    expect(existsSync(join(fx.dir, 'made-by-link.csv'))).toBe(false);
  });
});
