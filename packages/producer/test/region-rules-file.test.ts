// `dialer produce --rules <file.json>`: region rules from a file, under the settings file's own regionRules.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { testEnv } from '@dialer/test-utils';
import { readRulesFile } from '../src/settings-file.js';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = `${ROOT}docs/examples/region-rules.json`;

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture({ SAVG_CALLER: '+15550001111' });
});
afterAll(async () => fx.close());

const csv = (from: number, count: number) =>
  `phone\n${Array.from({ length: count }, (_, i) => usNumber(from + i)).join('\n')}\n`;

async function expectRefused(run: Promise<unknown>, message: RegExp): Promise<void> {
  await expect(run).rejects.toMatchObject({
    name: 'DialerError',
    code: 'DIALER_ERR_SETTINGS',
    message: expect.stringMatching(message),
  });
  expect(await fx.keys()).toEqual([]);
}

describe('region rules file', () => {
  it('the shipped example is accepted, and says it is an example and not legal advice', async () => {
    const rules = await readRulesFile(EXAMPLE);
    expect(rules['US-FL']).toEqual({ start: '08:00', end: '20:00' });
    expect(Object.keys(rules).every((code) => /^US-[A-Z]{2}$/.test(code))).toBe(true);
    const comment = (JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { $comment: string[] }).$comment.join(' ');
    expect(comment).toMatch(/^EXAMPLE ONLY, NOT LEGAL ADVICE\./);
  });

  it('refuses a bad file before anything is written, naming the file and the key', async () => {
    const file = fx.file('one.csv', csv(0, 3));
    const run = (rulesFile: string) => fx.run({ file, campaignId: 'bad-rules', rulesFile });
    await expectRefused(
      run(fx.file('code.json', '{"us-fl": {"end": "20:00"}}')),
      /^Invalid rules file .*code\.json: us-fl: not an ISO 3166-2 region code/,
    );
    await expectRefused(
      run(fx.file('time.json', '{"US-FL": {"end": "8pm"}}')),
      /^Invalid rules file .*time\.json: US-FL\.end: must be HH:MM/,
    );
    await expectRefused(run(fx.file('key.json', '{"US-FL": {"until": "20:00"}}')), /key\.json: US-FL: .*"until"/);
    await expectRefused(run(fx.file('comment.json', '{"$comment": 3}')), /comment\.json: \$comment: must be a string/);
    await expectRefused(
      run(fx.file('broken.json', '{\n  "US-FL": { "end": 20:00 }\n}\n')),
      /^Rules file .*broken\.json is not valid JSON at line 2/,
    );
    await expectRefused(run(`${fx.dir}/absent.json`), /^Rules file not found: .*absent\.json/);
    // A rule that leaves no time inside the settings' window: the rules file and its region are named.
    const settings = { window: { start: '09:00', end: '17:00' } };
    await expectRefused(
      fx.run({
        file,
        campaignId: 'bad-rules',
        settings,
        rulesFile: fx.file('late.json', '{"US-TX": {"start": "18:00"}}'),
      }),
      /late\.json: US-TX: no calling time left inside window 09:00–17:00/,
    );
  });

  it('creates the campaign with the file’s rules under the settings’ own, which win per region', async () => {
    const settingsFile = fx.file(
      'settings.json',
      JSON.stringify({ window: { end: '21:00' }, regionRules: { 'US-FL': { end: '19:00' } } }),
    );
    const rulesFile = fx.file('rules.json', readFileSync(EXAMPLE, 'utf8'));
    await fx.run({ file: fx.file('a.csv', csv(100, 5)), campaignId: 'ruled', settingsFile, rulesFile });
    const rules = (await fx.store.getCampaign('ruled'))?.settings.regionRules;
    expect(rules?.['US-FL']).toEqual({ end: '19:00' });
    expect(rules?.['US-KY']).toEqual({ start: '10:00', end: '21:00' });
    expect(Object.keys(rules ?? {}).sort()).toEqual(['US-AL', 'US-FL', 'US-KY', 'US-LA', 'US-MD', 'US-OK']);
    // The same files again add to it; other rules are a different campaign's settings.
    await expect(
      fx.run({ file: fx.file('b.csv', csv(200, 5)), campaignId: 'ruled', settingsFile, rulesFile }),
    ).resolves.toMatchObject({ accepted: 5 });
    await expect(
      fx.run({
        file: fx.file('c.csv', csv(300, 5)),
        campaignId: 'ruled',
        settingsFile,
        rulesFile: fx.file('other.json', '{"US-TX": {"start": "09:00"}}'),
      }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/already exists with different settings \(regionRules differ\)/),
    });
    expect((await fx.store.stats('ruled')).contacts).toBe(10);
  });

  it('`dialer produce --rules` reads the file (built CLI)', async () => {
    const main = `${ROOT}packages/cli/dist/main.js`;
    expect(existsSync(main)).toBe(true);
    const file = fx.file('cli.csv', csv(400, 2));
    const rules = fx.file('cli-rules.json', '{"US-FL": {"start": "7am"}}');
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [main, 'produce', file, '--campaign', 'cli', '--rules', rules], {
        env: { ...process.env, ...testEnv({ LOG_LEVEL: 'warn' }) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(res.stderr).toContain(`DIALER_ERR_SETTINGS: Invalid rules file ${rules}: US-FL.start: must be HH:MM`);
    expect(res.code).not.toBe(0);
  });
});
