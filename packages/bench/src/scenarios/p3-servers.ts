/**
 * P3's two servers, each in a child process of its own (this file, forked with P3_INGEST_ROLE): the ingester's
 * webhook, and the naive baseline (fastify + `queue.add` per request, no token, no validation). Both time each
 * request the same way (request in → response written) and report their CPU time when the parent asks.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import { NOTIFY_QUEUE, createKeys, createLogger, createRedis, loadConfig, type DialerConfig } from '@dialer/core';
import { NOTIFY_JOB_NAME, NOTIFY_JOB_OPTIONS, buildIngester } from '@dialer/ingester';

export type Role = 'ingester' | 'baseline';

export interface Server {
  child: ChildProcess;
  url: string;
  prefix: string;
}

/** Server-side latency of each request since the last 'cpu' message (fastify's own elapsed time, ms). */
const serverSide: number[] = [];

/** Records request-in → response-written per request (the same hook on both servers). */
function timeRequests(app: FastifyInstance): void {
  app.addHook('onResponse', (_request, reply, done) => {
    serverSide.push(reply.elapsedTime);
    done();
  });
}

async function serveIngester(config: DialerConfig): Promise<number> {
  const ingester = buildIngester({ config, logger: createLogger({ level: 'silent' }), processor: false });
  timeRequests(ingester.app);
  await ingester.app.listen({ host: '127.0.0.1', port: 0 });
  return (ingester.app.server.address() as { port: number }).port;
}

async function serveBaseline(config: DialerConfig): Promise<number> {
  const redis = createRedis(config.redisUrl, 'request', 'p3-baseline');
  const queue = new Queue(NOTIFY_QUEUE, {
    connection: redis,
    prefix: createKeys(config.keyPrefix).notifyQueuePrefix(),
    defaultJobOptions: NOTIFY_JOB_OPTIONS,
  });
  // maxParamLength as the ingester: the token path parameter is longer than fastify's default of 100.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 2048 } });
  timeRequests(app);
  app.post('/notify/:token', async (request, reply) => {
    try {
      await queue.add(NOTIFY_JOB_NAME, request.body as Record<string, unknown>);
    } catch {
      return reply.code(503).send();
    }
    return reply.code(202).send();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as { port: number }).port;
}

async function runChild(role: Role): Promise<void> {
  const config = loadConfig(process.env, 'ingester');
  const port = role === 'ingester' ? await serveIngester(config) : await serveBaseline(config);
  process.on('message', (m) => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      const sorted = serverSide.splice(0).sort((a, b) => a - b);
      const serverP99 = sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
      process.send?.({ cpuUs: user + system, serverP99 });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

// Entry point of the forked servers: inert when the module is imported by the bench runner.
if (process.env.P3_INGEST_ROLE && process.send) {
  void runChild(process.env.P3_INGEST_ROLE as Role).catch((err: unknown) => {
    process.stderr.write(`p3 ${process.env.P3_INGEST_ROLE} failed: ${String(err)}\n`);
    process.exit(1);
  });
}

export function startServer(role: Role, env: NodeJS.ProcessEnv, prefix: string): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, ...env, P3_INGEST_ROLE: role },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, url: `http://127.0.0.1:${m.port}`, prefix }));
    child.once('exit', (code) => reject(new Error(`${role} server exited (${code}) before listening`)));
  });
}

/** The server's CPU time so far (µs) and its server-side p99 (ms) over the requests since the last call. */
export function serverProbe(server: Server): Promise<{ cpuUs: number; serverP99: number }> {
  return new Promise((resolve) => {
    server.child.once('message', (m: { cpuUs: number; serverP99: number }) => resolve(m));
    server.child.send('cpu');
  });
}

export async function serverCpu(server: Server): Promise<number> {
  return (await serverProbe(server)).cpuUs;
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.disconnect();
  });
}
