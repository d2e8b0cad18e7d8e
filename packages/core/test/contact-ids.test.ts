import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CONTACT_IDS_FIELD,
  CampaignStore,
  contactIdFor,
  contactIdKeyFingerprint,
  contactIdSchemeLabel,
  contactIdsFor,
  createRedis,
  hmacContactIds,
  loadConfig,
  resolveCampaignSettings,
  resolveContactIdScheme,
  type DialerConfig,
} from '@dialer/core';
import { testContext, testEnv, type TestContext } from '@dialer/test-utils';

const NUMBER = '+12025550143';
const referenceId = (secret: string, number: string) =>
  createHmac('sha256', secret).update(number).digest('base64url').slice(0, 16);

let ctx: TestContext;
beforeAll(() => {
  ctx = testContext();
});
afterAll(async () => ctx.close());

/** A meta as the importer writes it: settings, and the scheme label when there is one. */
async function seedCampaign(c: TestContext, id: string, label?: string): Promise<void> {
  await c.redis.hset(
    c.keys.campaignMeta(id),
    'settings',
    '{}',
    'state',
    'running',
    ...(label ? [CONTACT_IDS_FIELD, label] : []),
  );
}

describe('keyed contact ids', () => {
  it('are the HMAC-SHA256 of the number, for any key and number (short, long, non-ASCII, keys over one block)', () => {
    // Around the 85-character scratch buffer: ASCII, 2- and 3-byte UTF-8, and longer ones (hashed apart).
    const numbers = [
      NUMBER,
      'sip:bot@example.com',
      `sip:${'x'.repeat(79)}@e`,
      '日'.repeat(85),
      `sip:${'é'.repeat(75)}@e`,
      `sip:${'x'.repeat(80)}@e`,
      `sip:${'y'.repeat(300)}@e`,
      'sip:日本@例え.jp',
      '',
    ];
    for (let k = 0; k < 40; k++) {
      const secret = randomBytes(randomInt(24, 160)).toString('base64url');
      const ids = hmacContactIds(secret);
      for (const number of [...numbers, `+1${randomInt(2_000_000_000, 9_999_999_999)}`]) {
        const id = ids(number);
        expect(id).toBe(referenceId(secret, number));
        expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      }
      // The scratch buffer is reused: a shorter number after a longer one is hashed alone.
      expect(ids(`sip:${'z'.repeat(80)}@e`)).toBe(referenceId(secret, `sip:${'z'.repeat(80)}@e`));
      expect(ids(NUMBER)).toBe(referenceId(secret, NUMBER));
    }
  });

  it('differ between keys and from the bare SHA-256 of the number', () => {
    const a = hmacContactIds('a'.repeat(43))(NUMBER);
    const b = hmacContactIds('b'.repeat(43))(NUMBER);
    expect(a).not.toBe(b);
    expect(a).not.toBe(contactIdFor(NUMBER));
    expect(b).not.toBe(contactIdFor(NUMBER));
  });

  it('a key fingerprint names the key without revealing it', () => {
    const secret = randomBytes(32).toString('base64url');
    const label = contactIdSchemeLabel({ kind: 'hmac', secret })!;
    expect(label).toBe(`hmac:${contactIdKeyFingerprint(secret)}`);
    expect(label).toMatch(/^hmac:[A-Za-z0-9_-]{11}$/);
    expect(secret).not.toContain(label.slice(5, 9));
    expect(contactIdKeyFingerprint(randomBytes(32).toString('base64url'))).not.toBe(contactIdKeyFingerprint(secret));
    expect(contactIdSchemeLabel({ kind: 'sha256' })).toBeUndefined();
  });

  it('CONTACT_ID_KEY must be at least 32 characters', () => {
    expect(() => loadConfig(testEnv({ CONTACT_ID_KEY: 'short' }))).toThrow(
      /CONTACT_ID_KEY must be at least 32 characters/,
    );
    expect(loadConfig(testEnv({ CONTACT_ID_KEY: 'k'.repeat(32) })).contactIdKey).toBe('k'.repeat(32));
    expect(loadConfig(testEnv()).contactIdKey).toBeUndefined();
  });
});

describe("a deployment's contact id key", () => {
  it('is made once per REDIS_PREFIX: concurrent first uses agree on it; another prefix has another', async () => {
    const other = testContext();
    // Separate connections, so the first uses really race.
    const clients = Array.from({ length: 6 }, () => createRedis(ctx.config.redisUrl, 'blocking', 'test'));
    try {
      const schemes = await Promise.all(
        clients.map((redis, i) => resolveContactIdScheme(redis, ctx.keys, ctx.config, `fresh-${i}`)),
      );
      const secrets = new Set(schemes.map((s) => (s.kind === 'hmac' ? s.secret : 'sha256')));
      expect(secrets.size).toBe(1);
      const [secret] = [...secrets];
      expect(await ctx.redis.get(ctx.keys.contactIdKey())).toBe(secret);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const here = await contactIdsFor(ctx.redis, ctx.keys, ctx.config, 'any');
      const there = await contactIdsFor(other.redis, other.keys, other.config, 'any');
      expect(here(NUMBER)).toBe(referenceId(secret!, NUMBER));
      expect(there(NUMBER)).not.toBe(here(NUMBER));
      expect(here(NUMBER)).not.toBe(contactIdFor(NUMBER));
    } finally {
      for (const c of clients) c.disconnect();
      await other.close();
    }
  });

  it('CONTACT_ID_KEY, when set, is the key, and is not stored in Redis', async () => {
    const secret = 'c'.repeat(40);
    const c = testContext({ CONTACT_ID_KEY: secret });
    try {
      expect((await contactIdsFor(c.redis, c.keys, c.config, 'new'))(NUMBER)).toBe(referenceId(secret, NUMBER));
      expect(await c.redis.exists(c.keys.contactIdKey())).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('a lookup that may not write (a dry run) creates no key', async () => {
    const c = testContext();
    try {
      const scheme = await resolveContactIdScheme(c.redis, c.keys, c.config, 'new', { create: false });
      expect(scheme.kind).toBe('hmac');
      expect(await c.redis.exists(c.keys.contactIdKey())).toBe(0);
    } finally {
      await c.close();
    }
  });
});

describe("a campaign's contact ids", () => {
  it('a campaign created before keyed ids (no scheme in its meta) keeps bare SHA-256 ids', async () => {
    // As the importer of earlier versions created campaigns.
    await new CampaignStore(ctx.redis, ctx.keys).createCampaign(
      'legacy',
      resolveCampaignSettings({ caller: '+15550001111' }, ctx.config),
    );
    expect(await resolveContactIdScheme(ctx.redis, ctx.keys, ctx.config, 'legacy')).toEqual({ kind: 'sha256' });
    expect((await contactIdsFor(ctx.redis, ctx.keys, ctx.config, 'legacy'))(NUMBER)).toBe(contactIdFor(NUMBER));
  });

  it("a campaign made under another key than the deployment's is refused, naming CONTACT_ID_KEY and the campaign", async () => {
    const c = testContext();
    const withKey = (secret?: string): DialerConfig => ({ ...c.config, contactIdKey: secret });
    try {
      const stored = await resolveContactIdScheme(c.redis, c.keys, c.config, 'made-before');
      await seedCampaign(c, 'made-before', contactIdSchemeLabel(stored));
      await seedCampaign(c, 'made-with-env', contactIdSchemeLabel({ kind: 'hmac', secret: 'e'.repeat(40) }));
      const refused = {
        name: 'DialerError',
        code: 'DIALER_ERR_CONFIG',
        details: expect.objectContaining({ variable: 'CONTACT_ID_KEY' }),
      };

      // CONTACT_ID_KEY set after the campaign was made with the key kept in Redis.
      await expect(
        resolveContactIdScheme(c.redis, c.keys, withKey('f'.repeat(40)), 'made-before'),
      ).rejects.toMatchObject({
        ...refused,
        message: expect.stringMatching(/Campaign "made-before" .*CONTACT_ID_KEY/),
      });
      // CONTACT_ID_KEY unset (or changed) after a campaign made with it.
      await expect(resolveContactIdScheme(c.redis, c.keys, c.config, 'made-with-env')).rejects.toMatchObject({
        ...refused,
        message: expect.stringMatching(/Campaign "made-with-env" .*CONTACT_ID_KEY is unset/),
      });
      expect(await resolveContactIdScheme(c.redis, c.keys, withKey('e'.repeat(40)), 'made-with-env')).toEqual({
        kind: 'hmac',
        secret: 'e'.repeat(40),
      });

      // The key kept in Redis deleted: not silently replaced by a new one.
      await c.redis.del(c.keys.contactIdKey());
      await expect(resolveContactIdScheme(c.redis, c.keys, c.config, 'made-before')).rejects.toMatchObject({
        ...refused,
        message: expect.stringMatching(/gone/),
      });
      expect(await c.redis.exists(c.keys.contactIdKey())).toBe(0);
    } finally {
      await c.close();
    }
  });

  it('a scheme this version does not know is refused', async () => {
    await seedCampaign(ctx, 'future', 'argon:xyz');
    await expect(resolveContactIdScheme(ctx.redis, ctx.keys, ctx.config, 'future')).rejects.toMatchObject({
      code: 'DIALER_ERR_CONFIG',
      message: expect.stringMatching(/unknown kind/),
    });
  });
});
