// Campaign control end to end: two real `dialer worker` processes, the SAVG simulator, an ingester, real
// Redis. Pause stops new dial-outs within a second across both workers (calls in progress finish), resume
// continues, cancel ends every pending contact as `cancelled` and dials no one after it; the report and the
// status JSON come from the built CLI.
import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CampaignControl,
  CampaignQueues,
  CampaignStore,
  Limits,
  REPORT_COLUMNS,
  contactIdFor,
  createLogger,
  loadConfig,
  newContactRecord,
  resolveCampaignSettings,
  targetFor,
  type ContactRecord,
} from '@dialer/core';
import { buildIngester, type Ingester } from '@dialer/ingester';
import {
  runCli,
  spawnCli,
  startSimulator,
  testContext,
  waitUntil,
  type CliProcess,
  type SimulatorHarness,
  type TestContext,
} from '@dialer/test-utils';

// Dial at any hour: these tests are about control, not calling windows.
const ANY_TIME = { window: { start: '00:00', end: '24:00' } };
const RATE = 20;

let ctx: TestContext;
let sim: SimulatorHarness;
let ingester: Ingester;
let workers: CliProcess[] = [];
let store: CampaignStore;
let queues: CampaignQueues;
let control: CampaignControl;
let cliEnv: NodeJS.ProcessEnv;
let serial = 0;

// A prefix, workers, ingester and simulator per test: the workers take up every campaign under the prefix
// (and share its global dial rate), the watchdog sweeps them all, `campaign list` lists them all, and the
// global do-not-call list is the prefix's: nothing an earlier test left may run or count in this one.
beforeEach(async () => {
  ctx = testContext({ DIAL_RATE_PER_SECOND: String(RATE), REDIAL_MAX_ATTEMPTS: '3', WATCHDOG_INTERVAL_MS: '200' });
  // Calls last a little while, so some are in progress when a campaign is paused or cancelled.
  sim = await startSimulator({ outcomes: 'human=1', notifyDelayMs: { min: 150, max: 400 } });
  ingester = buildIngester({ config: loadConfig(ctx.env, 'ingester'), logger: createLogger({ level: 'silent' }) });
  const ingesterUrl = await ingester.app.listen({ host: '127.0.0.1', port: 0 });
  await ingester.start();
  cliEnv = { ...ctx.env, SAVG_BASE_URL: sim.url, NOTIFY_BASE_URL: ingesterUrl };
  const workerEnv = { ...cliEnv, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', WORKER_LOCK_MS: '2000' };
  workers = [spawnCli(['worker'], workerEnv), spawnCli(['worker'], workerEnv)];
  await Promise.all(workers.map((w) => w.waitForOutput(/worker ready/, 30_000)));
  store = new CampaignStore(ctx.redis, ctx.keys);
  queues = new CampaignQueues(ctx.redis, ctx.keys);
  control = new CampaignControl({ store, queues, limits: new Limits(ctx.redis, ctx.keys) });
});

afterEach(async () => {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  await ingester?.close();
  await sim?.close();
  await queues?.close();
  await ctx?.close();
});

/**
 * A campaign of `count` valid numbers (a range of its own per call) with each first attempt enqueued; with
 * `enqueue` false, the contacts and their jobs come later, together (a queued contact without its job is a
 * stranded one, which the ingester gives a job of its own).
 */
async function seed(
  count: number,
  enqueue = true,
): Promise<{ id: string; numbers: string[]; enqueue: () => Promise<void> }> {
  serial++;
  const id = `ctl${serial}-${Math.random().toString(36).slice(2, 7)}`;
  const numbers = Array.from({ length: count }, (_, i) => `+1212736${serial}${String(i).padStart(3, '0')}`);
  await store.createCampaign(id, resolveCampaignSettings({ ...ANY_TIME, caller: '+15550001111' }, ctx.config));
  const add = async () => {
    await store.addContacts(
      id,
      numbers.map((p, i) => [contactIdFor(p), newContactRecord({ p, r: i + 2 })]),
    );
    await Promise.all(numbers.map((p) => queues.addAttempt(id, contactIdFor(p), 1)));
  };
  if (enqueue) await add();
  return { id, numbers, enqueue: add };
}

/** Arrival times of the dial-outs the simulator received for these numbers. */
async function dialoutTimes(numbers: string[]): Promise<number[]> {
  const targets = new Set(numbers.map(targetFor));
  return (await sim.dialouts()).filter((d) => d.request && targets.has(d.request.target)).map((d) => d.receivedAt);
}

async function records(id: string): Promise<ContactRecord[]> {
  const out: ContactRecord[] = [];
  for await (const [, rec] of store.contacts(id)) out.push(rec);
  return out;
}

/** waitUntil, failing with what the campaign and the workers were doing (a time-out alone says little). */
async function waitFor(id: string, check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  try {
    await waitUntil(check, timeoutMs, what);
  } catch (err) {
    const states: Record<string, number> = {};
    for (const r of await records(id)) states[r.s] = (states[r.s] ?? 0) + 1;
    const status = await control.campaignStatus(id).catch(() => undefined);
    const tails = workers.map(
      (w, i) =>
        `worker ${i} (exit ${String(w.child.exitCode ?? w.child.signalCode)}):\n${(w.stdout() + w.stderr()).split('\n').slice(-8).join('\n')}`,
    );
    throw new Error(
      `${(err as Error).message}\ncontact states ${JSON.stringify(states)}; status ${JSON.stringify(status)}\n${tails.join('\n')}`,
      { cause: err },
    );
  }
}

const settled = async (id: string) => (await records(id)).every((r) => r.s === 't' || r.s === 'q' || r.s === 'w');

describe('campaign control across two worker processes', () => {
  it('pause stops new dial-outs within a second; calls in progress finish; resume continues', async () => {
    const { id, numbers } = await seed(100);
    await waitUntil(async () => (await dialoutTimes(numbers)).length >= 15, 20_000, 'the first dial-outs');
    await control.pauseCampaign(id, 'test pause');
    const pausedAt = Date.now();

    // Watch for a while after the pause: calls in progress end, nothing new starts.
    await waitFor(
      id,
      async () => Date.now() > pausedAt + 2000 && (await settled(id)),
      20_000,
      'in-progress calls to finish',
    );
    const times = await dialoutTimes(numbers);
    const late = times.filter((t) => t > pausedAt + 1000);
    expect(late).toEqual([]);
    expect(times.length).toBeLessThan(100);
    const afterPause = await records(id);
    expect(afterPause.filter((r) => r.s === 't')).toHaveLength(times.length);
    expect(afterPause.filter((r) => r.s === 't').every((r) => r.o === 'answered-human')).toBe(true);
    expect(await control.campaignStatus(id)).toMatchObject({ state: 'paused', pauseReason: 'test pause', live: 0 });

    await control.resumeCampaign(id);
    await waitFor(
      id,
      async () => (await store.getState(id)) === 'completed',
      30_000,
      'the campaign to complete after resume',
    );
    const all = await dialoutTimes(numbers);
    // Every contact dialed exactly once: nothing lost or repeated across the pause.
    expect(all).toHaveLength(100);
    expect((await records(id)).every((r) => r.s === 't' && r.o === 'answered-human' && r.a === 1)).toBe(true);
  });

  it('cancel (CLI) ends every pending contact as cancelled and dials no one after it', async () => {
    const { id, numbers } = await seed(400);
    await waitUntil(async () => (await dialoutTimes(numbers)).length >= 10, 20_000, 'the first dial-outs');
    const res = await runCli(['campaign', 'cancel', id, '--yes'], cliEnv);
    const cancelledAt = Date.now();
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`Campaign "${id}" cancelled: \\d+ pending contacts ended as cancelled`));

    await waitFor(id, async () => (await records(id)).every((r) => r.s === 't'), 20_000, 'every contact to end');
    const times = await dialoutTimes(numbers);
    expect(times.filter((t) => t > cancelledAt)).toEqual([]);
    const recs = await records(id);
    const cancelled = recs.filter((r) => r.o === 'cancelled');
    const answered = recs.filter((r) => r.o === 'answered-human');
    expect(cancelled.length + answered.length).toBe(400);
    expect(cancelled.length).toBeGreaterThan(0);
    // Ended by the cancel itself, or by a worker that held the job at that moment (its reason says so too).
    expect(cancelled.every((r) => r.a === 0 && /^campaign cancelled/.test(r.rs ?? ''))).toBe(true);
    // Calls placed before the cancel finished normally: one answered contact per dial-out.
    expect(answered).toHaveLength(times.length);
    expect(await queues.get(id).getJobCounts('waiting', 'delayed', 'prioritized')).toEqual({
      waiting: 0,
      delayed: 0,
      prioritized: 0,
    });
    // A live-call slot is given back just after its contact's record ends (another Redis slot: not the same
    // script), and a worker that held a job at the cancel gives its slot back as it lets go: wait for them.
    await waitUntil(
      async () => (await control.campaignStatus(id)).live === 0,
      10_000,
      'every live-call slot given back',
    );

    const status = await runCli(['campaign', 'status', id, '--json'], cliEnv);
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout) as Record<string, unknown>;
    expect(status.stdout.trim().split('\n')).toHaveLength(1);
    expect(Object.keys(json).slice(0, 6)).toEqual(['campaign', 'state', 'contacts', 'terminal', 'live', 'outcomes']);
    expect(json).toMatchObject({
      campaign: id,
      state: 'cancelled',
      contacts: 400,
      terminal: 400,
      live: 0,
      pending: 0,
      outcomes: { cancelled: cancelled.length, 'answered-human': answered.length },
      dialouts: times.length,
      pauseReason: null,
      eta: null,
    });
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['dialRate', 'redials', 'queue', 'createdAt']));

    const again = await runCli(['campaign', 'resume', id], cliEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/DIALER_ERR_CAMPAIGN_STATE/);
    const notConfirmed = await runCli(['campaign', 'cancel', id], cliEnv);
    expect(notConfirmed.code).toBe(2);
    expect(notConfirmed.stderr).toMatch(/--yes/);
  });

  it('pause, status and resume through the CLI', async () => {
    // Contacts and jobs are added only once the campaign is paused: a tiny campaign would otherwise complete first.
    const { id, enqueue } = await seed(3, false);
    const paused = await runCli(['campaign', 'pause', id, '--reason', 'maintenance window'], cliEnv);
    expect([paused.code, paused.stderr]).toEqual([0, '']);
    const human = await runCli(['campaign', 'status', id], cliEnv);
    expect(human.stdout).toMatch(/state\s+paused \(maintenance window\)/);
    await enqueue();
    const list = await runCli(['campaign', 'list', '--json'], cliEnv);
    expect(
      (JSON.parse(list.stdout) as { campaign: string; state: string }[]).find((c) => c.campaign === id)?.state,
    ).toBe('paused');
    expect((await runCli(['campaign', 'resume', id], cliEnv)).stdout).toMatch(/resumed/);
    await waitFor(id, async () => (await store.getState(id)) === 'completed', 20_000, 'the campaign to complete');
    const missing = await runCli(['campaign', 'status', 'no-such-campaign', '--json'], cliEnv);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/DIALER_ERR_CAMPAIGN_NOT_FOUND/);
  });
});

describe('dialer report after an end-to-end run', () => {
  it('exports one row per contact with the report columns of docs/design.md', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dialer-report-'));
    const n = (i: number) => `+121273690${String(i).padStart(2, '0')}`;
    const scripts: [string, string, string[]][] = [
      [n(1), 'Busy Then Human', ['busy', 'human']],
      [n(2), 'Machine', ['machine']],
      [n(3), 'No Answer', ['no-answer']],
      [n(4), 'Never There', ['unavailable']],
      [n(5), 'Wrong Number', ['failed-404']],
      [n(6), 'Declines', ['failed-603']],
      [n(7), 'Do Not Call', ['human']],
    ];
    for (const [num, , outcomes] of scripts) sim.state.setScript(targetFor(num), outcomes as never);
    await ctx.redis.sadd(ctx.keys.globalSuppress(), n(7));
    const csv = ['phone,name', ...scripts.map(([num, name]) => `${num},${name}`), 'not-a-number,Broken'].join('\n');
    writeFileSync(join(dir, 'contacts.csv'), `${csv}\n`);
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({
        ...ANY_TIME,
        redial: { maxAttempts: 3, rules: { busy: { delayMs: 50 }, unavailable: { delayMs: 50 } } },
      }),
    );
    const id = `report-${Math.random().toString(36).slice(2, 7)}`;
    const produced = await runCli(
      ['produce', join(dir, 'contacts.csv'), '--campaign', id, '--settings', join(dir, 'settings.json'), '--json'],
      cliEnv,
    );
    expect(JSON.parse(produced.stdout)).toMatchObject({ accepted: 6, suppressed: 1, rejected: 1 });
    await waitFor(id, async () => (await store.getState(id)) === 'completed', 30_000, 'the campaign to complete');

    const out = join(dir, 'report.csv');
    const res = await runCli(['report', id, '--out', out], cliEnv);
    expect(res.code).toBe(0);
    const [header, ...lines] = readFileSync(out, 'utf8').trim().split('\n');
    expect(header).toBe(REPORT_COLUMNS.join(','));
    const rows = new Map(
      lines.map((l) => {
        const cells = l.split(',');
        return [cells[0], Object.fromEntries(REPORT_COLUMNS.map((c, i) => [c, cells[i]]))] as const;
      }),
    );
    expect(rows.size).toBe(7);
    expect(rows.get(n(1))).toMatchObject({
      name: 'Busy Then Human',
      outcome: 'answered-human',
      attempts: '2',
      machine_detection: 'amd_human_detected',
      row: '2',
    });
    expect(rows.get(n(2))).toMatchObject({
      outcome: 'answered-machine',
      attempts: '1',
      machine_detection: 'amd_machine_detected',
    });
    expect(rows.get(n(3))).toMatchObject({
      outcome: 'no-answer',
      attempts: '1',
      sip_code: '487',
      reason: '487 Request Terminated',
    });
    expect(rows.get(n(4))).toMatchObject({ outcome: 'unavailable', attempts: '3', sip_code: '480' });
    expect(rows.get(n(5))).toMatchObject({ outcome: 'rejected', attempts: '1', sip_code: '404' });
    expect(rows.get(n(6))).toMatchObject({ outcome: 'failed', attempts: '1', sip_code: '603' });
    expect(rows.get(n(7))).toMatchObject({
      name: 'Do Not Call',
      outcome: 'suppressed',
      attempts: '0',
      conversation_id: '',
      row: '8',
    });
    // Answered calls carry their times, duration and conversation id.
    for (const i of [1, 2]) {
      const r = rows.get(n(i))!;
      expect(r.connected_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(r.disconnected_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(Number(r.duration_s)).toBeGreaterThan(0);
      expect(r.conversation_id).not.toBe('');
    }

    const json = await runCli(['report', id, '--format', 'json'], cliEnv);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(parsed).toHaveLength(7);
    expect(Object.keys(parsed[0]!)).toEqual([...REPORT_COLUMNS]);
    expect(parsed.find((r) => r.phone === n(7))).toMatchObject({ outcome: 'suppressed', sip_code: null });

    const unknown = await runCli(['report', 'no-such-campaign', '--out', join(dir, 'x.csv')], cliEnv);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/DIALER_ERR_CAMPAIGN_NOT_FOUND/);
  });
});
