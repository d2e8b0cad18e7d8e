// Secrets and privacy, end to end with every process at LOG_LEVEL=trace: the simulator, ingester, worker,
// board and the one-shot commands (produce, campaign status/list, report) are real `dialer` processes; a
// campaign with re-dials, gateway faults and hung replies runs to completion. Their captured stdout and
// stderr must hold no JWT, no secret and no full phone number. Also: the board refuses without credentials,
// notify tokens expire, and the ingester refuses tokens of another deployment (audience).
import { describe, it, expect, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CampaignStore,
  contactIdFor,
  contactIdsFor,
  createKeys,
  createRedis,
  loadConfig,
  type ContactIdFn,
} from '@dialer/core';
import { notifyToken, freePort, runCli, spawnCli, testEnv, waitUntil, type CliProcess } from '@dialer/test-utils';
import { chaosNumber } from './chaos-cluster.js';
import { startResultsReceiver } from './results-receiver.js';

const CONTACTS = 60;
const BOARD_PASSWORD = 'board-password-never-in-logs';
const RESULTS_SECRET = 'results-secret-never-in-logs';
const dir = mkdtempSync(join(tmpdir(), 'dialer-privacy-'));
const procs: CliProcess[] = [];
const oneShots: { stdout: string; stderr: string }[] = [];

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
});

function start(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const p = spawnCli(args, env);
  procs.push(p);
  return p;
}

async function once(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const r = await runCli(args, env, 60_000);
  oneShots.push(r);
  return r;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('secrets and privacy', () => {
  it('a full run at LOG_LEVEL=trace logs no JWT, no secret and no full phone number', async () => {
    const [simPort, ingesterPort] = [await freePort(), await freePort()];
    const env = testEnv({
      LOG_LEVEL: 'trace',
      SAVG_BASE_URL: `http://127.0.0.1:${simPort}`,
      NOTIFY_BASE_URL: `http://127.0.0.1:${ingesterPort}`,
      INGESTER_PORT: String(ingesterPort),
      WORKER_METRICS_PORT: '0',
      INGESTER_METRICS_PORT: '0',
      DIAL_RATE_PER_SECOND: '50',
      SAVG_TIMEOUT_MS: '1000',
      LOST_AFTER_MS: '4000',
      WATCHDOG_INTERVAL_MS: '250',
      WORKER_LOCK_MS: '2000',
      BOARD_USER: 'ops',
      BOARD_PASSWORD,
      BOARD_PORT: '0',
    });
    const simEnv = {
      ...env,
      SIM_PORT: String(simPort),
      SIM_INTERIM_EVENTS: 'true',
      SIM_FAULTS: '5xx=0.1,429=0.05,hang=0.1,dup=0.2',
      SIM_HANG_MS: '3000',
      SIM_NOTIFY_DELAY_MS: '20-200',
    };
    const sim = start(['sim'], simEnv);
    const ingester = start(['ingester'], env);
    await Promise.all([sim.waitForOutput(/listening/, 30_000), ingester.waitForOutput(/ingester started/, 30_000)]);
    const worker = start(['worker'], env);
    const board = start(['board'], env);
    await Promise.all([worker.waitForOutput(/worker ready/, 30_000), board.waitForOutput(/board listening/, 30_000)]);

    const csv = join(dir, 'people.csv');
    writeFileSync(
      csv,
      `phone,name,email\n${Array.from({ length: CONTACTS }, (_, i) => `${chaosNumber(i)},Person ${i},p${i}@example.com`).join('\n')}\n`,
    );
    // The results webhook sends every contact and attempt (with the numbers: the product's output) to a receiver.
    const receiver = await startResultsReceiver(RESULTS_SECRET);
    const settings = join(dir, 'settings.json');
    writeFileSync(
      settings,
      JSON.stringify({
        caller: '+15550001111',
        window: { start: '00:00', end: '24:00' },
        redial: { rules: { busy: { delayMs: 0 }, lost: { delayMs: 0 } } },
        results: { url: receiver.url, secret: RESULTS_SECRET, attempts: true },
      }),
    );
    expect((await once(['produce', csv, '--campaign', 'privacy', '--settings', settings, '--json'], env)).code).toBe(0);

    const config = loadConfig(env);
    const redis = createRedis(config.redisUrl, 'blocking', 'privacy-test');
    let contactIdKey: string | null;
    let keyedIds: ContactIdFn;
    try {
      const keys = createKeys(config.keyPrefix);
      const store = new CampaignStore(redis, keys);
      await waitUntil(
        async () => (await store.stats('privacy')).terminal === CONTACTS,
        90_000,
        'campaign finished',
        200,
      );
      contactIdKey = await redis.get(keys.contactIdKey());
      keyedIds = await contactIdsFor(redis, keys, config, 'privacy');
    } finally {
      redis.disconnect();
    }
    const delivered = () => [...receiver.acknowledged().keys()].filter((id) => id.endsWith('/contact')).length;
    await waitUntil(() => delivered() === CONTACTS, 30_000, 'every contact delivered to the results webhook', 100);
    await receiver.close();
    expect((await once(['campaign', 'status', 'privacy', '--json'], env)).code).toBe(0);
    expect((await once(['campaign', 'list'], env)).code).toBe(0);
    expect((await once(['report', 'privacy', '--out', join(dir, 'report.csv')], env)).code).toBe(0);
    // The report itself carries the numbers (it is the product's output, written to a file, not a log).
    expect(readFileSync(join(dir, 'report.csv'), 'utf8')).toContain(chaosNumber(0));

    const boardUrl = (await board.waitForOutput(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/))[1] as string;
    const auth = `Basic ${Buffer.from(`ops:${BOARD_PASSWORD}`).toString('base64')}`;
    expect((await fetch(`${boardUrl}/`)).status).toBe(401);
    expect(
      (
        await fetch(`${boardUrl}/`, {
          headers: { authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` },
        })
      ).status,
    ).toBe(401);
    expect((await fetch(`${boardUrl}/`, { headers: { authorization: auth } })).status).toBe(200);

    for (const p of [worker, ingester, board, sim]) p.kill('SIGTERM');
    await Promise.all([worker, ingester, board, sim].map((p) => p.exited));
    const logs = [...procs.map((p) => p.stdout() + p.stderr()), ...oneShots.map((r) => r.stdout + r.stderr)].join('\n');
    expect(logs.length).toBeGreaterThan(10_000);
    // The most verbose logging really was on (nothing logs below debug), and the run went through faults.
    expect(/"level":20,/.test(logs)).toBe(true);
    expect(logs.includes('dial-out outcome unknown')).toBe(true);

    expect(logs.match(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g) ?? []).toEqual([]);
    const secrets = [
      env.SAVG_CLIENT_SECRET!,
      env.NOTIFY_TOKEN_SECRET!,
      BOARD_PASSWORD,
      auth.slice(6),
      contactIdKey!,
      RESULTS_SECRET,
    ];
    expect(secrets.filter((secret) => logs.includes(secret))).toEqual([]);
    const leaked = Array.from({ length: CONTACTS }, (_, i) => chaosNumber(i)).filter(
      (n) => logs.includes(n) || logs.includes(n.slice(2)),
    );
    expect(leaked).toEqual([]);
    expect(['15550001111', '@example.com'].filter((text) => logs.includes(text))).toEqual([]);
    // Contact ids are logged, keyed: none is the bare digest of a number, which gives the number back.
    const numbers = Array.from({ length: CONTACTS }, (_, i) => chaosNumber(i));
    expect(numbers.filter((n) => logs.includes(keyedIds(n))).length).toBeGreaterThan(0);
    expect(numbers.filter((n) => logs.includes(contactIdFor(n)))).toEqual([]);
  }, 180_000);

  it('the board does not start without credentials', async () => {
    const r = await runCli(['board'], testEnv({ BOARD_PORT: '0' }), 30_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/BOARD_USER and BOARD_PASSWORD are required/);
  });

  it('the ingester refuses expired tokens and tokens of another deployment', async () => {
    // Its own prefix and port: the full run's campaign is not this test's to sweep.
    const port = await freePort();
    const own = testEnv({ INGESTER_PORT: String(port), INGESTER_METRICS_PORT: '0', LOG_LEVEL: 'info' });
    const ingesterUrl = `http://127.0.0.1:${port}`;
    const ingester = start(['ingester'], own);
    await ingester.waitForOutput(/ingester started/, 30_000);
    const config = loadConfig(own);
    const opts = { secret: config.notify.tokenSecret as string, audience: config.deploymentId, ttlMs: 60_000 };
    const ref = { campaignId: 'privacy', contactId: 'nobody', attempt: 1 };
    const body = { conversationId: 'x', status: 'completed', reason: '200 OK' };
    const expired = notifyToken(ref, opts, Date.now() - 61_000);
    const foreign = notifyToken(ref, { ...opts, audience: 'another-deployment' });
    const valid = notifyToken(ref, opts);
    const answers = await Promise.all([expired, foreign, valid].map((t) => post(`${ingesterUrl}/notify/${t}`, body)));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 202]);
    expect(await answers[0]!.json()).toEqual({ error: 'unauthorized', reason: 'expired' });
    expect(await answers[1]!.json()).toEqual({ error: 'unauthorized', reason: 'wrong-audience' });
  });
});
