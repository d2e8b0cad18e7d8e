import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { contactIdOf } from '@dialer/test-utils';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture();
});
afterAll(async () => fx.close());

const ROWS = 100_000;

/** 100k rows: every 1,000th row repeats an earlier number, every 2,500th is not a number. */
async function writeLargeCsv(path: string): Promise<{ duplicates: number; rejected: number }> {
  const out = createWriteStream(path);
  out.write('phone,name,timezone,account\n');
  let duplicates = 0;
  let rejected = 0;
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    let phone = usNumber(i);
    if (i % 1000 === 999) {
      phone = usNumber(i - 500);
      duplicates++;
    } else if (i % 2500 === 1234) {
      phone = `garbage-${i}`;
      rejected++;
    }
    buf += `${phone},Customer ${i},America/Denver,A${i}\n`;
    if (buf.length > 64 * 1024) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return { duplicates, rejected };
}

describe('a 100k-row import', () => {
  it('imports every row once, with one job per contact', async () => {
    const file = join(fx.dir, 'large.csv');
    const expected = await writeLargeCsv(file);
    let progressCalls = 0;
    const summary = await fx.run({ file, campaignId: 'large', onProgress: () => progressCalls++ });
    const accepted = ROWS - expected.duplicates - expected.rejected;
    expect(summary).toMatchObject({
      rows: ROWS,
      accepted,
      duplicates: expected.duplicates,
      rejected: expected.rejected,
      suppressed: 0,
    });
    expect(progressCalls).toBeGreaterThan(50);
    expect(await fx.jobCount('large')).toBe(accepted);
    expect((await fx.store.stats('large')).contacts).toBe(accepted);
    expect(await fx.store.getContact('large', await contactIdOf(fx.ctx, 'large', usNumber(99_998)))).toMatchObject({
      r: 100_000,
      tz: 'America/Denver',
      md: { account: 'A99998' },
    });
  });
});
