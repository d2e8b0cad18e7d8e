// `dialer call`: one test call through the real path (the built CLI, the SAVG simulator, a real `dialer ingester`
// process, real Redis): the dial-out's answer and each notification printed as the ingester applies it, exit 0 on
// the final one; a call the gateway refuses (401), one the do-not-call list refuses, and one whose notifications
// never come each exit non-zero naming why. Never the full number or the notify token in the output.
import { describe, it, expect, afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampaignStore, createKeys, createRedis, loadConfig, type RedisClient } from '@dialer/core';
import {
  freePort,
  runCli,
  spawnCli,
  startSimulator,
  testEnv,
  type CliProcess,
  type SimulatorHarness,
} from '@dialer/test-utils';

/** Valid NYC numbers of this file's own; the simulator answers each as scripted. */
const BUSY = '+12125550142';
const HUMAN = '+12125550143';
const REFUSED = '+12125550144';
const LISTED = '+12125550145';
const SILENT = '+12125550146';
const CLOSED = '+12125550147';
const CAPPED = '+12125550148';

let sim: SimulatorHarness;
let ingester: CliProcess;
let env: NodeJS.ProcessEnv;
let dir: string;
let settingsFile: string;
let redis: RedisClient;
let store: CampaignStore;

beforeAll(async () => {
  sim = await startSimulator({
    scripts: { [BUSY]: ['busy'], [HUMAN]: ['human'], [SILENT]: ['silent'], [CAPPED]: ['busy'] },
    interimEvents: true,
    notifyDelayMs: { min: 20, max: 60 },
  });
  const port = await freePort();
  env = testEnv({
    INGESTER_PORT: String(port),
    INGESTER_METRICS_PORT: '0',
    SAVG_BASE_URL: sim.url,
    NOTIFY_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
  });
  ingester = spawnCli(['ingester'], env);
  await ingester.waitForOutput(/ingester started/, 60_000);
  dir = mkdtempSync(join(tmpdir(), 'dialer-call-'));
  // Any hour of any day: the test does not depend on the clock.
  settingsFile = join(dir, 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ caller: '+15550001111', window: { start: '00:00', end: '24:00' } }));
  const config = loadConfig(env);
  redis = createRedis(config.redisUrl, 'blocking', 'call-test');
  store = new CampaignStore(redis, createKeys(config.keyPrefix));
}, 90_000);

afterAll(async () => {
  await ingester?.stop();
  await sim?.close();
  redis?.disconnect();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The notify token of the simulator's dial-out to `target` (to check it never reaches the output). */
async function tokenSentTo(target: string): Promise<string> {
  const record = (await sim.dialouts()).find((d) => d.request?.target === `tel:${target}`);
  const url = record?.request?.notifyurl ?? '';
  return url.slice(url.lastIndexOf('/') + 1);
}

function expectPrivate(output: string, number: string, token?: string): void {
  expect(output).not.toContain(number);
  expect(output).not.toContain(number.slice(2));
  if (token) expect(output).not.toContain(token);
}

describe('dialer call', () => {
  it('prints the dial-out answer and each notification, then the outcome, and exits 0', async () => {
    const res = await runCli(['call', BUSY, '--settings', settingsFile, '--campaign', 'call-busy'], env, 60_000);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Test call to \S*0142: campaign call-busy, contact \S+/);
    expect(res.stdout).toMatch(/dial-out +HTTP 20\d in \d+ ms, placed: sid \S+, callId \S+/);
    expect(res.stdout).toMatch(/notification +failed \(final\) → busy, 486 Busy Here/);
    expect(res.stdout).toMatch(/Outcome: busy \(486 Busy Here\)/);
    expectPrivate(res.stdout + res.stderr, BUSY, await tokenSentTo(BUSY));
    // One dial-out, and the campaign it made ended its one contact busy, never to be re-dialed.
    expect((await sim.dialouts()).filter((d) => d.request?.target === `tel:${BUSY}`)).toHaveLength(1);
    const stats = await store.stats('call-busy');
    expect(stats).toMatchObject({ contacts: 1, terminal: 1, dialouts: 1, outcomes: { busy: 1 } });
    expect((await store.getCampaign('call-busy'))?.settings.redial).toEqual({ maxAttempts: 1, rules: {} });
    expect(await store.getContact('call-busy', String(/contact (\S+)/.exec(res.stdout)?.[1]))).toMatchObject({
      s: 't',
      o: 'busy',
    });
  }, 90_000);

  it('--json: one object with the answer, the interim and final notifications and the outcome', async () => {
    const res = await runCli(['call', HUMAN, '--settings', settingsFile, '--json'], env, 60_000);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Record<string, unknown> & {
      dialout: Record<string, unknown>;
      notifications: Record<string, unknown>[];
    };
    expect(out).toMatchObject({
      ok: true,
      verdict: 'final',
      outcome: 'answered-human',
      number: expect.stringMatching(/0143$/),
    });
    expect(String(out.campaign)).toMatch(/^call-\d{8}T\d{6}-[0-9a-f]{6}$/);
    expect(out.dialout).toMatchObject({ kind: 'placed', status: expect.any(Number), sid: expect.any(String) });
    expect(out.notifications.map((n) => [n.status, n.final])).toEqual([
      ['call-in-progress', false],
      ['completed', true],
    ]);
    expect(out.notifications[0]).toMatchObject({ machineDetection: 'amd_human_detected', attempt: 1 });
    expectPrivate(res.stdout + res.stderr, HUMAN, await tokenSentTo(HUMAN));
  }, 90_000);

  it('exits 4 naming the cause when the gateway refuses the credentials (401)', async () => {
    const wrong = await startSimulator({ clientSecret: 'another-client-secret-0123456789abcdef' });
    try {
      const res = await runCli(
        ['call', REFUSED, '--settings', settingsFile, '--campaign', 'call-refused'],
        { ...env, SAVG_BASE_URL: wrong.url },
        60_000,
      );
      expect(res.code).toBe(4);
      expect(res.stdout).toMatch(/dial-out +HTTP 401 in \d+ ms, config: SAVG answered 401/);
      expect(res.stderr).toMatch(
        /dialer call: not placed: the gateway refused the request: SAVG answered 401: check SAVG_CLIENT_ID\/SAVG_CLIENT_SECRET/,
      );
      expectPrivate(res.stdout + res.stderr, REFUSED);
      // The contact ended rejected (with the reason): no worker would ever dial it later.
      expect(await store.stats('call-refused')).toMatchObject({ terminal: 1, outcomes: { rejected: 1 } });
    } finally {
      await wrong.close();
    }
  }, 90_000);

  it('exits 3 without dialing or creating anything for a number on the do-not-call list', async () => {
    const listed = await runCli(['suppress', 'add', LISTED], env);
    expect(listed.code).toBe(0);
    const res = await runCli(['call', LISTED, '--settings', settingsFile, '--campaign', 'call-listed'], env, 60_000);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(
      'dialer call: refused: the number is on the global do-not-call list; nothing was dialed',
    );
    expect((await sim.dialouts()).some((d) => d.request?.target === `tel:${LISTED}`)).toBe(false);
    expect(await store.getCampaign('call-listed')).toBeUndefined();
  }, 90_000);

  it("exits 3 without dialing outside the contact's calling window, saying when it opens", async () => {
    // Closed all of today and yesterday (UTC), so closed now in New York whatever the hour.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const today = new Date().getUTCDay();
    const open = days.filter((_, i) => i !== today && i !== (today + 6) % 7);
    const file = join(dir, 'closed.json');
    writeFileSync(
      file,
      JSON.stringify({ caller: '+15550001111', window: { start: '00:00', end: '24:00', days: open } }),
    );
    const res = await runCli(['call', CLOSED, '--settings', file, '--campaign', 'call-closed'], env, 60_000);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/dialer call: refused: not now \(.+\); it could be dialed from \d{4}-\d\d-\d\dT/);
    expect((await sim.dialouts()).some((d) => d.request?.target === `tel:${CLOSED}`)).toBe(false);
    expect(await store.getCampaign('call-closed')).toBeUndefined();
  }, 90_000);

  it('exits 3 when a contact cap (CONTACT_CAP) is full for the number, the contact ended, nothing dialed', async () => {
    const capped = { ...env, CONTACT_CAP: '1/24h' };
    const first = await runCli(['call', CAPPED, '--settings', settingsFile], capped, 60_000);
    expect(first.code).toBe(0);
    const res = await runCli(['call', CAPPED, '--settings', settingsFile, '--campaign', 'call-capped'], capped, 60_000);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(
      /dialer call: refused: a contact cap \(CONTACT_CAP\) is full for this number until \d{4}-/,
    );
    expect((await sim.dialouts()).filter((d) => d.request?.target === `tel:${CAPPED}`)).toHaveLength(1);
    // Ended, so no worker will ever dial it: the test campaign is complete.
    expect(await store.stats('call-capped')).toMatchObject({ contacts: 1, terminal: 1, outcomes: { cancelled: 1 } });
    expect((await store.getCampaign('call-capped'))?.state).toBe('completed');
  }, 90_000);

  it('exits 5 with a hint when no final notification comes within --timeout', async () => {
    const res = await runCli(['call', SILENT, '--settings', settingsFile, '--timeout', '2'], env, 60_000);
    expect(res.code).toBe(5);
    expect(res.stdout).toMatch(/dial-out +HTTP 20\d .*placed/);
    expect(res.stderr).toMatch(
      /dialer call: no final notification within 2 s\. Is `dialer ingester` running, and can the gateway reach it at NOTIFY_BASE_URL/,
    );
  }, 90_000);
});
