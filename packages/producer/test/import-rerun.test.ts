import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { contactIdFor, newContactRecord, resolveCampaignSettings } from '@dialer/core';
import { SUPPRESSED_AT_IMPORT } from '../src/index.js';
import { contactIdOf } from '@dialer/test-utils';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

let fx: ProducerFixture;
beforeAll(() => {
  fx = producerFixture();
});
afterAll(async () => fx.close());

function csvOf(from: number, count: number): string {
  const lines = ['phone,name'];
  for (let i = from; i < from + count; i++) lines.push(`${usNumber(i)},Person ${i}`);
  return `${lines.join('\n')}\n`;
}

describe('re-running imports', () => {
  it('enqueues nothing the second time the same file is imported', async () => {
    const file = fx.file('twice.csv', csvOf(0, 2500));
    expect(await fx.run({ file, campaignId: 'twice' })).toMatchObject({ rows: 2500, accepted: 2500, duplicates: 0 });
    expect(await fx.jobCount('twice')).toBe(2500);
    expect(await fx.run({ file, campaignId: 'twice' })).toMatchObject({ rows: 2500, accepted: 0, duplicates: 2500 });
    expect(await fx.jobCount('twice')).toBe(2500);
    expect((await fx.store.stats('twice')).contacts).toBe(2500);
    // A later file that overlaps adds only its new numbers.
    const more = fx.file('more.csv', csvOf(2000, 1000));
    expect(await fx.run({ file: more, campaignId: 'twice' })).toMatchObject({
      rows: 1000,
      accepted: 500,
      duplicates: 500,
    });
    expect(await fx.jobCount('twice')).toBe(3000);
  });

  it('repairs an import that died between writing contacts and their jobs', async () => {
    // The crash: the first 1,200 contacts reached Redis, their jobs never did.
    const settings = resolveCampaignSettings({}, fx.ctx.config);
    await fx.store.createCampaign('crashed', settings);
    const written = Array.from(
      { length: 1200 },
      (_, i) =>
        [contactIdFor(usNumber(i)), newContactRecord({ p: usNumber(i), r: i + 2 })] as [
          string,
          ReturnType<typeof newContactRecord>,
        ],
    );
    await fx.store.addContacts('crashed', written);
    expect(await fx.jobCount('crashed')).toBe(0);

    const file = fx.file('crashed.csv', csvOf(0, 3000));
    expect(await fx.run({ file, campaignId: 'crashed' })).toMatchObject({
      rows: 3000,
      accepted: 1800,
      duplicates: 1200,
    });
    expect(await fx.jobCount('crashed')).toBe(3000);
    for (const i of [0, 1199, 1200, 2999]) {
      expect(
        await fx.queues.get('crashed').getJob(`${await contactIdOf(fx.ctx, 'crashed', usNumber(i))}-1`),
      ).toBeDefined();
    }
  });

  it('finishes an interrupted import when run again (exactly one job per contact)', async () => {
    const file = fx.file('aborted.csv', csvOf(0, 5000));
    const abort = new AbortController();
    const first = await fx.run({
      file,
      campaignId: 'aborted',
      chunkSize: 500,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.rows >= 1500) abort.abort();
      },
    });
    expect(first.aborted).toBe(true);
    expect(first.accepted).toBeGreaterThan(0);
    expect(first.accepted).toBeLessThan(5000);
    expect(await fx.jobCount('aborted')).toBe(first.accepted);

    const second = await fx.run({ file, campaignId: 'aborted' });
    expect(second.aborted).toBeUndefined();
    expect(second).toMatchObject({ rows: 5000, accepted: 5000 - first.accepted, duplicates: first.accepted });
    expect(await fx.jobCount('aborted')).toBe(5000);
    expect((await fx.store.stats('aborted')).contacts).toBe(5000);
  });

  it('counts do-not-call numbers as suppressed, stores them terminal and enqueues nothing for them', async () => {
    await fx.ctx.redis.sadd(fx.ctx.keys.globalSuppress(), usNumber(1));
    await fx.ctx.redis.sadd(fx.ctx.keys.campaignSuppress('dnc'), usNumber(2));
    await fx.ctx.redis.sadd(fx.ctx.keys.campaignSuppress('other'), usNumber(3));
    const file = fx.file('dnc.csv', csvOf(0, 5));
    expect(await fx.run({ file, campaignId: 'dnc' })).toMatchObject({
      rows: 5,
      accepted: 3,
      suppressed: 2,
      duplicates: 0,
    });
    expect(await fx.jobCount('dnc')).toBe(3);
    expect(await fx.store.getContact('dnc', await contactIdOf(fx.ctx, 'dnc', usNumber(1)))).toMatchObject({
      p: usNumber(1),
      nm: 'Person 1',
      s: 't',
      o: 'suppressed',
      rs: SUPPRESSED_AT_IMPORT,
      r: 3,
    });
    expect(await fx.store.stats('dnc')).toMatchObject({ contacts: 5, terminal: 2, outcomes: { suppressed: 2 } });
    // Re-importing: the suppressed contacts are known, nothing new is enqueued.
    expect(await fx.run({ file, campaignId: 'dnc' })).toMatchObject({ accepted: 0, suppressed: 0, duplicates: 5 });
    expect(await fx.jobCount('dnc')).toBe(3);
  });

  it('a file of only suppressed numbers creates a campaign that is already complete', async () => {
    await fx.ctx.redis.sadd(fx.ctx.keys.globalSuppress(), usNumber(900), usNumber(901));
    const file = fx.file('all-dnc.csv', csvOf(900, 2));
    expect(await fx.run({ file, campaignId: 'all-dnc' })).toMatchObject({ accepted: 0, suppressed: 2 });
    expect(await fx.store.getCampaign('all-dnc')).toMatchObject({ state: 'completed' });
  });
});

describe('creating and adding to campaigns', () => {
  it('creates the campaign with the settings file, and adds to it with the same or no settings', async () => {
    const settingsFile = join(fx.dir, 'settings.json');
    writeFileSync(
      settingsFile,
      JSON.stringify({ caller: '+15550002222', ratePerSecond: 2, window: { start: '09:00', end: '20:00' } }),
    );
    const file = fx.file('a.csv', csvOf(100, 10));
    await fx.run({ file, campaignId: 'configured', settingsFile });
    const meta = await fx.store.getCampaign('configured');
    expect(meta?.settings).toMatchObject({
      caller: '+15550002222',
      ratePerSecond: 2,
      window: { start: '09:00', end: '20:00' },
    });

    const b = fx.file('b.csv', csvOf(110, 10));
    expect(await fx.run({ file: b, campaignId: 'configured', settingsFile })).toMatchObject({ accepted: 10 });
    const c = fx.file('c.csv', csvOf(120, 10));
    expect(await fx.run({ file: c, campaignId: 'configured' })).toMatchObject({ accepted: 10 });
    expect(await fx.jobCount('configured')).toBe(30);
  });

  it('refuses different settings for an existing campaign, naming it, and writes nothing', async () => {
    const file = fx.file('d.csv', csvOf(200, 10));
    await fx.run({ file, campaignId: 'fixed', settings: { ratePerSecond: 1 } });
    const other = fx.file('e.csv', csvOf(210, 10));
    await expect(
      fx.run({ file: other, campaignId: 'fixed', settings: { ratePerSecond: 3, caller: '+15550009999' } }),
    ).rejects.toMatchObject({
      code: 'DIALER_ERR_SETTINGS',
      message: expect.stringMatching(
        /Campaign "fixed" already exists with different settings \(caller, ratePerSecond differ\)/,
      ),
    });
    expect((await fx.store.stats('fixed')).contacts).toBe(10);
    expect((await fx.store.getCampaign('fixed'))?.settings.ratePerSecond).toBe(1);
  });

  it('refuses to add contacts to a cancelled campaign', async () => {
    const file = fx.file('f.csv', csvOf(300, 3));
    await fx.run({ file, campaignId: 'gone' });
    await fx.store.setState('gone', 'cancelled');
    const more = fx.file('g.csv', csvOf(310, 3));
    await expect(fx.run({ file: more, campaignId: 'gone' })).rejects.toMatchObject({
      code: 'DIALER_ERR_CAMPAIGN_STATE',
      message: expect.stringContaining('"gone" is cancelled'),
    });
    expect((await fx.store.stats('gone')).contacts).toBe(3);
  });

  it('reopens a completed campaign when new contacts arrive', async () => {
    await fx.ctx.redis.sadd(fx.ctx.keys.globalSuppress(), usNumber(400));
    await fx.run({ file: fx.file('h.csv', csvOf(400, 1)), campaignId: 'reopen' });
    expect(await fx.store.getState('reopen')).toBe('completed');
    expect(await fx.run({ file: fx.file('i.csv', csvOf(401, 2)), campaignId: 'reopen' })).toMatchObject({
      accepted: 2,
    });
    expect(await fx.store.getState('reopen')).toBe('running');
  });
});
