import { readFileSync, existsSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { contactIdOf } from '@dialer/test-utils';
import { producerFixture, usNational, usNumber, type ProducerFixture } from './helpers.js';

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture();
});
afterAll(async () => fx.close());

/** The id the campaign gave a number (contact ids are keyed per deployment). */
const idOf = (campaignId: string, number: string) => contactIdOf(fx.ctx, campaignId, number);

describe('messy CSV files', () => {
  it('handles a BOM, CRLF, quoted commas and newlines, blank lines, extra columns as metadata', async () => {
    const csv =
      '\uFEFFPhone,Name,TimeZone,Customer ID,Note\r\n' +
      `${usNumber(1)},"Doe, Jane",America/Chicago,C-1,"line one\r\nline two"\r\n` +
      '\r\n' +
      `${usNumber(2)},Bob,,C-2,\r\n` +
      ',,,,\r\n' +
      `   \r\n` +
      `${usNumber(3)},Carol,america/new_york,C-3,plain\r\n`;
    const file = fx.file('messy.csv', csv);
    const summary = await fx.run({ file, campaignId: 'messy' });
    expect(summary).toMatchObject({
      campaign: 'messy',
      rows: 3,
      accepted: 3,
      duplicates: 0,
      rejected: 0,
      suppressed: 0,
    });
    expect(summary.rejectsFile).toBeUndefined();
    expect(existsSync(`${file}.rejects.csv`)).toBe(false);

    const jane = await fx.store.getContact('messy', await idOf('messy', usNumber(1)));
    expect(jane).toEqual({
      p: usNumber(1),
      lk: expect.any(String),
      nm: 'Doe, Jane',
      tz: 'America/Chicago',
      md: { 'Customer ID': 'C-1', Note: 'line one\r\nline two' },
      r: 2,
      n: 1,
      s: 'q',
      a: 0,
    });
    // Empty cells are not metadata (they must not override campaign defaults); blank lines still count as rows.
    expect(await fx.store.getContact('messy', await idOf('messy', usNumber(2)))).toMatchObject({
      nm: 'Bob',
      md: { 'Customer ID': 'C-2' },
      r: 4,
    });
    // Zone names are case-insensitive in the file and stored canonical.
    expect(await fx.store.getContact('messy', await idOf('messy', usNumber(3)))).toMatchObject({
      tz: 'America/New_York',
      r: 7,
    });
    expect(await fx.jobCount('messy')).toBe(3);
    const janeId = await idOf('messy', usNumber(1));
    const job = await fx.queues.get('messy').getJob(`${janeId}-1`);
    expect(job?.data).toEqual({ c: janeId, n: 1 });
    expect(await fx.store.getCampaign('messy')).toMatchObject({ state: 'running' });
  });

  it('detects ; and tab delimiters from the header, and takes --delimiter', async () => {
    const semi = fx.file('semi.csv', `msisdn;name;city\n${usNumber(10)};"A; B";Paris\n${usNumber(11)};C;Lyon\n`);
    expect(await fx.run({ file: semi, campaignId: 'semi' })).toMatchObject({ rows: 2, accepted: 2, rejected: 0 });
    expect(await fx.store.getContact('semi', await idOf('semi', usNumber(10)))).toMatchObject({
      nm: 'A; B',
      md: { city: 'Paris' },
    });

    const tab = fx.file('tab.tsv', `Mobile\tName\n${usNumber(12)}\tTab Person\n`);
    expect(await fx.run({ file: tab, campaignId: 'tab' })).toMatchObject({ rows: 1, accepted: 1 });
    expect(await fx.store.getContact('tab', await idOf('tab', usNumber(12)))).toMatchObject({ nm: 'Tab Person' });

    // A tie in the header (one ; and one ,) is read as commas; --delimiter settles it.
    const tie = fx.file('tie.csv', `phone;name,title\n${usNumber(13)};Dr, Who\n`);
    await expect(fx.run({ file: tie, campaignId: 'tie' })).rejects.toMatchObject({ code: 'DIALER_ERR_CSV' });
    expect(await fx.run({ file: tie, campaignId: 'tie', delimiter: ';' })).toMatchObject({ rows: 1, accepted: 1 });
    expect(await fx.store.getContact('tie', await idOf('tie', usNumber(13)))).toMatchObject({
      md: { 'name,title': 'Dr, Who' },
    });
  });

  it('rejects bad rows into a rejects CSV and never stops; duplicates are counted once', async () => {
    const csv = [
      'number,name,timezone,plan',
      `${usNumber(20)},Ann,Europe/Paris,gold`,
      'not-a-number,Bad,,gold',
      `${usNumber(21)},Ben,Mars/Olympus,gold`,
      `${usNumber(22)},Too,,many,columns`,
      `${usNumber(23)},Few`,
      `${usNumber(20)},Ann again,,gold`,
      `${usNumber(24)},"Trailing empties",,gold,,`,
      '+15550000001,Fictional,,gold',
      '',
    ].join('\n');
    const file = fx.file('bad.csv', csv);
    const summary = await fx.run({ file, campaignId: 'bad' });
    expect(summary).toMatchObject({
      rows: 8,
      accepted: 2,
      duplicates: 1,
      rejected: 5,
      suppressed: 0,
      rejectsFile: `${file}.rejects.csv`,
    });
    expect(await fx.jobCount('bad')).toBe(2);

    const rejects = parse(readFileSync(`${file}.rejects.csv`, 'utf8'), { relax_column_count: true }) as string[][];
    expect(rejects[0]).toEqual(['row', 'reason', 'number', 'name', 'timezone', 'plan']);
    expect(rejects.slice(1).map((r) => r[0])).toEqual(['3', '4', '5', '6', '9']);
    expect(rejects[1]).toEqual([
      '3',
      expect.stringContaining('not in international format'),
      'not-a-number',
      'Bad',
      '',
      'gold',
    ]);
    expect(rejects[2]).toEqual([
      '4',
      expect.stringContaining('invalid timezone "Mars/Olympus"'),
      usNumber(21),
      'Ben',
      'Mars/Olympus',
      'gold',
    ]);
    expect(rejects[3]).toEqual(['5', 'expected 4 columns, found 5', usNumber(22), 'Too', '', 'many', 'columns']);
    expect(rejects[4]).toEqual(['6', 'expected 4 columns, found 2', usNumber(23), 'Few']);
    expect(rejects[5]?.[1]).toContain('invalid phone number');
  });

  it('normalizes national numbers with --default-country and dedupes their spellings', async () => {
    const file = fx.file(
      'national.csv',
      `phone_number,name\n"${usNational(30)}",A\n${usNumber(30)},A2\n212-200-0217,B\ntel:${usNumber(32)},C\nsip:bot@example.com,D\n`,
    );
    const summary = await fx.run({ file, campaignId: 'national', defaultCountry: 'us' });
    // A SIP URI has no time zone, and this campaign sets no window.timezone: never called at a guessed hour.
    expect(summary).toMatchObject({ rows: 5, accepted: 3, duplicates: 1, rejected: 1 });
    expect(await fx.store.getContact('national', await idOf('national', usNumber(30)))).toMatchObject({
      p: usNumber(30),
      nm: 'A',
    });
    expect(await fx.store.getContact('national', await idOf('national', 'sip:bot@example.com'))).toBeUndefined();
    // Without a default country, national numbers are rejected with a reason that says why.
    const again = await fx.run({ file, campaignId: 'national-nocc', rejectsPath: `${fx.dir}/nocc-rejects.csv` });
    expect(again).toMatchObject({ accepted: 2, rejected: 3, rejectsFile: `${fx.dir}/nocc-rejects.csv` });
    const rejects = readFileSync(`${fx.dir}/nocc-rejects.csv`, 'utf8');
    expect(rejects).toContain('no default country');
    expect(rejects).toContain('timezone unknown');
  });

  it('finds the phone column by --phone-column, whatever its name', async () => {
    const file = fx.file('custom.csv', `id,Cell Phone,name\n1,${usNumber(40)},A\n`);
    expect(await fx.run({ file, campaignId: 'custom', phoneColumn: 'cell phone' })).toMatchObject({ accepted: 1 });
    expect(await fx.store.getContact('custom', await idOf('custom', usNumber(40)))).toMatchObject({ md: { id: '1' } });
  });

  it('keeps reading after a malformed quote and reports the unreadable rows', async () => {
    const file = fx.file(
      'quotes.csv',
      `phone,name\n${usNumber(50)},"ab"c\n${usNumber(51)},ok\n${usNumber(52)},"never closed\n${usNumber(53)},lost\n`,
    );
    const summary = await fx.run({ file, campaignId: 'quotes' });
    // A stray quote inside a field is kept as text; an unclosed one swallows the rest of the file into one bad row.
    expect(summary).toMatchObject({ accepted: 2, rejected: 1 });
    expect(readFileSync(`${file}.rejects.csv`, 'utf8')).toMatch(/Quote Not Closed/i);
  });
});
