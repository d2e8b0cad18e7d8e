import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture({ SAVG_CALLER: undefined });
});
afterAll(async () => fx.close());

/** Many valid rows, so that a problem near the end lies well past the first chunks. */
function validRows(count: number): string {
  return Array.from({ length: count }, (_, i) => `${usNumber(i)},P${i}\n`).join('');
}

const settings = { caller: '+15550001111' };

async function expectRefused(run: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await expect(run).rejects.toMatchObject({ name: 'DialerError', code, message: expect.stringMatching(message) });
  // Nothing enqueued, no campaign created: not a single key under this test's prefix.
  expect(await fx.keys()).toEqual([]);
}

describe('unusable input is refused before anything is written', () => {
  it('missing file', async () => {
    await expectRefused(
      fx.run({ file: join(fx.dir, 'nope.csv'), campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /CSV file not found: .*nope\.csv/,
    );
  });

  it('a directory instead of a file', async () => {
    await expectRefused(
      fx.run({ file: fx.dir, campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /is not a regular file/,
    );
  });

  it('empty file, or only blank lines', async () => {
    await expectRefused(
      fx.run({ file: fx.file('empty.csv', ''), campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /no header row/,
    );
    await expectRefused(
      fx.run({ file: fx.file('blank.csv', '\uFEFF\r\n \r\n\n'), campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /no header row/,
    );
  });

  it('no phone column (a file without a header row reads as one)', async () => {
    const file = fx.file('noheader.csv', `${usNumber(1)},Alice\n${usNumber(2)},Bob\n`);
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /no phone column.*phone, number, phone_number, msisdn, mobile, target.*--phone-column.*"\+12122000007", "Alice"/,
    );
  });

  it('--phone-column naming no column', async () => {
    const file = fx.file('named.csv', `phone,name\n${usNumber(1)},A\n`);
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settings, phoneColumn: 'cell' }),
      'DIALER_ERR_CSV',
      /no column named "cell"/,
    );
  });

  it('invalid UTF-8 near the end of a large file', async () => {
    const good = Buffer.from(`phone,name\n${validRows(3000)}`);
    const bad = Buffer.concat([good, Buffer.from(`${usNumber(5000)},Caf`), Buffer.from([0xe9]), Buffer.from('\n')]);
    await expectRefused(
      fx.run({ file: fx.file('latin1.csv', bad), campaignId: 'c1', settings, chunkSize: 100 }),
      'DIALER_ERR_CSV',
      /not valid UTF-8 \(first bad byte on line 3002\)/,
    );
  });

  it('a file that ends in the middle of a UTF-8 character', async () => {
    const cut = Buffer.concat([Buffer.from(`phone,name\n${usNumber(1)},Jos`), Buffer.from([0xc3])]);
    await expectRefused(
      fx.run({ file: fx.file('cut.csv', cut), campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /ends in the middle of a character/,
    );
  });

  it('UTF-16 (what some spreadsheets call "Unicode text")', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`phone,name\n${usNumber(1)},A\n`, 'utf16le')]);
    await expectRefused(
      fx.run({ file: fx.file('utf16.csv', utf16), campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /UTF-16/,
    );
  });

  it('binary junk', async () => {
    const junk = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);
    await expectRefused(
      fx.run({ file: fx.file('book.xlsx', junk), campaignId: 'c1', settings }),
      'DIALER_ERR_CSV',
      /binary data/,
    );
  });

  it('invalid settings: unknown key, bad value, no caller anywhere', async () => {
    const file = fx.file('ok.csv', `phone\n${usNumber(1)}\n`);
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settings: { caller: '+1555', ratePerSecnd: 3 } }),
      'DIALER_ERR_SETTINGS',
      /ratePerSecnd/,
    );
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settings: { caller: '+1555', window: { start: '9am' } } }),
      'DIALER_ERR_SETTINGS',
      /window\.start/,
    );
    // SAVG_CALLER is unset in this file's environment: a new campaign needs a caller from somewhere.
    await expectRefused(fx.run({ file, campaignId: 'c1' }), 'DIALER_ERR_SETTINGS', /caller: required/);
  });

  it('a settings file that is not JSON names the file, line and column', async () => {
    const file = fx.file('ok2.csv', `phone\n${usNumber(1)}\n`);
    const settingsFile = fx.file('settings.json', '{\n  "caller": "+15550001111",\n  "trunk": TRUNK\n}\n');
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settingsFile }),
      'DIALER_ERR_SETTINGS',
      /settings\.json is not valid JSON at line 3, column 12/,
    );
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settingsFile: join(fx.dir, 'absent.json') }),
      'DIALER_ERR_SETTINGS',
      /Settings file not found/,
    );
    const invalid = fx.file('invalid.json', '{"caller": "+15550001111", "maxLiveCalls": -1}');
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settingsFile: invalid }),
      'DIALER_ERR_SETTINGS',
      /invalid\.json: Invalid campaign settings: maxLiveCalls/,
    );
  });

  it('bad flags: campaign id, default country, delimiter', async () => {
    const file = fx.file('ok3.csv', `phone\n${usNumber(1)}\n`);
    await expectRefused(
      fx.run({ file, campaignId: 'has space', settings }),
      'DIALER_ERR_SETTINGS',
      /Invalid campaign id "has space"/,
    );
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settings, defaultCountry: 'XX' }),
      'DIALER_ERR_SETTINGS',
      /--default-country "XX"/,
    );
    await expectRefused(
      fx.run({ file, campaignId: 'c1', settings, delimiter: '::' }),
      'DIALER_ERR_CSV',
      /--delimiter must be one character/,
    );
  });
});
