/**
 * P5's raw baseline: the same end-to-end job done the naive way, with BullMQ, got and fastify and none of our
 * bookkeeping. Three kinds of child process (this file, forked with P5_RAW_ROLE):
 * - `import`: reads the CSV's phone column line by line and `addBulk`s one dial job per row (chunks of 1000;
 *   no number validation, no dedupe, no contact records);
 * - `dialer`: a BullMQ Worker (same concurrency as ours) posting the dial-out with got and a cached SAVG JWT;
 *   the notify URL names the row and the attempt in clear (no signed token);
 * - `hook`: a fastify webhook doing `queue.add` per notification (no token, no validation) and a BullMQ
 *   Worker applying them: a first attempt ending 486/480 gets one delayed re-dial job, every other final
 *   notification increments one counter (the only state kept; the bench waits for it to reach the row count).
 * Jobs are trimmed like ours (KEEP_COMPLETED), so its Redis figure is the queue machinery alone: what any
 * BullMQ design pays, against which our per-contact records and indexes show.
 */
import { createReadStream } from 'node:fs';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import Fastify from 'fastify';
import { got } from 'got';
import { KEEP_COMPLETED, KEEP_FAILED, SavgAuthToken, createRedis } from '@dialer/core';
import { forkChild } from './dial-bench-kit.js';

export type RawRole = 'import' | 'dialer' | 'hook';

interface RawDial {
  /** E.164 number as read from the CSV. */
  p: string;
  /** Attempt. */
  n: number;
}

export const RAW_DIAL_QUEUE = 'raw-dial';
const RAW_NOTIFY_QUEUE = 'raw-notify';
export const RAW_TERMINAL_KEY = 'raw:terminal';
const RAW_JOB_OPTS = {
  removeOnComplete: KEEP_COMPLETED,
  removeOnFail: KEEP_FAILED,
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
};

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

function connection(name: string) {
  const redis = createRedis(env('REDIS_URL'), 'blocking', name);
  redis.on('error', () => undefined); // ioredis reconnects by itself; without a listener it prints every attempt
  return redis;
}

async function runImport(): Promise<void> {
  const redis = connection('p5-raw-import');
  const queue = new Queue<RawDial>(RAW_DIAL_QUEUE, { connection: redis, prefix: env('P5_PREFIX') });
  const lines = createInterface({ input: createReadStream(env('P5_CSV')), crlfDelay: Infinity });
  let chunk: { name: string; data: RawDial; opts: object }[] = [];
  let row = 0;
  let jobs = 0;
  for await (const line of lines) {
    if (row++ === 0 || line === '') continue; // header
    const p = line.slice(0, line.indexOf(','));
    chunk.push({ name: 'dial', data: { p, n: 1 }, opts: { ...RAW_JOB_OPTS, jobId: `${p}-1` } });
    if (chunk.length === 1000) {
      await queue.addBulk(chunk);
      jobs += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length > 0) await queue.addBulk(chunk);
  jobs += chunk.length;
  await queue.close();
  redis.disconnect();
  process.send?.({ port: 0, jobs }, () => process.exit(0));
}

async function runDialer(): Promise<void> {
  const redis = connection('p5-raw-dialer');
  const concurrency = Number(env('P5_CONCURRENCY'));
  const auth = new SavgAuthToken({ clientId: env('SAVG_CLIENT_ID'), clientSecret: env('SAVG_CLIENT_SECRET') });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency * 2 });
  const client = got.extend({
    prefixUrl: env('SIM_URL'),
    retry: { limit: 0 },
    timeout: { request: 15_000 },
    throwHttpErrors: false,
    agent: { http: agent },
    responseType: 'text',
  });
  const path = `api/1.1/public/bot/${env('SAVG_BOT_ID')}/smartassist/dialout`;
  const hook = env('P5_HOOK_URL');
  const worker = new Worker<RawDial>(
    RAW_DIAL_QUEUE,
    async (job) => {
      const body = {
        bot: env('SAVG_BOT_ID'),
        target: `tel:${job.data.p}`,
        caller: env('SAVG_CALLER'),
        notifyurl: `${hook}/notify/${encodeURIComponent(job.data.p)}/${job.data.n}`,
        machineDetection: 'detect',
      };
      const res = await client.post(path, { json: body, headers: { auth: await auth.get() } });
      if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}`);
      return res.statusCode;
    },
    { connection: redis, prefix: env('P5_PREFIX'), concurrency },
  );
  await worker.waitUntilReady();
  process.send?.({ port: 0 });
  process.on('disconnect', () => void worker.close().finally(() => process.exit(0)));
}

async function runHook(): Promise<void> {
  const redis = connection('p5-raw-hook');
  const prefix = env('P5_PREFIX');
  const redialDelayMs = Number(env('P5_REDIAL_DELAY_MS'));
  const notify = new Queue(RAW_NOTIFY_QUEUE, { connection: redis, prefix, defaultJobOptions: RAW_JOB_OPTS });
  const dial = new Queue<RawDial>(RAW_DIAL_QUEUE, { connection: redis, prefix });
  const app = Fastify({ logger: false });
  app.post<{ Params: { p: string; n: string } }>('/notify/:p/:n', async (request, reply) => {
    await notify.add('n', { p: request.params.p, n: Number(request.params.n), b: request.body });
    return reply.code(202).send();
  });
  const worker = new Worker<{ p: string; n: number; b: Record<string, unknown> }>(
    RAW_NOTIFY_QUEUE,
    async (job) => {
      const { p, n, b } = job.data;
      const status = String(b.status ?? '').toLowerCase();
      if (status !== 'completed' && status !== 'failed') return;
      const sip = Number.parseInt(String(b.reason ?? ''), 10);
      if (n === 1 && (sip === 486 || sip === 480)) {
        await dial.add('dial', { p, n: 2 }, { ...RAW_JOB_OPTS, jobId: `${p}-2`, delay: redialDelayMs });
      } else {
        await redis.incr(`${prefix}:${RAW_TERMINAL_KEY}`);
      }
    },
    { connection: redis, prefix, concurrency: 50 },
  );
  await worker.waitUntilReady();
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send?.({ port: (app.server.address() as { port: number }).port });
  process.on('disconnect', () => void Promise.all([app.close(), worker.close()]).finally(() => process.exit(0)));
}

// Entry point of the forked children: inert when the module is imported by the bench runner.
if (process.env.P5_RAW_ROLE && process.send) {
  const role = process.env.P5_RAW_ROLE as RawRole;
  const run = role === 'import' ? runImport : role === 'dialer' ? runDialer : runHook;
  void run().catch((err: unknown) => {
    process.stderr.write(`p5 raw ${role} failed: ${String(err)}\n`);
    process.exit(1);
  });
}

/** Forks a raw-baseline child; resolves once it is ready (or, for `import`, done) with what it reported. */
export async function forkRaw(role: RawRole, env: NodeJS.ProcessEnv) {
  return forkChild(fileURLToPath(import.meta.url), { ...env, P5_RAW_ROLE: role });
}
