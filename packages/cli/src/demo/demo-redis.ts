// Which Redis the demo uses: REDIS_URL when set, else one answering on 127.0.0.1:6379, else a private
// redis-server (loopback, free port, data in the run directory) when the binary exists, else a clear message.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { DialerError, createRedis, waitForRedis } from '@dialer/core';

export type RedisSource = 'REDIS_URL' | 'localhost' | 'private';

export interface DemoRedis {
  url: string;
  source: RedisSource;
  /** The private redis-server's pid (only for `private`). */
  pid?: number;
  /** Stops a private redis-server (a no-op for the others: the demo never stops a Redis it did not start). */
  stop(): Promise<void>;
}

const LOCAL_URL = 'redis://127.0.0.1:6379';

export const NO_REDIS_HELP = `No Redis to use: REDIS_URL is not set, nothing answers PING on 127.0.0.1:6379, and no redis-server binary was found to start a private one.
Get one, then run the demo again:
  Debian/Ubuntu:  sudo apt-get install redis-server
  macOS:          brew install redis
  Docker:         docker run -d --name dialer-redis -p 127.0.0.1:6379:6379 redis:7-alpine
or point the demo at an existing one: REDIS_URL=redis://host:port npm run demo`;

/**
 * Picks (or starts) the Redis for the demo; `logDir` receives a private server's log. With `privateOnly`
 * a private redis-server is started even when another Redis is available.
 */
export async function chooseRedis(env: NodeJS.ProcessEnv, runDir: string, logDir: string, privateOnly = false): Promise<DemoRedis> {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv && !privateOnly) {
    await requireReachable(fromEnv);
    return { url: fromEnv, source: 'REDIS_URL', stop: async () => undefined };
  }
  if (!privateOnly && (await pingLocal(6379))) return { url: LOCAL_URL, source: 'localhost', stop: async () => undefined };
  const bin = findRedisServer(env);
  if (!bin) throw new DialerError('DIALER_ERR_REDIS_SERVER', NO_REDIS_HELP);
  return startPrivateRedis(bin, join(runDir, 'redis'), logDir);
}

async function requireReachable(url: string): Promise<void> {
  const client = createRedis(url, 'blocking', 'dialer-demo-probe');
  let lastError: string | undefined;
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  try {
    await waitForRedis(client, 5000);
  } catch (err) {
    throw new DialerError('DIALER_ERR_REDIS', `Redis at REDIS_URL is unreachable${lastError ? `: ${lastError}` : ''} (unset REDIS_URL to let the demo find or start one)`, undefined, {
      cause: err,
    });
  } finally {
    client.disconnect();
  }
}

/** True when a Redis without a password answers PING on 127.0.0.1:`port` within half a second. */
export function pingLocal(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.on('data', (data: Buffer) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** The redis-server binary: well-known paths first, then PATH. */
export function findRedisServer(env: NodeJS.ProcessEnv): string | undefined {
  const candidates = ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'];
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'redis-server'));
  return candidates.find((c) => existsSync(c));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPrivateRedis(bin: string, dataDir: string, logDir: string): Promise<DemoRedis> {
  mkdirSync(dataDir, { recursive: true });
  // The free port may be taken between probing and binding: one more try on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = launch(bin, port, dataDir, logDir);
    if (await waitUntilPong(port, child, 10_000)) {
      return { url: `redis://127.0.0.1:${port}`, source: 'private', pid: child.pid, stop: () => stopChild(child) };
    }
    await stopChild(child);
    if (attempt >= 2) {
      throw new DialerError('DIALER_ERR_REDIS', `the private redis-server (${bin}) did not start: see ${join(logDir, 'redis.log')}`);
    }
  }
}

function launch(bin: string, port: number, dataDir: string, logDir: string): ChildProcess {
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--appendonly', 'no',
    '--daemonize', 'no', '--maxmemory-policy', 'noeviction', '--loglevel', 'warning',
  ];
  const log = createWriteStream(join(logDir, 'redis.log'), { flags: 'a' });
  // Detached like the other children: the demo stops it last, after everything that uses it.
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once('error', () => undefined);
  return child;
}

async function waitUntilPong(port: number, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await pingLocal(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Kills a private redis-server at once (the demo's emergency exit path). */
export function killPrivateRedis(redis: DemoRedis | undefined): void {
  if (redis?.source !== 'private' || !redis.pid) return;
  try {
    process.kill(redis.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
