import { describe, it, expect, afterEach } from '@jest/globals';
import {
  CONTACT_IDS_FIELD,
  contactIdFor,
  contactIdKeyFingerprint,
  loadConfig,
  newContactRecord,
  resolveCampaignSettings,
} from '@dialer/core';
import { contactIdOf } from '@dialer/test-utils';
import { runImport } from '../src/index.js';
import { producerFixture, usNumber, type ProducerFixture } from './helpers.js';

// Every test gets deployments (key prefixes) of its own: the contact id key is per prefix.
const fixtures: ProducerFixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});
function deployment(env: Record<string, string | undefined> = {}): ProducerFixture {
  const fx = producerFixture(env);
  fixtures.push(fx);
  return fx;
}

function csvOf(from: number, count: number): string {
  const lines = ['phone,name'];
  for (let i = from; i < from + count; i++) lines.push(`${usNumber(i)},Person ${i}`);
  return `${lines.join('\n')}\n`;
}

const contactIds = async (fx: ProducerFixture, campaignId: string) =>
  (await fx.ctx.redis.hkeys(fx.ctx.keys.campaignContacts(campaignId))).sort();

describe('contact ids of imported contacts', () => {
  it('are keyed per deployment: not the bare SHA-256 of the number, different under another REDIS_PREFIX', async () => {
    const a = deployment();
    const b = deployment();
    const numbers = Array.from({ length: 50 }, (_, i) => usNumber(i));
    for (const fx of [a, b])
      expect(await fx.run({ file: fx.file('c.csv', csvOf(0, 50)), campaignId: 'keyed' })).toMatchObject({
        accepted: 50,
      });

    const idsA = await contactIds(a, 'keyed');
    const idsB = await contactIds(b, 'keyed');
    expect(idsA).toHaveLength(50);
    expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
    expect(idsA.filter((id) => numbers.map(contactIdFor).includes(id))).toEqual([]);
    for (const id of idsA) expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    // The campaign records its scheme by the key's fingerprint, and the key lives under the prefix.
    const key = await a.ctx.redis.get(a.ctx.keys.contactIdKey());
    expect(await a.ctx.redis.hget(a.ctx.keys.campaignMeta('keyed'), CONTACT_IDS_FIELD)).toBe(
      `hmac:${contactIdKeyFingerprint(key!)}`,
    );
    expect((await Promise.all(numbers.map((n) => contactIdOf(a.ctx, 'keyed', n)))).sort()).toEqual(idsA);
    // Job ids carry the keyed id, not anything the number can be read back from.
    const job = await a.queues.get('keyed').getJob(`${await contactIdOf(a.ctx, 'keyed', usNumber(3))}-1`);
    expect(job?.data).toEqual({ c: await contactIdOf(a.ctx, 'keyed', usNumber(3)), n: 1 });
  });

  it('a campaign created before keyed ids dedupes a re-import against its old ids (no one dialed twice)', async () => {
    const fx = deployment();
    // The campaign as earlier versions left it: no scheme in its meta, bare SHA-256 ids, the first jobs queued.
    await fx.store.createCampaign('legacy', resolveCampaignSettings({}, fx.ctx.config));
    await fx.store.addContacts(
      'legacy',
      Array.from({ length: 300 }, (_, i) => [
        contactIdFor(usNumber(i)),
        newContactRecord({ p: usNumber(i), r: i + 2 }),
      ]),
    );
    for (let i = 0; i < 300; i++) await fx.queues.addAttempt('legacy', contactIdFor(usNumber(i)), 1);
    expect(await fx.ctx.redis.hget(fx.ctx.keys.campaignMeta('legacy'), CONTACT_IDS_FIELD)).toBeNull();

    const file = fx.file('legacy.csv', csvOf(0, 400));
    expect(await fx.run({ file, campaignId: 'legacy', dryRun: true })).toMatchObject({
      accepted: 100,
      duplicates: 300,
    });
    expect(await fx.run({ file, campaignId: 'legacy' })).toMatchObject({ rows: 400, accepted: 100, duplicates: 300 });
    expect((await fx.store.stats('legacy')).contacts).toBe(400);
    expect(await fx.jobCount('legacy')).toBe(400);
    // New numbers of the old campaign get old-style ids too: the campaign keeps one scheme.
    expect(await fx.store.getContact('legacy', contactIdFor(usNumber(399)))).toMatchObject({ p: usNumber(399) });
    expect(await contactIdOf(fx.ctx, 'legacy', usNumber(399))).toBe(contactIdFor(usNumber(399)));
    expect(await fx.ctx.redis.hget(fx.ctx.keys.campaignMeta('legacy'), CONTACT_IDS_FIELD)).toBeNull();
  });

  it('refuses a campaign made under another key than the deployment has now, naming CONTACT_ID_KEY, and writes nothing', async () => {
    const fx = deployment();
    const file = fx.file('first.csv', csvOf(0, 20));
    expect(await fx.run({ file, campaignId: 'early' })).toMatchObject({ accepted: 20 });
    const before = await contactIds(fx, 'early');

    const config = loadConfig({ ...fx.ctx.env, CONTACT_ID_KEY: 'set-later-0123456789abcdef0123456789' }, 'producer');
    const later = (dryRun: boolean) =>
      runImport(
        { file: fx.file('later.csv', csvOf(0, 40)), campaignId: 'early', dryRun },
        { redis: fx.ctx.redis, keys: fx.ctx.keys, config, queues: fx.queues },
      );
    for (const dryRun of [false, true]) {
      await expect(later(dryRun)).rejects.toMatchObject({
        name: 'DialerError',
        code: 'DIALER_ERR_CONFIG',
        message: expect.stringMatching(/Campaign "early" .*CONTACT_ID_KEY/),
      });
    }
    expect(await contactIds(fx, 'early')).toEqual(before);
    expect(await fx.jobCount('early')).toBe(20);
    // A new campaign is fine under the new key.
    expect(
      await runImport(
        { file, campaignId: 'fresh' },
        { redis: fx.ctx.redis, keys: fx.ctx.keys, config, queues: fx.queues },
      ),
    ).toMatchObject({ accepted: 20 });
  });

  it('two first imports at once in a fresh deployment agree on one key: one contact per number', async () => {
    /** Two importers of one fresh deployment, on connections of their own: they race for the key for real. */
    const fresh = async () => {
      const a = deployment();
      const b = deployment({ REDIS_PREFIX: a.ctx.env.REDIS_PREFIX });
      expect(await a.ctx.redis.exists(a.ctx.keys.contactIdKey())).toBe(0);
      return [a, b, a.file('race.csv', csvOf(0, 1500))] as const;
    };

    // Into the same campaign.
    const [a, b, file] = await fresh();
    const [one, two] = await Promise.all([
      a.run({ file, campaignId: 'race', chunkSize: 100 }),
      b.run({ file, campaignId: 'race', chunkSize: 100 }),
    ]);
    expect(one.accepted + two.accepted).toBe(1500);
    expect(one.duplicates + two.duplicates).toBe(1500);
    expect((await a.store.stats('race')).contacts).toBe(1500);
    expect(await a.jobCount('race')).toBe(1500);

    // Into two campaigns: both get the deployment's one key.
    const [c, d, file2] = await fresh();
    await Promise.all([c.run({ file: file2, campaignId: 'race-c' }), d.run({ file: file2, campaignId: 'race-d' })]);
    expect(await contactIds(c, 'race-c')).toEqual(await contactIds(c, 'race-d'));
    expect(await c.ctx.redis.hget(c.ctx.keys.campaignMeta('race-c'), CONTACT_IDS_FIELD)).toBe(
      await c.ctx.redis.hget(c.ctx.keys.campaignMeta('race-d'), CONTACT_IDS_FIELD),
    );
  });
});
