// `dialer report --out`: a file people open in a spreadsheet, so formula cells are defused, the file is
// private (0600) and never written through a symbolic link.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CampaignStore,
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  type ContactRecord,
} from '@dialer/core';
import { runCli, testContext, type TestContext } from '@dialer/test-utils';
import { writeReport } from '../src/commands/report-writer.js';

let ctx: TestContext;
let store: CampaignStore;
let dir: string;
const id = 'hostile-report';

const contacts: [string, Partial<ContactRecord>][] = [
  ['+14155550100', { nm: '=HYPERLINK("https://evil.example","click")', rs: 'OK' }],
  ['+14155550101', { nm: '@SUM(A1:A9)', rs: '-2+3' }],
  ['+14155550102', { nm: '\t=1', rs: '+cmd' }],
  ['+14155550103', { nm: 'Plain Name', rs: '486 Busy Here' }],
];

beforeAll(async () => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  dir = mkdtempSync(join(tmpdir(), 'dialer-report-'));
  await store.createCampaign(id, resolveCampaignSettings({ caller: '+15550001111' }, ctx.config));
  await store.addContacts(
    id,
    contacts.map(([p, extra], i) => [
      contactIdFor(p),
      { ...newContactRecord({ p, r: i + 2 }), s: 't', a: 1, o: 'failed', sip: 603, ...extra },
    ]),
  );
});
afterAll(async () => {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dialer report --out', () => {
  it('defuses formula cells, keeps phones E.164 and writes a 0600 file', async () => {
    const out = join(dir, 'report.csv');
    const previous = process.umask(0);
    try {
      expect(await writeReport(store, id, 'csv', out)).toBe(4);
    } finally {
      process.umask(previous);
    }
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const text = readFileSync(out, 'utf8');
    const lines = new Map(
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => [l.slice(0, 12), l]),
    );
    expect(lines.get('+14155550100')).toContain(`"'=HYPERLINK(""https://evil.example"",""click"")"`);
    expect(lines.get('+14155550101')).toMatch(/^\+14155550101,'@SUM\(A1:A9\),failed,1,603,'-2\+3,/);
    expect(lines.get('+14155550102')).toMatch(/^\+14155550102,'\t=1,failed,1,603,'\+cmd,/);
    expect(lines.get('+14155550103')).toMatch(/^\+14155550103,Plain Name,failed,1,603,486 Busy Here,/);
    // No cell of the file starts with a formula character unless it is a plain number.
    for (const line of text.trim().split('\n')) {
      for (const cell of line.split(','))
        expect(/^[=+\-@\t\r]/.test(cell) && !/^[+-]?\d+(\.\d+)?$/.test(cell)).toBe(false);
    }
  });

  it('writes JSON values as they are (JSON is not run as formulas), also 0600', async () => {
    const out = join(dir, 'report.json');
    await writeReport(store, id, 'json', out);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const rows = JSON.parse(readFileSync(out, 'utf8')) as { phone: string; name: string }[];
    expect(rows.find((r) => r.phone === '+14155550101')?.name).toBe('@SUM(A1:A9)');
  });

  it('replaces a stale world-readable report with a private one', async () => {
    const out = join(dir, 'stale.csv');
    writeFileSync(out, 'old\n');
    writeFileSync(`${out}.partial`, 'half\n');
    chmodSync(out, 0o644);
    await writeReport(store, id, 'csv', out);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toMatch(/^phone,name,/);
  });

  it('refuses a symbolic link at the target or at its partial file, leaving what it points to untouched', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    chmodSync(victim, 0o644);
    const linked = join(dir, 'linked.csv');
    symlinkSync(victim, linked);
    await expect(writeReport(store, id, 'csv', linked)).rejects.toMatchObject({
      code: 'DIALER_ERR_OUTPUT_FILE',
      message: expect.stringContaining(linked),
    });
    const viaPartial = join(dir, 'via-partial.csv');
    symlinkSync(victim, `${viaPartial}.partial`);
    await expect(writeReport(store, id, 'csv', viaPartial)).rejects.toMatchObject({ code: 'DIALER_ERR_OUTPUT_FILE' });
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(existsSync(viaPartial)).toBe(false);

    // The command says so with the code and the path, and exits 1.
    const res = await runCli(['report', id, '--out', linked], { ...ctx.env });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('DIALER_ERR_OUTPUT_FILE');
    expect(res.stderr).toContain(linked);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });
});
