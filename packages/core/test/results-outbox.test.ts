// The results webhook's outbox against a real Redis: the scripts that end contacts and attempts record their
// deliveries in the same step (late real ends that replace `lost` as revisions), and a campaign without `results`
// stores nothing. Also the settings' validation and masking, and the wire helpers.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignStore,
  ResultsOutbox,
  deliveryId,
  maskSettings,
  newContactRecord,
  parseOutboxEntry,
  resolveCampaignSettings,
  resultBody,
  resultSignature,
  retryDelayMs,
  retryTries,
  suppressedContactRecord,
  contactIdFor,
  loadConfig,
  isDialerError,
  type CampaignSettings,
  type OutboxEntry,
} from '@dialer/core';
import { testContext, testEnv, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let store: CampaignStore;
let outbox: ResultsOutbox;
const T0 = 1_800_000_000_000;
const SECRET = '0123456789abcdef-secret';

beforeAll(() => {
  ctx = testContext();
  store = new CampaignStore(ctx.redis, ctx.keys);
  outbox = new ResultsOutbox(ctx.redis, ctx.keys);
});
afterAll(async () => ctx.close());

function settingsWith(results?: { attempts?: boolean }): CampaignSettings {
  return resolveCampaignSettings(
    {
      caller: '+15550001111',
      redial: { rules: { busy: { delayMs: 1000 }, lost: { delayMs: 1000 } } },
      ...(results ? { results: { url: 'https://results.example.com/hook', secret: SECRET, ...results } } : {}),
    },
    ctx.config,
  );
}

async function entries(campaignId: string): Promise<OutboxEntry[]> {
  const raw = await outbox.peek(campaignId, 100);
  return raw.map((text) => parseOutboxEntry(campaignId, text)!);
}

async function dial(campaignId: string, contactId: string, attempt: number, now: number): Promise<void> {
  const ref = { campaignId, contactId, attempt };
  expect(await store.attempts.begin(ref, { deadline: now + 5000, now })).toMatchObject({ kind: 'begun' });
  await store.attempts.dialed(ref, { sid: `sid-${contactId}-${attempt}`, callId: `cl-${attempt}`, now: now + 1 });
}

describe('results outbox', () => {
  it('records each ended attempt and the contact, in the end itself, with attempts: true', async () => {
    const id = 'r-attempts';
    await store.createCampaign(id, settingsWith({ attempts: true }), { now: T0 });
    expect(await outbox.campaigns()).toContain(id);
    const [a, s] = ['+15550000101', '+15550000102'].map(contactIdFor);
    await store.addContacts(id, [
      [a!, newContactRecord({ p: '+15550000101', r: 2 })],
      [s!, suppressedContactRecord(newContactRecord({ p: '+15550000102', r: 3 }), 'do-not-call list', T0)],
    ]);
    await dial(id, a!, 1, T0 + 10);
    const busy = { campaignId: id, contactId: a!, attempt: 1, outcome: 'busy' as const, from: 'call' as const };
    expect((await store.attempts.end({ ...busy, fields: { sip: 486 }, redialDelayMs: 1000 }, T0 + 20)).result).toBe(
      'redial',
    );
    await dial(id, a!, 2, T0 + 2000);
    const human = { ...busy, attempt: 2, outcome: 'answered-human' as const };
    expect((await store.attempts.end({ ...human, fields: { du: 12 } }, T0 + 3000)).result).toBe('completed');
    // A replay records nothing more.
    expect((await store.attempts.end({ ...human, fields: { du: 12 } }, T0 + 3001)).result).toBe('noop');

    const got = await entries(id);
    expect(got.map(deliveryId)).toEqual([
      `${id}/${s}/1/attempt`,
      `${id}/${s}/1/contact`,
      `${id}/${a}/1/attempt`,
      `${id}/${a}/2/attempt`,
      `${id}/${a}/2/contact`,
    ]);
    expect(resultBody(got[2]!)).toMatchObject({
      kind: 'attempt',
      campaignId: id,
      attempt: 1,
      outcome: 'busy',
      sip_code: 486,
    });
    expect(resultBody(got[3]!)).toMatchObject({
      kind: 'attempt',
      attempt: 2,
      outcome: 'answered-human',
      duration_s: 12,
    });
    expect(resultBody(got[4]!)).toMatchObject({ kind: 'contact', outcome: 'answered-human', attempts: 2 });
    expect(resultBody(got[1]!)).toMatchObject({ kind: 'contact', outcome: 'suppressed' });

    await outbox.drop(id, 2);
    expect((await entries(id)).map((e) => e.contactId)).toEqual([a, a, a]);
  });

  it('records only contacts without attempts: true, and a late real end that replaces `lost` as a revision', async () => {
    const id = 'r-contacts';
    await store.createCampaign(id, settingsWith({}), { now: T0 });
    const [a] = ['+15550000201'].map(contactIdFor);
    await store.addContacts(id, [[a!, newContactRecord({ p: '+15550000201', r: 2 })]]);
    await dial(id, a!, 1, T0);
    const ref = { campaignId: id, contactId: a!, attempt: 1, from: 'call' as const };
    // `lost` re-dialed (an attempt: not recorded here), then the real end comes before the re-dial began.
    await store.attempts.end(
      { ...ref, outcome: 'lost', fields: { rs: 'no notification' }, redialDelayMs: 1000 },
      T0 + 10,
    );
    expect(await entries(id)).toEqual([]);
    const late = await store.attempts.end({ ...ref, outcome: 'answered-human', fields: { du: 5 } }, T0 + 20);
    expect(late).toMatchObject({ result: 'completed', revised: true });
    expect((await entries(id)).map(deliveryId)).toEqual([`${id}/${a}/1/contact`]);
  });

  it('a contact that ended `lost` and is corrected later gets a revised delivery with its own id', async () => {
    const id = 'r-revised';
    await store.createCampaign(id, settingsWith({ attempts: true }), { now: T0 });
    const [a] = ['+15550000301'].map(contactIdFor);
    await store.addContacts(id, [[a!, newContactRecord({ p: '+15550000301', r: 2 })]]);
    await dial(id, a!, 1, T0);
    const ref = { campaignId: id, contactId: a!, attempt: 1, from: 'call' as const };
    await store.attempts.end({ ...ref, outcome: 'lost', fields: { rs: 'no notification' } }, T0 + 10);
    await store.attempts.end({ ...ref, outcome: 'no-answer', fields: { sip: 480 } }, T0 + 20);
    const got = await entries(id);
    expect(got.map(deliveryId)).toEqual([
      `${id}/${a}/1/attempt`,
      `${id}/${a}/1/contact`,
      `${id}/${a}/1/attempt/revised`,
      `${id}/${a}/1/contact/revised`,
    ]);
    expect(resultBody(got[1]!)).toMatchObject({ outcome: 'lost' });
    expect(resultBody(got[3]!)).toMatchObject({ outcome: 'no-answer', revised: true });
  });

  it('stores nothing for a campaign without results', async () => {
    const id = 'r-none';
    await store.createCampaign(id, settingsWith(), { now: T0 });
    const [a, s] = ['+15550000401', '+15550000402'].map(contactIdFor);
    await store.addContacts(id, [
      [a!, newContactRecord({ p: '+15550000401', r: 2 })],
      [s!, suppressedContactRecord(newContactRecord({ p: '+15550000402', r: 3 }), 'do-not-call list', T0)],
    ]);
    await dial(id, a!, 1, T0);
    await store.attempts.end(
      { campaignId: id, contactId: a!, attempt: 1, outcome: 'busy', fields: {}, from: 'call' },
      T0 + 5,
    );
    expect(await ctx.redis.exists(ctx.keys.campaignOutbox(id))).toBe(0);
    expect(await ctx.redis.hget(ctx.keys.campaignMeta(id), 'results')).toBeNull();
    expect(await outbox.campaigns()).not.toContain(id);
  });
});

describe('results settings', () => {
  const config = loadConfig(testEnv());
  const problems = (results: unknown, env = config): string[] => {
    try {
      resolveCampaignSettings({ caller: '+15550001111', results }, env);
      return [];
    } catch (err) {
      return isDialerError(err) ? ((err.details as { problems: string[] }).problems ?? []) : [String(err)];
    }
  };

  it('wants an http(s) url (https unless loopback or ALLOW_INSECURE_HTTP) and a secret of 16 characters', () => {
    expect(problems({ url: 'https://x.example.com/r', secret: SECRET })).toEqual([]);
    expect(problems({ url: 'http://127.0.0.1:9000/r', secret: SECRET })).toEqual([]);
    expect(problems({ url: 'http://x.example.com/r', secret: SECRET })).toEqual([
      expect.stringContaining('results.url: plain http to x.example.com'),
    ]);
    expect(
      problems({ url: 'http://x.example.com/r', secret: SECRET }, loadConfig(testEnv({ ALLOW_INSECURE_HTTP: '1' }))),
    ).toEqual([]);
    expect(problems({ url: 'ftp://x.example.com/r', secret: SECRET })).toEqual([
      expect.stringMatching(/^results\.url: /),
    ]);
    expect(problems({ url: 'https://x.example.com/r', secret: 'short' })).toEqual([
      'results.secret: must be at least 16 characters',
    ]);
    expect(problems({ url: 'https://x.example.com/r', secret: SECRET, extra: 1 })).toHaveLength(1);
  });

  it('masks the secret wherever settings are printed', () => {
    const settings = resolveCampaignSettings(
      { caller: '+15550001111', results: { url: 'https://x.example.com/r', secret: SECRET } },
      config,
    );
    expect(settings.results).toEqual({ url: 'https://x.example.com/r', secret: SECRET, attempts: false });
    expect(JSON.stringify(maskSettings(settings))).not.toContain(SECRET);
    expect(maskSettings(settings).results?.url).toBe('https://x.example.com/r');
  });
});

describe('results wire helpers', () => {
  it('signs <timestamp>.<body> with HMAC-SHA256 in hex', () => {
    // Known answer: HMAC-SHA256 keyed "key" of "1.{}" (e.g. `printf '1.{}' | openssl dgst -sha256 -hmac key`).
    expect(resultSignature('key', '1', '{}')).toBe('1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224');
    expect(resultSignature('key', '1', '{}')).not.toBe(resultSignature('key', '2', '{}'));
    expect(resultSignature('key', '1', '{}')).not.toBe(resultSignature('other', '1', '{}'));
  });

  it('retries for the window: doubling from the base, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(30, 10_000)).toBe(3_600_000);
    expect(retryTries(10_000, 86_400_000)).toBe(33);
    expect(retryTries(100, 1000)).toBe(5);
    expect(retryTries(100, 0)).toBe(1);
  });
});
