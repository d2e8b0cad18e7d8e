// A whole dialer on loopback for the chaos tests: the SAVG simulator (in this process, so its records can be
// read), and real `dialer ingester` / `dialer worker` / `dialer produce` / `dialer report` processes of the
// built CLI, all on one Redis under a key prefix of their own.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CampaignStore,
  createKeys,
  createRedis,
  loadConfig,
  type CampaignStats,
  type RedisClient,
  type ReportRow,
} from '@dialer/core';
import type { SimulatorOptions } from '@dialer/simulator';
import {
  freePort,
  runCli,
  spawnCli,
  startSimulator,
  testEnv,
  waitUntil,
  type CliProcess,
  type SimulatorHarness,
} from '@dialer/test-utils';

export interface ClusterOptions {
  /** Redis to use (default: the test run's private one). */
  redisUrl?: string;
  /** Environment of every process (rates, timeouts…), over the defaults below. */
  env?: Record<string, string>;
  sim?: Partial<SimulatorOptions>;
}

export interface Cluster {
  env: NodeJS.ProcessEnv;
  sim: SimulatorHarness;
  store: CampaignStore;
  redis: RedisClient;
  dir: string;
  workers: CliProcess[];
  ingester: CliProcess | undefined;
  /** Every process started so far (killed ones too): their output is what the privacy test reads. */
  started: CliProcess[];
  startWorker(): Promise<CliProcess>;
  startIngester(): Promise<CliProcess>;
  /** Writes `count` contacts and imports them with `dialer produce --json`; returns the summary. */
  produce(campaignId: string, count: number, settings: Record<string, unknown>): Promise<Record<string, number>>;
  /** Waits until every contact of the campaign is terminal. */
  waitTerminal(campaignId: string, timeoutMs: number): Promise<CampaignStats>;
  /** How long the running ingester took to apply notifications: counts of those slower than 1, 5 and 10 s. */
  processingLag(): Promise<string>;
  /** `dialer report <id> --format json --out <file>`, parsed. */
  report(campaignId: string): Promise<ReportRow[]>;
  close(): Promise<void>;
}

/** The `n`-th test number: valid US numbers in a range of their own (NYC, exchange 2xx). */
export function chaosNumber(i: number): string {
  return `+1212${String(2_000_000 + i).padStart(7, '0')}`;
}

const BASE_ENV = {
  LOG_LEVEL: 'info',
  WORKER_METRICS_PORT: '0',
  INGESTER_METRICS_PORT: '0',
  WORKER_LOCK_MS: '2000',
  WATCHDOG_INTERVAL_MS: '250',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const sim = await startSimulator({ notifyDelayMs: { min: 20, max: 200 }, ...options.sim });
  const port = await freePort();
  const env = testEnv({
    ...BASE_ENV,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    INGESTER_PORT: String(port),
    SAVG_BASE_URL: sim.url,
    NOTIFY_BASE_URL: `http://127.0.0.1:${port}`,
    ...options.env,
  });
  const config = loadConfig(env);
  const redis = createRedis(config.redisUrl, 'blocking', 'chaos-test');
  redis.on('error', () => undefined);
  const store = new CampaignStore(redis, createKeys(config.keyPrefix));
  const dir = mkdtempSync(join(tmpdir(), 'dialer-chaos-'));
  // The running ingester's /metrics (its own port, from its start-up line).
  let ingesterMetrics = '';
  const cluster: Cluster = {
    env,
    sim,
    store,
    redis,
    dir,
    workers: [],
    ingester: undefined,
    started: [],
    async startWorker() {
      const w = spawnCli(['worker'], env);
      cluster.started.push(w);
      await w.waitForOutput(/worker ready/, 60_000);
      cluster.workers.push(w);
      return w;
    },
    async startIngester() {
      const i = spawnCli(['ingester'], env);
      cluster.started.push(i);
      ingesterMetrics = (await i.waitForOutput(/"metrics":"([^"]+)"[^\n]*"msg":"ingester started"/, 60_000))[1]!;
      cluster.ingester = i;
      return i;
    },
    produce: (id, count, settings) => produce(cluster, id, count, settings),
    waitTerminal: async (id, timeoutMs) =>
      waitUntil(
        async () => {
          const stats = await store.stats(id);
          return stats.contacts > 0 && stats.terminal >= stats.contacts ? stats : undefined;
        },
        timeoutMs,
        `every contact of ${id} terminal`,
        200,
      ),
    report: (id) => report(cluster, id),
    processingLag: () => processingLag(ingesterMetrics),
    close: async () => {
      await Promise.all(cluster.started.map((p) => p.stop(0)));
      // For debugging a failed run: CHAOS_LOG_DIR=/some/dir keeps every process's output there.
      const keep = process.env.CHAOS_LOG_DIR;
      if (keep)
        cluster.started.forEach((p, i) =>
          writeFileSync(
            join(keep, `${config.keyPrefix}-${i}-${p.child.spawnargs[2] ?? 'cli'}.log`),
            p.stdout() + p.stderr(),
          ),
        );
      await sim.close();
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

async function produce(
  c: Cluster,
  id: string,
  count: number,
  settings: Record<string, unknown>,
): Promise<Record<string, number>> {
  const csv = join(c.dir, `${id}.csv`);
  const out = createWriteStream(csv);
  out.write('phone,name,account\n');
  for (let i = 0; i < count; i++) {
    if (!out.write(`${chaosNumber(i)},Customer ${i},A${i}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const settingsFile = join(c.dir, `${id}.settings.json`);
  writeFileSync(
    settingsFile,
    JSON.stringify({ caller: '+15550001111', window: { start: '00:00', end: '24:00' }, ...settings }),
  );
  const res = await runCli(['produce', csv, '--campaign', id, '--settings', settingsFile, '--json'], c.env, 120_000);
  if (res.code !== 0) throw new Error(`produce failed (${res.code}): ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, number>;
}

async function processingLag(metricsUrl: string): Promise<string> {
  const text = await fetch(`${metricsUrl}/metrics`).then(
    (r) => r.text(),
    (err: Error) => `unreachable: ${err.message}`,
  );
  const bucket = (le: string) =>
    Number(
      new RegExp(`dialer_ingester_processing_seconds_bucket\\{le="${le.replace('+', '\\+')}"\\} (\\d+)`).exec(
        text,
      )?.[1] ?? NaN,
    );
  const all = bucket('+Inf');
  return `notifications applied ${all}, after > 1 s ${all - bucket('1')}, > 5 s ${all - bucket('5')}, > 10 s ${all - bucket('10')}`;
}

async function report(c: Cluster, id: string): Promise<ReportRow[]> {
  const file = join(c.dir, `${id}.report.json`);
  const res = await runCli(['report', id, '--format', 'json', '--out', file], c.env, 120_000);
  if (res.code !== 0) throw new Error(`report failed (${res.code}): ${res.stderr}`);
  return JSON.parse(readFileSync(file, 'utf8')) as ReportRow[];
}

/**
 * Kills a random worker with SIGKILL every `everyMs` (±50 %) and starts a replacement, until `stop()`. The
 * next kill comes once the replacement is ready (on a loaded machine a start takes seconds; killing faster
 * than workers start would only starve the campaign).
 */
export function killWorkersRepeatedly(c: Cluster, everyMs: number): { stop(): Promise<number> } {
  let stopped = false;
  let kills = 0;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, everyMs * (0.5 + Math.random())));
      if (stopped) break;
      const victim = c.workers.splice(Math.floor(Math.random() * c.workers.length), 1)[0];
      if (!victim) continue;
      victim.kill('SIGKILL');
      await victim.exited;
      kills++;
      await c.startWorker();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return kills;
    },
  };
}

/** Phase timings for the test's closing line (each chaos test reports where its time went). */
export function phases(name: string): { mark(phase: string): void; print(extra?: string): void } {
  const start = Date.now();
  let last = start;
  const parts: string[] = [];
  return {
    mark(phase) {
      const now = Date.now();
      parts.push(`${phase} ${((now - last) / 1000).toFixed(1)} s`);
      last = now;
    },
    print(extra = '') {
      process.stdout.write(
        `${name}: ${parts.join(', ')}; total ${((Date.now() - start) / 1000).toFixed(1)} s${extra ? `; ${extra}` : ''}\n`,
      );
    },
  };
}

/** Whether a process started by the cluster is still running (it was neither killed nor crashed). */
export function alive(p: CliProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}
