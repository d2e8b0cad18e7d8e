// A campaign run end to end on a real 3-master Redis Cluster, every part a real process with
// REDIS_URL=redis+cluster://…: `dialer produce` (4 campaigns) → two `dialer worker` processes → the SAVG
// simulator → `dialer ingester` → re-dials (busy, then answered) → `dialer report`, and the results webhook (its
// outboxes in the campaigns' slots, its queue in `{results}`). Checks every contact's outcome and attempts, that no
// attempt was dialed twice, every result delivered once, and that the campaigns' keys spread over the masters.
// About 35 s on an idle 2-CPU machine, mostly node start-up of 11 processes; the time-outs leave room for a
// machine busy with other test runs.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CampaignStore,
  Limits,
  createKeys,
  createRedis,
  targetFor,
  waitForRedis,
  type Keys,
  type RedisClient,
  type ReportRow,
} from '@dialer/core';
import type { SimOutcome } from '@dialer/simulator';
import {
  TEST_SECRETS,
  freePort,
  keysPerNode,
  runCli,
  spawnCli,
  startRedisCluster,
  startSimulator,
  uniquePrefix,
  waitUntil,
  type CliProcess,
  type RedisCluster,
  type SimulatorHarness,
} from '@dialer/test-utils';
import { startResultsReceiver, type ResultsReceiver } from './results-receiver.js';

// Campaigns on every master: the slot of `{id}` is CRC16(id) mod 16384, and `redis-cli --cluster create`
// gives the three masters the ranges 0-5460, 5461-10922 and 10923-16383 (alpha 865, charlie 1769; bravo
// 8623; echo 14438). Four, not more: each is a `dialer produce` and a `dialer report` process, and node's
// start-up dominates this test's time on a small CI machine.
const CAMPAIGNS = ['alpha', 'bravo', 'charlie', 'echo'];
const PER_CAMPAIGN = 12;
/** What the simulator answers for contact i (by i mod 4), and what the report must then say. */
const PLAN: { script: SimOutcome[]; outcome: string; attempts: number }[] = [
  { script: ['busy', 'human'], outcome: 'answered-human', attempts: 2 },
  { script: ['human'], outcome: 'answered-human', attempts: 1 },
  { script: ['unavailable'], outcome: 'unavailable', attempts: 3 },
  { script: ['busy', 'busy', 'machine'], outcome: 'answered-machine', attempts: 3 },
];
const SETTINGS = {
  window: { start: '00:00', end: '24:00' },
  redial: { maxAttempts: 3, rules: { busy: { delayMs: 300 }, unavailable: { delayMs: 300 } } },
};

let cluster: RedisCluster;
let sim: SimulatorHarness;
let dir: string;
let env: NodeJS.ProcessEnv;
let processes: CliProcess[] = [];
let redis: RedisClient;
let keys: Keys;
let store: CampaignStore;
let receiver: ResultsReceiver;
const RESULTS_SECRET = 'cluster-results-secret';

const phoneOf = (c: number, i: number) => `+1212555${c}${String(i).padStart(3, '0')}`;

beforeAll(async () => {
  [cluster, sim, receiver] = await Promise.all([
    startRedisCluster(),
    startSimulator({ notifyDelayMs: { min: 5, max: 30 } }),
    startResultsReceiver(RESULTS_SECRET),
  ]);
  sim.state.updateConfig({ notifyBeforeReply: 0, duplicateRate: 0, interimEvents: false });
  dir = mkdtempSync(join(tmpdir(), 'dialer-cluster-e2e-'));
  const port = await freePort();
  env = {
    ...TEST_SECRETS,
    REDIS_URL: cluster.url,
    REDIS_PREFIX: uniquePrefix('cluster'),
    LOG_LEVEL: 'info',
    SAVG_BASE_URL: sim.url,
    NOTIFY_BASE_URL: `http://127.0.0.1:${port}`,
    INGESTER_HOST: '127.0.0.1',
    INGESTER_PORT: String(port),
    WORKER_METRICS_PORT: '0',
    INGESTER_METRICS_PORT: '0',
    DIAL_RATE_PER_SECOND: '100',
    SHUTDOWN_TIMEOUT_MS: '10000',
  };
  processes = [spawnCli(['ingester'], env), spawnCli(['worker'], env), spawnCli(['worker'], env)];
  await Promise.all([
    processes[0]!.waitForOutput(/ingester started/, 60_000),
    ...processes.slice(1).map((w) => w.waitForOutput(/worker ready/, 60_000)),
  ]);
  redis = createRedis(cluster.url, 'blocking', 'cluster-e2e');
  await waitForRedis(redis);
  keys = createKeys(env.REDIS_PREFIX as string);
  store = new CampaignStore(redis, keys);
}, 90_000);

afterAll(async () => {
  for (const p of processes) p.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  redis?.disconnect();
  await sim?.close();
  await receiver?.close();
  await cluster?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** Writes one CSV per campaign and scripts the simulator's answer for each number. */
function prepareFiles(): string[] {
  const settings = join(dir, 'settings.json');
  writeFileSync(
    settings,
    JSON.stringify({ ...SETTINGS, results: { url: receiver.url, secret: RESULTS_SECRET, attempts: true } }),
  );
  return CAMPAIGNS.map((_, c) => {
    const lines = ['phone,name'];
    for (let i = 0; i < PER_CAMPAIGN; i++) {
      lines.push(`${phoneOf(c, i)},Person ${c}-${i}`);
      sim.state.setScript(targetFor(phoneOf(c, i)), PLAN[i % PLAN.length]!.script);
    }
    const file = join(dir, `c${c}.csv`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  });
}

/** On failure: each process's warnings and errors (pino level ≥ 40, the last 40) and its last 6 lines. */
function tails(): string {
  return processes
    .map((p, i) => {
      const lines = (p.stdout() + p.stderr()).split('\n');
      const warnings = lines.filter((l) => /"level":(4|5|6)\d/.test(l)).slice(-40);
      return `process ${i}:\n${[...warnings, '…', ...lines.slice(-6)].join('\n')}`;
    })
    .join('\n');
}

describe('a campaign run on a 3-master Redis Cluster (real processes)', () => {
  it('produces, dials, re-dials, ingests and reports every contact, dialing no attempt twice', async () => {
    const files = prepareFiles();
    const settings = join(dir, 'settings.json');
    const produced = await Promise.all(
      CAMPAIGNS.map((id, c) =>
        runCli(['produce', files[c]!, '--campaign', id, '--settings', settings, '--json'], {
          ...env,
          LOG_LEVEL: 'warn',
        }),
      ),
    );
    for (const [c, run] of produced.entries()) {
      expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
      expect(JSON.parse(run.stdout)).toMatchObject({
        campaign: CAMPAIGNS[c],
        rows: PER_CAMPAIGN,
        accepted: PER_CAMPAIGN,
        rejected: 0,
      });
    }

    const completed = async () =>
      (await Promise.all(CAMPAIGNS.map((id) => store.getState(id)))).every((s) => s === 'completed');
    await waitUntil(completed, 60_000, 'every campaign completed').catch((err: Error) => {
      throw new Error(`${err.message}\n${tails()}`);
    });

    const dialouts = await sim.dialouts();
    const reports = await Promise.all(
      CAMPAIGNS.map((id) => runCli(['report', id, '--format', 'json'], { ...env, LOG_LEVEL: 'warn' })),
    );
    for (const [c, id] of CAMPAIGNS.entries()) {
      const report = reports[c]!;
      expect({ code: report.code, stderr: report.stderr }).toMatchObject({ code: 0 });
      const rows = JSON.parse(report.stdout) as ReportRow[];
      expect(rows).toHaveLength(PER_CAMPAIGN);
      for (let i = 0; i < PER_CAMPAIGN; i++) {
        const plan = PLAN[i % PLAN.length]!;
        const row = rows.find((r) => r.phone === phoneOf(c, i));
        expect([id, i, row?.outcome, row?.attempts]).toEqual([id, i, plan.outcome, plan.attempts]);
        // No double dial: the gateway saw exactly one request per attempt, each with its own notify URL.
        const calls = dialouts.filter((d) => d.request?.target === targetFor(phoneOf(c, i)));
        expect([id, i, calls.length, new Set(calls.map((d) => d.request?.notifyurl)).size]).toEqual([
          id,
          i,
          plan.attempts,
          plan.attempts,
        ]);
      }
    }

    // Every contact and every attempt delivered to the results webhook, signed, each delivery id once.
    const perCampaign = PLAN.reduce((n, plan) => n + 1 + plan.attempts, 0) * (PER_CAMPAIGN / PLAN.length);
    await waitUntil(
      () => receiver.acknowledged().size === CAMPAIGNS.length * perCampaign,
      30_000,
      'every result delivered',
      100,
    );
    expect([...receiver.acknowledged().values()].every((times) => times === 1)).toBe(true);
    expect(receiver.requests.every((r) => r.signatureValid)).toBe(true);

    // Every live-call slot ({limits}) was given back once its call ended (a step after the contact's end: poll).
    const limits = new Limits(redis, keys);
    await waitUntil(async () => (await limits.liveCount()) === 0, 10_000, 'every live-call slot released');

    const spread = await keysPerNode(cluster, `${keys.prefix}:*`);
    const dbsize = await Promise.all(
      cluster.nodes.map(async (n) => {
        const client = cluster.nodeClient(n);
        return client.dbsize().finally(() => client.disconnect());
      }),
    );
    console.log(
      `keys per master by hash tag (prefix ${keys.prefix}; DBSIZE ${dbsize.join(', ')}):\n${JSON.stringify(spread, null, 2)}`,
    );
    const mastersOf = (id: string) =>
      Object.entries(spread)
        .filter(([, counts]) => (counts[id] ?? 0) > 0)
        .map(([node]) => node);
    // Each campaign's keys (records and its BullMQ queue) sit on one master; together they use all three.
    for (const id of CAMPAIGNS) expect([id, mastersOf(id).length]).toEqual([id, 1]);
    expect(new Set(CAMPAIGNS.map((id) => mastersOf(id)[0])).size).toBe(3);
    for (const counts of Object.values(spread)) expect(counts['(none)']).toBeUndefined();
    // Nothing went wrong on the way (a cross-slot script would log CROSSSLOT at error level).
    for (const p of processes) expect(p.stdout() + p.stderr()).not.toMatch(/CROSSSLOT|"level":(50|60)/);
  }, 150_000);
});
