// `dialer suppress add | remove | import | list` through the built CLI against the private Redis, and how the
// lists act: numbers listed before an import are counted `suppressed` and enqueue nothing (also on re-import);
// a number listed after its job was enqueued is never dialed and ends `suppressed`.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampaignQueues, CampaignStore, SuppressionList, createLogger, loadConfig } from '@dialer/core';
import { buildWorker } from '@dialer/worker';
import { contactIdOf, runCli, startSimulator, testContext, waitUntil, type TestContext } from '@dialer/test-utils';

let ctx: TestContext;
let dir: string;
let store: CampaignStore;
let queues: CampaignQueues;

// A prefix per test: the worker of the last test takes up every campaign under its prefix, and would dial
// what an earlier test left queued (its own contacts are all it may see).
beforeEach(() => {
  ctx = testContext();
  dir = mkdtempSync(join(tmpdir(), 'suppress-'));
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
});
afterEach(async () => {
  await queues.close();
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(['suppress', ...args], ctx.env);
/** A list as stored (checked in Redis directly: each CLI run costs a process start). */
const members = async (campaignId?: string) =>
  (await ctx.redis.smembers(campaignId ? ctx.keys.campaignSuppress(campaignId) : ctx.keys.globalSuppress())).sort();

describe('dialer suppress', () => {
  it('adds, lists and removes numbers, normalized like contacts, globally or per campaign', async () => {
    const added = await cli('add', '+1 (212) 555-0101', '2125550102', '--default-country', 'US', '--json');
    expect([added.code, added.stderr]).toEqual([0, '']);
    expect(JSON.parse(added.stdout)).toEqual({ list: 'global', added: 2, already: 0 });
    expect(await members()).toEqual(['+12125550101', '+12125550102']);

    const perCampaign = await cli('add', '+442079460123', '+12125550101', '--campaign', 'later-campaign');
    expect(perCampaign.stdout).toContain('Added 2 number(s) to the do-not-call list of campaign "later-campaign"');
    expect(perCampaign.stderr).toContain('does not exist yet');
    expect(await members('later-campaign')).toEqual(['+12125550101', '+442079460123']);

    const removed = await cli('remove', '+12125550102', '+12125550199', '--json');
    expect(JSON.parse(removed.stdout)).toEqual({ list: 'global', removed: 1, absent: 1 });
    const listing = await cli('list', '--campaign', 'later-campaign', '--json');
    expect((JSON.parse(listing.stdout) as string[]).sort()).toEqual(['+12125550101', '+442079460123']);
    expect((await cli('list')).stdout).toBe('+12125550101\n');
  });

  it('refuses what is not a number and changes nothing', async () => {
    const res = await cli('add', '+12125550111', 'call-me-maybe', '--campaign', 'bad-input');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('DIALER_ERR_PHONE');
    expect(res.stderr).toContain('call-me-maybe');
    expect(await members('bad-input')).toEqual([]);
  });

  it('imports a file: header with a phone column, comments, rejects counted by line', async () => {
    const file = join(dir, 'dnc.csv');
    writeFileSync(
      file,
      [
        'name,phone',
        'Ann,+13125550101',
        '# a comment',
        'Bob,312-555-0102',
        'Cy,not a number',
        '',
        'Di,+13125550101',
      ].join('\n'),
    );
    const res = await cli('import', file, '--campaign', 'imp', '--default-country', 'US', '--json');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({ list: 'imp', rows: 4, added: 2, already: 1, rejected: 1 });
    expect(res.stderr).toContain('Rejected lines (not phone numbers): 5');
    expect(await members('imp')).toEqual(['+13125550101', '+13125550102']);
    const missing = await cli('import', join(dir, 'nope.txt'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('DIALER_ERR_CSV');
  });

  it('listed before an import: counted suppressed, nothing enqueued, also on re-import', async () => {
    const csv = join(dir, 'contacts.csv');
    writeFileSync(csv, ['phone,name', '+13035550101,A', '+13035550102,B', '+13035550103,C'].join('\n'));
    const lists = new SuppressionList(ctx.redis, ctx.keys);
    await lists.add(['+13035550102']);
    await lists.add(['+13035550103'], { campaignId: 'pre' });
    const produce = () => runCli(['produce', csv, '--campaign', 'pre', '--json'], ctx.env);
    expect(JSON.parse((await produce()).stdout)).toMatchObject({ accepted: 1, suppressed: 2 });
    const jobs = async () =>
      (await queues.get('pre').getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'completed')) as Record<
        string,
        number
      >;
    const before = await jobs();
    expect(Object.values(before).reduce((a, b) => a + b, 0)).toBe(1);
    expect(JSON.parse((await produce()).stdout)).toMatchObject({ accepted: 0, suppressed: 0, duplicates: 3 });
    expect(await jobs()).toEqual(before);
  });

  it('listed after the job was enqueued: never dialed, ends suppressed', async () => {
    const sim = await startSimulator({ outcomes: 'human=1' });
    const csv = join(dir, 'late.csv');
    const settings = join(dir, 'settings.json');
    writeFileSync(csv, ['phone', '+16025550101', '+16025550102'].join('\n'));
    writeFileSync(settings, JSON.stringify({ window: { start: '00:00', end: '24:00' } }));
    expect((await runCli(['produce', csv, '--campaign', 'late', '--settings', settings], ctx.env)).code).toBe(0);
    expect((await cli('add', '+16025550102', '--campaign', 'late')).code).toBe(0);
    const listed = await contactIdOf(ctx, 'late', '+16025550102');
    const env = { ...ctx.env, SAVG_BASE_URL: sim.url, NOTIFY_BASE_URL: 'http://127.0.0.1:9' };
    const worker = buildWorker({
      config: loadConfig(env),
      logger: createLogger({ level: 'silent' }),
      metricsServer: false,
      defaultMetrics: false,
      rescanIntervalMs: 200,
    });
    try {
      await worker.start();
      await waitUntil(
        async () => (await store.getContact('late', listed))?.s === 't',
        15_000,
        'the listed contact to end',
      );
      await sim.waitFor(async () => (await sim.dialouts()).length >= 1, 15_000);
    } finally {
      await worker.close();
      await sim.close();
    }
    expect(await store.getContact('late', listed)).toMatchObject({ s: 't', o: 'suppressed', a: 0 });
    expect((await sim.dialouts()).map((d) => d.request?.target)).toEqual(['tel:+16025550101']);
  });
});
