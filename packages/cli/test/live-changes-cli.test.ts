// The CLI of changes at run time, as users run it (the built `dialer`, real Redis): `campaign set` with JSON and
// dotted values, `limits show | set | reset` (and `campaign status` showing the effective global rate),
// `campaign delete`. Errors name the key and carry the registry's codes.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CampaignQueues,
  CampaignStore,
  contactIdFor,
  newContactRecord,
  resolveCampaignSettings,
  type CampaignSettingsInput,
} from '@dialer/core';
import { runCli, testContext, type TestContext } from '@dialer/test-utils';
import { settingsPatchFromArgs } from '../src/commands/campaign-set-args.js';

let ctx: TestContext;
let store: CampaignStore;
let queues: CampaignQueues;
let serial = 0;

beforeAll(() => {
  ctx = testContext({ DIAL_RATE_PER_SECOND: '30', MAX_LIVE_CALLS: '40' });
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
});
afterAll(async () => {
  await queues.close();
  await ctx.close();
});

const cli = (...args: string[]) => runCli(args, ctx.env);

async function seed(settings: CampaignSettingsInput = {}): Promise<string> {
  const id = `cli${++serial}`;
  await store.createCampaign(id, resolveCampaignSettings(settings, ctx.config));
  const number = `+1555777${String(serial).padStart(4, '0')}`;
  await store.addContacts(id, [[contactIdFor(number), newContactRecord({ p: number, r: 2 })]]);
  await queues.addAttempt(id, contactIdFor(number), 1);
  return id;
}

describe('dialer campaign set', () => {
  it('turns key=value pairs into a change: JSON values, text, dotted parts of the current value, null', () => {
    const current = { window: { start: '08:00', end: '21:00', days: ['mon'] }, redial: { maxAttempts: 3, rules: {} } };
    expect(
      settingsPatchFromArgs(
        ['ratePerSecond=20', 'caller=+15550009999', 'window.start=09:00', 'window.days=["tue"]', 'maxLiveCalls=null'],
        current,
      ),
    ).toEqual({
      ratePerSecond: 20,
      caller: '+15550009999',
      window: { start: '09:00', end: '21:00', days: ['tue'] },
      maxLiveCalls: null,
    });
    expect(settingsPatchFromArgs(['window.timezone=null'], { window: { start: '08:00', timezone: 'UTC' } })).toEqual({
      window: { start: '08:00' },
    });
    expect(current.window.start).toBe('08:00');
    expect(() => settingsPatchFromArgs(['ratePerSecond'], current)).toThrow('ratePerSecond: expected key=value');
    expect(() => settingsPatchFromArgs(['window.__proto__.x=1'], current)).toThrow('not a settings key');
  });

  it('changes a running campaign and prints the result; errors name the key', async () => {
    const id = await seed({ redial: { maxAttempts: 3 }, window: { start: '08:00', end: '20:00' } });
    const ok = await runCli(
      ['campaign', 'set', id, 'ratePerSecond=20', 'window.start=09:00', 'redial.maxAttempts=5', '--json'],
      { ...ctx.env, LOG_LEVEL: 'info' },
    );
    expect(ok).toMatchObject({ code: 0 });
    const result = JSON.parse(ok.stdout) as { changed: string[]; settings: Record<string, unknown> };
    expect(result.changed.sort()).toEqual(['ratePerSecond', 'redial', 'window']);
    expect(result.settings).toMatchObject({
      ratePerSecond: 20,
      window: { start: '09:00', end: '20:00' },
      // The default rules inherited maxAttempts: they follow the new one.
      redial: { maxAttempts: 5, rules: { busy: { maxAttempts: 5 }, unavailable: { maxAttempts: 5 } } },
    });
    expect((await store.requireCampaign(id)).settings).toEqual(result.settings);
    // The change is logged with its keys, never its values.
    expect(ok.stderr).toContain('campaign settings changed');
    expect(ok.stderr).not.toContain('09:00');

    const text = await cli('campaign', 'set', id, 'maxLiveCalls=4');
    expect(text).toMatchObject({ code: 0 });
    expect(text.stdout).toContain(`Campaign "${id}": changed maxLiveCalls`);

    for (const [args, key] of [
      [['botId=st-x'], 'botId'],
      [['ratePerSecond=fast'], 'ratePerSecond'],
      [['window.end=07:00'], 'window'],
      [['nothing'], 'nothing'],
    ] as const) {
      const bad = await cli('campaign', 'set', id, ...args);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('DIALER_ERR_SETTINGS');
      expect(bad.stderr).toContain(key);
    }
    await store.transition(id, 'cancel');
    const refused = await cli('campaign', 'set', id, 'ratePerSecond=2');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('DIALER_ERR_CAMPAIGN_STATE');
    expect((await cli('campaign', 'set', 'nope', 'ratePerSecond=2')).stderr).toContain('DIALER_ERR_CAMPAIGN_NOT_FOUND');
  });
});

describe('dialer limits', () => {
  it('shows the environment, sets either or both, shows them in campaign status, resets', async () => {
    const show = async () => JSON.parse((await cli('limits', 'show', '--json')).stdout) as Record<string, unknown>;
    expect(await show()).toEqual({
      ratePerSecond: 30,
      maxLiveCalls: 40,
      source: { ratePerSecond: 'env', maxLiveCalls: 'env' },
    });
    expect((await cli('limits', 'set', '--rate', '5')).code).toBe(0);
    const both = await cli('limits', 'set', '--rate', '6', '--max-live', '7', '--json');
    expect(JSON.parse(both.stdout)).toMatchObject({
      ratePerSecond: 6,
      maxLiveCalls: 7,
      source: { ratePerSecond: 'redis', maxLiveCalls: 'redis' },
    });
    const text = await cli('limits', 'show');
    expect(text.stdout).toContain('6/s');
    expect(text.stdout).toContain('dialer limits set');

    const id = await seed();
    const status = JSON.parse((await cli('campaign', 'status', id, '--json')).stdout) as { pace: unknown };
    expect(status.pace).toEqual({ perSecond: 6, by: 'global' });

    for (const args of [
      ['--rate', '10001'],
      ['--max-live', '1.5'],
    ]) {
      const bad = await cli('limits', 'set', ...args);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('DIALER_ERR_LIMITS');
    }
    expect((await cli('limits', 'set')).code).not.toBe(0);
    const reset = await cli('limits', 'reset', '--json');
    expect(JSON.parse(reset.stdout)).toMatchObject({
      ratePerSecond: 30,
      source: { ratePerSecond: 'env', maxLiveCalls: 'env' },
    });
  });
});

describe('dialer campaign delete', () => {
  it('refuses a running campaign, deletes a cancelled one, then finds nothing', async () => {
    const id = await seed();
    const running = await cli('campaign', 'delete', id);
    expect(running.code).not.toBe(0);
    expect(running.stderr).toContain('DIALER_ERR_CAMPAIGN_STATE');
    expect((await cli('campaign', 'cancel', id, '--yes')).code).toBe(0);
    const deleted = await cli('campaign', 'delete', id, '--json');
    expect(deleted).toMatchObject({ code: 0 });
    expect(JSON.parse(deleted.stdout)).toMatchObject({ campaign: id, state: 'cancelled', resumed: false });
    expect(await ctx.redis.keys(`${ctx.keys.prefix}:{${id}}*`)).toEqual([]);
    expect(await store.listCampaignIds()).not.toContain(id);
    const again = await cli('campaign', 'delete', id);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('DIALER_ERR_CAMPAIGN_NOT_FOUND');
  });
});
